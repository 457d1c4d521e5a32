"""Running SPARQL on the store and writing the results.

SELECT and ASK results come in the SPARQL 1.1 result formats (JSON, XML, CSV, TSV) or as
a plain-text table for a terminal; CONSTRUCT and DESCRIBE results in any format of the
registry.

>>> from provld.store import open_store
>>> store = open_store("memory:")
>>> result = run(store, "ASK { ?s ?p ?o }")
>>> render(result, "json")
b'{"head":{},"boolean":false}'
"""

from __future__ import annotations

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
)

from provld import export, formats
from provld.errors import FormatError
from provld.store.base import Backend, Bindings, QueryResult

RESULT_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
RESULT_MEDIA_TYPES = {f.media_type: name for name, f in RESULT_FORMATS.items()}


def run(store: Backend, sparql: str, bindings: Bindings | None = None) -> QueryResult:
    """Run a read-only query over the union of every stored graph."""
    return store.query(sparql, bindings=bindings)


def result_format(spec: str) -> str:
    """Normalise a result format name (``json``, a media type, ``table``)."""
    key = spec.strip().lower()
    if key in RESULT_FORMATS or key == "table":
        return key
    if key in RESULT_MEDIA_TYPES:
        return RESULT_MEDIA_TYPES[key]
    if key in {"application/json", "srj"}:
        return "json"
    raise FormatError(f"unknown result format {spec!r} (json, xml, csv, tsv, table)")


def render(result: QueryResult, fmt: str) -> bytes:
    """Serialise a query result; ``fmt`` is a result format for SELECT/ASK, a registry
    format for CONSTRUCT/DESCRIBE."""
    if isinstance(result, QueryTriples):
        return export.serialize(result, formats.lookup(fmt))
    key = result_format(fmt)
    if key == "table":
        return table(result).encode("utf-8")
    out = result.serialize(format=RESULT_FORMATS[key])
    assert out is not None
    return out


def table(result: QuerySolutions | QueryBoolean) -> str:
    """A plain-text table for a terminal."""
    if isinstance(result, QueryBoolean):
        return ("yes" if bool(result) else "no") + "\n"
    names = [v.value for v in result.variables]
    rows = [[_cell(row[name]) for name in names] for row in result]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    widths = [min(w, 80) for w in widths]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(c[:w].ljust(w) for c, w in zip(r, widths, strict=True)))
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _cell(term: NamedNode | BlankNode | Literal | None) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return term.value
