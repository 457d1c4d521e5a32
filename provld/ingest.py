"""Reading any supported document into PROV-O quads of one named graph.

PROV documents (PROV-JSON, PROV-XML, PROV-N, ctapipe logs) are read into the record
model and mapped by :mod:`provld.provo`. RDF documents are parsed by pyoxigraph and
completed: for every qualified relation (``prov:qualifiedUsage`` and the others) the
plain triple is added when the source left it out, so that a query on ``prov:used``
finds every usage whatever the source wrote. Graph names of TriG and N-Quads input are
folded into the document's graph; blank nodes are renamed so documents never share them.

Quads are produced lazily: the store decides how to write them (see
:mod:`provld.store.oxigraph`), and a parse error part-way raises out of the write, which
the caller turns into "nothing stored".

>>> from pyoxigraph import NamedNode
>>> from provld.formats import lookup
>>> g = NamedNode("http://localhost:5000/graph/1")
>>> ttl = (b'@prefix prov: <http://www.w3.org/ns/prov#> .'
...        b' <http://e/a> prov:qualifiedUsage [ prov:entity <http://e/e> ] .')
>>> base = "http://localhost:5000/id/1/"
>>> quads = list(document_quads(ttl, lookup("turtle"), g, source="x.ttl", local_base=base))
>>> any(q.predicate.value.endswith("#used") for q in quads)
True
"""

from __future__ import annotations

import gc
import importlib
import itertools
import re
from collections.abc import Callable, Iterator

import pyoxigraph
from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad

from provld import provo
from provld.errors import FormatError, ParseError, translate
from provld.formats import Format
from provld.model import DRAFT_VOPROV, OLD_XSD, Document, Record, rewrite_namespace
from provld.vocab import RELATIONS

#: Readers of the formats that go through the PROV record model.
_READERS = {
    "provjson": "provld.readers.provjson:read_provjson",
    "provxml": "provld.readers.provxml:read_provxml",
    "provn": "provld.readers.provn:read_provn",
    "ctapipe": "provld.readers.ctapipe:read_ctapipe",
    "provjsonld": "provld.readers.provjsonld:read_provjsonld",
}
_QUALIFIED: dict[str, tuple[NamedNode, NamedNode | None]] = {
    t.qualified.value: (t.plain, t.influencer)
    for t in RELATIONS.values()
    if t.qualified is not None and t.influencer is not None
}
_QUALIFIED[RELATIONS["wasConfiguredBy"].qualified.value] = (  # type: ignore[union-attr]
    RELATIONS["wasConfiguredBy"].plain,
    None,
)
_CONFIGURATORS = {
    "http://www.ivoa.net/documents/ProvenanceDM/index.html#parameter",
    "http://www.ivoa.net/documents/ProvenanceDM/index.html#configFile",
}
# (the 2001 XMLSchema namespace without "#" only matters in PROV-XML, not in RDF)
_DRAFT_MARKERS = tuple(ns.encode() for ns in (*DRAFT_VOPROV, OLD_XSD[0]))


#: RDF formats the store may load itself: no named graphs to fold into the document's.
_NATIVE = {"turtle", "ntriples", "rdfxml"}


def native_load_possible(data: bytes, fmt: Format, source: str | None = None) -> bool:
    """True when ``data`` can go to the store's own loader as it is: a triple format with
    no draft namespace to rewrite (RDF/XML is checked for hostile entities first)."""
    if fmt.name not in _NATIVE or any(marker in data for marker in _DRAFT_MARKERS):
        return False
    if fmt.name == "rdfxml":
        check_xml_entities(data, source)
    return True


def prov_reader(fmt: Format) -> Callable[..., Document]:
    """The function reading ``fmt`` into a :class:`~provld.model.Document`."""
    target = _READERS.get(fmt.name)
    if target is None:
        raise FormatError(f"{fmt.label} is not a PROV format")
    module, func = target.split(":")
    try:
        return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]
    except ImportError as exc:
        raise FormatError(f"{fmt.label} cannot be read here: {exc}") from None


def read_prov(data: bytes, fmt: Format, *, source: str | None, local_base: str) -> Document:
    """Read a PROV document (or ctapipe log) into the record model."""
    reader = prov_reader(fmt)
    # Readers make millions of small objects and no reference cycles: the cyclic garbage
    # collector only slows them down (a third of the time on a 10k-run PROV-JSON file).
    collecting = gc.isenabled()
    gc.disable()
    try:
        if fmt.name == "ctapipe":
            return reader(data, source)
        return reader(data, source, local_base=local_base)
    except Exception as exc:  # a reader's own error or a library's: one error type out
        raise translate(exc, source=source) from None
    finally:
        if collecting:
            gc.enable()


def document_quads(
    data: bytes,
    fmt: Format,
    graph: NamedNode,
    *,
    source: str | None,
    local_base: str,
    stats: dict[str, int] | None = None,
    stream: bool = False,
    blank: Callable[[], BlankNode] = BlankNode,
) -> Iterator[Quad]:
    """The quads of ``data`` in ``graph``; ``stats`` receives ``records`` and ``quads``
    (once the quads are all read, with ``stream``). ``blank`` makes the blank nodes of a
    PROV document's relations (:func:`provld.provo.document_quads`).

    With ``stream``, a PROV-JSON document is mapped record by record as it is read, so
    that a store can write the first quads while the rest is read: for big documents,
    where reading the whole document first left the store idle (a 10k-run file: 6 of
    33 s). A document that turns out malformed part-way raises part-way."""
    stats = stats if stats is not None else {}
    if not fmt.readable:
        raise FormatError(f"{fmt.label} cannot be read, only written")
    if stream and fmt.name == "provjson":
        from provld.readers.provjson import stream_provjson

        try:
            doc, records = stream_provjson(data, source, local_base=local_base)
        except Exception as exc:
            raise translate(exc, source=source) from None
        quads = provo.stream_quads(doc, _records_counted(records, stats), graph, blank=blank)
        return _counted(quads, stats, source)
    if fmt.rdf is None:
        doc = read_prov(data, fmt, source=source, local_base=local_base)
        stats["records"] = len(doc.all_records())
        quads = provo.document_quads(doc, graph, drain=True, blank=blank)
        return _counted(quads, stats, source)
    if fmt.name == "rdfxml":
        check_xml_entities(data, source)
    return _counted(_rdf_quads(data, fmt, graph, source, local_base), stats, source)


_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*\[(.*?)\]\s*>", re.S)
_ENTITY = re.compile(rb"<!ENTITY\s+(%\s*)?([^\s]+)\s+(SYSTEM|PUBLIC)?\s*(\"[^\"]*\"|'[^']*')", re.S)
#: Longest replacement text allowed for an internal entity of an RDF/XML document.
ENTITY_MAX = 2048


def check_xml_entities(data: bytes, source: str | None) -> None:
    """Refuse the XML entity declarations that make an RDF/XML parser fetch files or
    expand without bound (XXE, "billion laughs").

    RDF/XML files often declare entities for namespaces (``<!ENTITY owl "...">``): those
    are kept. Refused: external and parameter entities, entities whose text refers to
    other entities, and replacement texts longer than :data:`ENTITY_MAX` bytes.
    """
    head = data[: 1 << 20]
    match = _DOCTYPE.search(head)
    if match is None:
        if b"<!ENTITY" in head:
            raise ParseError("entity declarations outside a DOCTYPE are refused", source=source)
        return
    subset = match.group(1)
    declared = subset.count(b"<!ENTITY")
    entities = list(_ENTITY.finditer(subset))
    if declared != len(entities):
        raise ParseError("an entity declaration of the DOCTYPE cannot be checked", source=source)
    for entity in entities:
        name = entity.group(2).decode("utf-8", "replace")
        value = entity.group(4)[1:-1]
        if entity.group(1):
            raise ParseError(f"parameter entity {name!r} is refused", source=source)
        if entity.group(3):
            raise ParseError(
                f"external entity {name!r} is refused (provld reads no other file)", source=source
            )
        if b"&" in value or b"%" in value:
            raise ParseError(
                f"entity {name!r} refers to other entities: refused (entity expansion attack)",
                source=source,
            )
        if len(value) > ENTITY_MAX:
            raise ParseError(f"entity {name!r} is longer than {ENTITY_MAX} bytes", source=source)


def _records_counted(records: Iterator[Record], stats: dict[str, int]) -> Iterator[Record]:
    """``records``, counted into ``stats["records"]`` at the end; without the cyclic
    garbage collector meanwhile (see :func:`read_prov`)."""
    collecting = gc.isenabled()
    gc.disable()
    n = 0
    try:
        for n, record in enumerate(records, 1):  # noqa: B007
            yield record
    finally:
        if collecting:
            gc.enable()
    stats["records"] = n


def _counted(quads: Iterator[Quad], stats: dict[str, int], source: str | None) -> Iterator[Quad]:
    counter = itertools.count(1)
    n = 0
    try:
        # zip with a counter: the count costs nothing per quad in Python bytecode
        for n, quad in zip(counter, quads, strict=False):  # noqa: B007
            yield quad
    except ParseError:
        raise
    except Exception as exc:
        if "LoadDocumentCallback" in str(exc):
            raise ParseError(
                "the JSON-LD @context refers to a remote document, and provld fetches nothing "
                "while reading; put the context inline",
                source=source,
            ) from None
        raise translate(exc, source=source) from None
    stats["quads"] = n
    stats.setdefault("records", n)


def _rdf_quads(
    data: bytes, fmt: Format, graph: NamedNode, source: str | None, local_base: str
) -> Iterator[Quad]:
    assert fmt.rdf is not None
    rewrite = any(marker in data for marker in _DRAFT_MARKERS)
    qualified: list[tuple[NamedNode | BlankNode, NamedNode, NamedNode | BlankNode]] = []
    influencers: dict[NamedNode | BlankNode, list[tuple[str, object]]] = {}
    parsed = pyoxigraph.parse(data, fmt.rdf, base_iri=local_base, rename_blank_nodes=True)
    for st in parsed:
        s, p, o = st.subject, st.predicate, st.object
        if rewrite:
            s, p, o = _rewrite(s), _rewrite(p), _rewrite(o)  # type: ignore[assignment]
        if isinstance(s, pyoxigraph.Triple):
            raise ParseError("RDF-star quoted triples are not PROV", source=source)
        graph_name = getattr(st, "graph_name", None)
        if graph_name is not None and not isinstance(graph_name, DefaultGraph):
            yield Quad(graph_name, _RDF_TYPE, _PROV_BUNDLE, graph)
        pv = p.value
        if pv in _QUALIFIED and isinstance(o, NamedNode | BlankNode):
            qualified.append((s, p, o))  # type: ignore[arg-type]
        elif isinstance(o, NamedNode | BlankNode):
            influencers.setdefault(s, []).append((pv, o))  # type: ignore[arg-type]
        yield Quad(s, p, o, graph)  # type: ignore[arg-type]
    # Complete the plain form of every qualified relation.
    for s, p, node in qualified:
        plain, influencer = _QUALIFIED[p.value]
        for prop, o in influencers.get(node, ()):
            if (influencer is not None and prop == influencer.value) or (
                influencer is None and prop in _CONFIGURATORS
            ):
                yield Quad(s, plain, o, graph)  # type: ignore[arg-type]


_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_PROV_BUNDLE = NamedNode("http://www.w3.org/ns/prov#Bundle")


def _rewrite(term: object) -> object:
    if isinstance(term, NamedNode):
        new = rewrite_namespace(term.value)
        return term if new == term.value else NamedNode(new)
    if isinstance(term, pyoxigraph.Literal) and term.language is None:
        new = rewrite_namespace(term.datatype.value)
        if new != term.datatype.value:
            return pyoxigraph.Literal(term.value, datatype=NamedNode(new))
    return term
