"""Writing stored documents, or any set of triples, in every format of the registry.

RDF formats are written by pyoxigraph. PROV formats go back through the record model
(:mod:`provld.fromrdf`) and the PROV writers, IVOA terms kept.

>>> from pyoxigraph import Triple, NamedNode
>>> from provld.formats import lookup
>>> t = Triple(NamedNode("http://ex.org/a"), NamedNode("http://www.w3.org/ns/prov#used"),
...            NamedNode("http://ex.org/e"))
>>> b"prov:used" in serialize([t], lookup("turtle"))
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import BinaryIO

import pyoxigraph
from pyoxigraph import NamedNode, Quad, Triple

from provld.errors import FormatError
from provld.formats import Format
from provld.fromrdf import to_document
from provld.model import Document
from provld.qnames import STANDARD_PREFIXES
from provld.store.base import Backend
from provld.vocab import DCTERMS, PROVLD

#: Prefixes written in Turtle and TriG output.
PREFIXES = {**STANDARD_PREFIXES, "dcterms": DCTERMS, "provld": PROVLD}
_WRITERS = {
    "provjson": "provld.writers.provjson:write_provjson",
    "provxml": "provld.writers.provxml:write_provxml",
    "provn": "provld.writers.provn:write_provn",
}


def prov_writer(fmt: Format) -> Callable[[Document], bytes]:
    target = _WRITERS.get(fmt.name)
    if target is None:
        raise FormatError(f"{fmt.label} is not a PROV format")
    module, func = target.split(":")
    write = getattr(importlib.import_module(module), func)

    def as_bytes(doc: Document) -> bytes:
        out = write(doc)
        return out.encode("utf-8") if isinstance(out, str) else out

    return as_bytes


def serialize(
    statements: Iterable[Triple | Quad], fmt: Format, prefixes: dict[str, str] | None = None
) -> bytes:
    """``statements`` in ``fmt`` (quads keep their graph only in dataset formats)."""
    if not fmt.writable:
        raise FormatError(f"{fmt.label} cannot be written")
    if fmt.kind == "prov":
        return prov_writer(fmt)(to_document(statements, prefixes or PREFIXES))
    if fmt.rdf is None:
        raise FormatError(f"{fmt.label} is not an RDF or PROV format")
    items: Iterable[Triple | Quad] = statements
    if not fmt.has_datasets:
        items = (s.triple if isinstance(s, Quad) else s for s in statements)
    out = pyoxigraph.serialize(items, format=fmt.rdf, prefixes=prefixes or PREFIXES)  # type: ignore[arg-type]
    assert out is not None
    return out


def export(
    store: Backend,
    fmt: Format,
    output: BinaryIO,
    *,
    graph: NamedNode | None = None,
    exclude: NamedNode | None = None,
) -> None:
    """Write one stored graph, or the whole store, to ``output``.

    ``exclude`` (the catalogue graph) is left out of PROV output: the catalogue is about
    documents, not part of any.
    """
    if fmt.rdf is not None:
        if graph is None and exclude is not None and not fmt.has_datasets:
            quads = _all_quads(store, exclude)
            output.write(serialize(quads, fmt))
            return
        store.dump(output, fmt.rdf, graph, PREFIXES)
        return
    quads = store.graph_quads(graph) if graph is not None else _all_quads(store, exclude)
    output.write(serialize(quads, fmt))


def _all_quads(store: Backend, exclude: NamedNode | None) -> Iterable[Quad]:
    result = store.query(
        "SELECT ?x ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER (?g != ?x) }",
        bindings={"x": exclude or NamedNode("urn:provld:none")},
    )
    return (Quad(row["s"], row["p"], row["o"]) for row in result)  # type: ignore[union-attr]
