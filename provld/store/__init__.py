"""Store backends: the small interface every backend implements, and how one is chosen.

::

    Backend.query(sparql, ...)        SELECT / ASK / CONSTRUCT / DESCRIBE
    Backend.update(sparql)            SPARQL Update, one transaction
    Backend.add_graph(g, quads)       a new named graph, all or nothing
    Backend.remove_graph(g)           drop a named graph
    Backend.dump(out, fmt, graph)     one graph or the whole dataset, streamed
    Backend.close()

Two backends implement it: :class:`OxigraphBackend`, embedded (a directory, or
``memory:``), and :class:`~provld.store.remote.RemoteBackend`, any SPARQL 1.1 server
(a URL). :func:`open_store` chooses by the location.

Results are pyoxigraph objects (:class:`~pyoxigraph.QuerySolutions`,
:class:`~pyoxigraph.QueryBoolean`, :class:`~pyoxigraph.QueryTriples`) whatever the
backend, so nothing above this layer knows which one it talks to.

>>> store = open_store("memory:")
>>> type(store).__name__
'OxigraphBackend'
"""

from __future__ import annotations

from collections.abc import Mapping

from provld.store.base import Backend, QueryResult, StoreTimeout
from provld.store.oxigraph import OxigraphBackend


def is_remote(location: str) -> bool:
    """True when ``location`` names a SPARQL server rather than an embedded store."""
    return location.startswith(("http://", "https://"))


def open_store(location: str, options: Mapping[str, str] | None = None) -> Backend:
    """Open the store at ``location``: a directory, ``memory:``, or the URL of a SPARQL
    server. ``options`` are the other ``PROVLD_STORE_*`` settings of a server (its update
    and Graph Store URLs, credentials, timeouts: the README, "Running it in production");
    by default they come from the environment and ``PROVLD_CONFIG``."""
    if is_remote(location):
        from provld.store.remote import RemoteBackend

        if options is None:
            from provld.config import Settings

            options = Settings.from_env().store_options
        return RemoteBackend(location, options)
    return OxigraphBackend(location)


__all__ = ["Backend", "OxigraphBackend", "QueryResult", "StoreTimeout", "is_remote", "open_store"]
