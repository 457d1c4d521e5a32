"""What an identifier given by a user names in the store: a full IRI, a prefixed name, a
path under the base, or a product identifier (a name, label or ``dcterms:identifier``
stored on entities). The catalogue graph is about documents, not part of any, and is
never searched. Used by the lineage walk; any page that takes an ID can use it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from pyoxigraph import Literal, NamedNode

from provld import iris
from provld.errors import InputError, NotFoundError
from provld.qnames import STANDARD_PREFIXES
from provld.resources import named_query
from provld.store.base import Backend

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def resolve_id(
    store: Backend,
    text: str,
    base: str = iris.DEFAULT_BASE,
    prefixes: Mapping[str, str] | None = None,
) -> list[NamedNode]:
    """The IRIs that ``text`` names: a full IRI (``<...>`` or bare), a prefixed name
    (``prov:``, ``voprov:`` or one of ``prefixes``), a path under ``base`` (``id/...``),
    or else a product identifier: the ``dcterms:identifier``, ``voprov:name`` or
    ``rdfs:label`` of stored entities (all of them, when several share it). Raises
    :class:`NotFoundError` when nothing in a stored document matches.

    >>> from provld.store import open_store
    >>> resolve_id(open_store("memory:"), "prov:nothing")
    Traceback (most recent call last):
    ...
    provld.errors.NotFoundError: nothing in the store is called 'prov:nothing'
    """
    text = text.strip()
    if not text:
        raise InputError("ID: an identifier is empty")
    base = iris.check_base(base)
    catalogue = iris.catalogue_graph(base)
    for candidate in _candidates(text, base, {**STANDARD_PREFIXES, **(prefixes or {})}):
        found = store.query(
            named_query("lineage-node"), bindings={"catalogue": catalogue, "node": candidate}
        )
        if any(True for _ in found):  # type: ignore[union-attr]
            return [candidate]
    result = store.query(
        named_query("lineage-identifier"),
        bindings={"catalogue": catalogue, "text": Literal(text)},
    )
    nodes = [row["node"] for row in result]  # type: ignore[union-attr]
    if nodes:
        return list(dict.fromkeys(n for n in nodes if isinstance(n, NamedNode)))
    raise NotFoundError(f"nothing in the store is called {text!r}")


def _candidates(text: str, base: str, prefixes: Mapping[str, str]) -> Iterator[NamedNode]:
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, sep, local = text.partition(":")
    texts = []
    if sep and prefix in prefixes:
        texts.append(prefixes[prefix] + local)
    if _SCHEME.match(text):
        texts.append(text)
    elif not text.startswith("_:"):
        texts.append(base + text.lstrip("/"))
    for candidate in texts:
        try:
            yield NamedNode(candidate)
        except ValueError:
            continue


__all__ = ["resolve_id"]
