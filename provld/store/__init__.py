"""Store backends: the small interface every backend implements, and how one is chosen.

::

    Backend.query(sparql, ...)        SELECT / ASK / CONSTRUCT / DESCRIBE
    Backend.update(sparql)            SPARQL Update, one transaction
    Backend.add_graph(g, quads)       a new named graph, all or nothing
    Backend.remove_graph(g)           drop a named graph
    Backend.dump(out, fmt, graph)     one graph or the whole dataset, streamed
    Backend.close()

Results are pyoxigraph objects (:class:`~pyoxigraph.QuerySolutions`,
:class:`~pyoxigraph.QueryBoolean`, :class:`~pyoxigraph.QueryTriples`) whatever the
backend, so nothing above this layer knows which one it talks to.

>>> store = open_store("memory:")
>>> type(store).__name__
'OxigraphBackend'
"""

from __future__ import annotations

from provld.store.base import Backend, QueryResult
from provld.store.oxigraph import OxigraphBackend


def open_store(location: str) -> Backend:
    """Open the store at ``location``: a directory, or ``memory:``."""
    if location.startswith(("http://", "https://")):
        from provld.errors import StoreError

        raise StoreError("remote SPARQL stores are not supported yet", store=location)
    return OxigraphBackend(location)


__all__ = ["Backend", "OxigraphBackend", "QueryResult", "open_store"]
