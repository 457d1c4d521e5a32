"""Validating provenance documents against provld's SHACL shapes: the release gate.

Profiles select shape files (``shapes/*.ttl``, shipped in the package):

=========  ==================================================================
profile    files
=========  ==================================================================
basic      ``prov-structure.ttl``: W3C PROV structure only, for documents
           from outside the IVOA world
release    every file: PROV structure, ProvenanceDM attributes and
           multiplicities, cross-record rules, recommendations (warnings)
=========  ==================================================================

The table is :data:`PROFILES`; a new shapes file joins ``release`` by being listed
there (a test checks that every shipped file is in a profile).

Engines: ``provld`` (the default) compiles the shapes to set-based SPARQL run by
Oxigraph on the document (:mod:`provld.shacl_sparql`); ``pyshacl`` is the reference
engine, run on an rdflib copy of the document. Both give the same results on the test
corpus (a test checks it); ``provld`` validates a 10,000-run document in seconds where
pyshacl needs hours (``benchmarks/validate.py``). Shapes that the compiler does not cover
(custom shapes) go to pyshacl.

>>> from pyoxigraph import Store
>>> report = validate(Store(), "basic", document="empty")
>>> report.conforms, report.summary()
(True, 'empty: conforms to the basic profile: 0 violations, 0 warnings, 0 infos')
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyoxigraph
import rdflib
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    Store,
    Triple,
    Variable,
)

from provld import __version__, iris
from provld.errors import InputError, translate
from provld.report import SEVERITIES, Report, Result, short
from provld.resources import data_file, list_files
from provld.shacl_sparql import SH, Check, Unsupported, compile_shapes, run
from provld.store.base import Backend
from provld.vocab import PROVLD, RDF_TYPE, RDFS_LABEL, XSD_DATETIME, prov, voprov

#: Shape files of each profile, in the order they are reported.
PROFILES: dict[str, tuple[str, ...]] = {
    "basic": ("prov-structure.ttl",),
    "release": (
        "prov-structure.ttl",
        "provdm-attributes.ttl",
        "provdm-cross.ttl",
        "provdm-recommendations.ttl",
    ),
}
ENGINES = ("provld", "pyshacl")
#: Where the shape files are published (their owl:Ontology IRI is this + file stem).
SHAPES_BASE = "https://w3id.org/provld/shapes/"


@dataclass(frozen=True, slots=True)
class StoredGraph:
    """A document already in a store: validated in place, one named graph."""

    store: Backend
    graph: NamedNode


Source = Store | StoredGraph | Iterable[Quad | Triple]


def profile_files(profile: str) -> tuple[str, ...]:
    try:
        return PROFILES[profile]
    except KeyError:
        raise InputError(
            f"unknown validation profile {profile!r}: choose {' or '.join(PROFILES)}"
        ) from None


@cache
def shapes_graph(profile: str) -> rdflib.Graph:
    """The shapes of ``profile``, as one rdflib graph."""
    graph = rdflib.Graph()
    for name in profile_files(profile):
        graph.parse(data=data_file("shapes", name).read_bytes(), format="turtle")
    return graph


@cache
def _checks(profile: str) -> tuple[Check, ...]:
    return tuple(compile_shapes(shapes_graph(profile)))


def shipped_shape_files() -> list[str]:
    return list_files("shapes", ".ttl")


def validate(
    data: Source,
    profile: str = "release",
    *,
    engine: str = "provld",
    document: str | None = None,
) -> Report:
    """Validate ``data`` (a pyoxigraph Store, a stored graph, or quads/triples) against
    the shapes of ``profile``; the report names ``document`` in its text."""
    files = list(profile_files(profile))
    if engine not in ENGINES:
        raise InputError(f"unknown validation engine {engine!r}: choose {' or '.join(ENGINES)}")
    started = time.perf_counter()
    try:
        if engine == "provld":
            try:
                checks = _checks(profile)
            except Unsupported:  # pragma: no cover - the shipped shapes all compile
                engine = "pyshacl"
        if engine == "provld":
            query, triples = _query_function(data)
            results = _run_compiled(checks, query, shapes_graph(profile))
        else:
            graph, triples = _rdflib_graph(data)
            results = pyshacl_results(graph, shapes_graph(profile))
            query = _query_function(_store_of(graph))[0]
        labels = _labels(query, results)
    except Exception as exc:
        raise translate(exc, source=document) from None
    return Report(
        results,
        document=document,
        profile=profile,
        engine=engine,
        shapes=files,
        triples=triples,
        seconds=time.perf_counter() - started,
        labels=labels,
    )


def check_shapes(
    data: Source, shapes: rdflib.Graph, *, engine: str = "provld"
) -> tuple[list[Result], str]:
    """Validate ``data`` against any ``shapes`` graph; returns the results and the engine
    that ran: ``provld`` when it compiles every shape, else ``pyshacl``."""
    try:
        if engine == "provld":
            try:
                checks = compile_shapes(shapes)
            except Unsupported:
                engine = "pyshacl"
            else:
                query, _ = _query_function(data)
                return _run_compiled(checks, query, shapes), engine
        graph, _ = _rdflib_graph(data)
        return pyshacl_results(graph, shapes), engine
    except Exception as exc:
        raise translate(exc) from None


# -- the provld engine ------------------------------------------------------------------


def _query_function(data: Source) -> tuple[Any, int]:
    if isinstance(data, StoredGraph):
        store, graph = data.store, data.graph

        def query(sparql: str, bindings: dict[str, Any] | None = None) -> Iterator[Any]:
            return iter(store.query(sparql, bindings=bindings, graphs=[graph]))  # type: ignore[arg-type]

        rows = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graphs=[graph])
        return query, int(next(iter(rows))["n"].value)  # type: ignore[arg-type,index]
    if not isinstance(data, Store):
        temporary = Store()
        temporary.extend(
            q if isinstance(q, Quad) else Quad(q.subject, q.predicate, q.object, DefaultGraph())
            for q in data
        )
        data = temporary
    target = data

    def query_store(sparql: str, bindings: dict[str, Any] | None = None) -> Iterator[Any]:
        subs = {Variable(k): v for k, v in bindings.items()} if bindings else None
        return iter(target.query(sparql, use_default_graph_as_union=True, substitutions=subs))  # type: ignore[arg-type]

    return query_store, len(target)


def _run_compiled(checks: Iterable[Check], query: Any, shapes: rdflib.Graph) -> list[Result]:
    results = []
    seen: set[tuple[int, object, object, object]] = set()
    for check, row in run(list(checks), query):
        focus = row["this"]  # type: ignore[index]
        key = (id(check), focus, _get(row, "value"), _get(row, "path"))
        if key in seen:  # a node selected by two targets, or a query without DISTINCT
            continue
        seen.add(key)
        value = _get(row, "value")
        if check.component == SH.SPARQLConstraintComponent and value is None:
            value = focus
        if (
            check.component
            in (
                SH.MinCountConstraintComponent,
                SH.MaxCountConstraintComponent,
                SH.HasValueConstraintComponent,
            )
            and check.path is not None
        ):
            value = None
        path = _get(row, "path")
        results.append(
            _result(
                shapes,
                check.severity,
                focus,
                check.path if path is None else _rdflib(path),
                value,
                check.message,
                check.shape,
                check.owner,
                check.component,
            )
        )
    return results


def _get(row: Any, name: str) -> Any:
    try:
        return row[name]
    except (KeyError, IndexError, TypeError):
        return None


# -- pyshacl, the reference --------------------------------------------------------------


def pyshacl_results(data: rdflib.Graph, shapes: rdflib.Graph) -> list[Result]:
    """Validate with pyshacl and read its report graph into results."""
    import pyshacl

    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, allow_warnings=True, allow_infos=True)
    results = []
    for node in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        results.append(
            _result(
                shapes,
                report.value(node, SH.resultSeverity),
                _oxigraph(report.value(node, SH.focusNode)),
                report.value(node, SH.resultPath),
                _oxigraph(report.value(node, SH.value))
                if report.value(node, SH.value) is not None
                else None,
                str(report.value(node, SH.resultMessage) or ""),
                report.value(node, SH.sourceShape),
                None,
                report.value(node, SH.sourceConstraintComponent),
            )
        )
    return results


def _rdflib_graph(data: Source) -> tuple[rdflib.Graph, int]:
    if isinstance(data, StoredGraph):
        triples: Iterable[Triple] = (q.triple for q in data.store.graph_quads(data.graph))
    elif isinstance(data, Store):
        triples = (q.triple for q in data)
    else:
        triples = (q.triple if isinstance(q, Quad) else q for q in data)
    text = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=text, format="nt")
    return graph, len(graph)


def _store_of(graph: rdflib.Graph) -> Store:
    store = Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), pyoxigraph.RdfFormat.N_TRIPLES)
    return store


# -- results -----------------------------------------------------------------------------


def _result(
    shapes: rdflib.Graph,
    severity: Any,
    focus: Any,
    path: rdflib.term.Node | None,
    value: Any,
    message: str | None,
    source: rdflib.term.Node,
    owner: rdflib.term.Node | None,
    component: Any,
) -> Result:
    owner = owner if owner is not None else _owner(shapes, source)
    name = shapes.value(owner, SH.name) or shapes.value(source, SH.name)
    level = str(severity).rsplit("#", 1)[-1]
    return Result(
        severity=level if level in SEVERITIES else "Violation",
        focus=focus,
        path=_path_text(shapes, path) if path is not None else None,
        value=value,
        message=message or str(shapes.value(owner, SH.message) or "") or f"{short(str(component))}",
        shape=_oxigraph(owner),  # type: ignore[arg-type]
        shape_name=str(name) if name is not None else short(str(owner)),
        component=NamedNode(str(component)),
        source_shape=None if source == owner else _oxigraph(source),  # type: ignore[arg-type]
        path_node=NamedNode(str(path)) if isinstance(path, rdflib.URIRef) else None,
    )


def _owner(shapes: rdflib.Graph, shape: rdflib.term.Node) -> rdflib.term.Node:
    """The named shape that holds ``shape`` through ``sh:property`` (or itself)."""
    for parent in shapes.subjects(SH.property, shape):
        return parent
    return shape


def _path_text(shapes: rdflib.Graph, path: rdflib.term.Node) -> str:
    if isinstance(path, rdflib.URIRef):
        return short(str(path))
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(shapes, inverse)
    return str(path)


def _oxigraph(term: rdflib.term.Node) -> NamedNode | BlankNode | Literal:
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return BlankNode(str(term)) if str(term).isalnum() else BlankNode()
    if isinstance(term, rdflib.Literal):
        if term.language:
            return Literal(str(term), language=term.language)
        if term.datatype is not None:
            return Literal(str(term), datatype=NamedNode(str(term.datatype)))
        return Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _rdflib(term: Any) -> rdflib.term.Node:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    return rdflib.Literal(term.value)


_NAME = (
    "<http://www.w3.org/2000/01/rdf-schema#label>"
    "|<http://www.ivoa.net/documents/ProvenanceDM/index.html#name>"
)
_LABELS = f"SELECT ?node ?label WHERE {{ VALUES ?node {{ %s }} ?node {_NAME} ?label }}"
_OWNER = (
    f"SELECT ?node ?owner ?via ?label WHERE {{ ?owner ?via ?node "
    f"OPTIONAL {{ ?owner {_NAME} ?label }} }} LIMIT 1"
)
#: Blank focus nodes named by their owner (one small query each) in one report.
BLANK_LABELS = 200


def _labels(query: Any, results: list[Result]) -> dict[Any, str]:
    """Readable names of the focus nodes and values of ``results``: a label or name, or
    for the blank node of a qualified relation the relation and its subject."""
    named: list[NamedNode] = []
    blanks: list[BlankNode] = []
    seen = set()
    for r in results[:2000]:  # the text report shows a few per group; JSON gets the rest
        for term in (r.focus, r.value):
            if isinstance(term, NamedNode | BlankNode) and term not in seen:
                seen.add(term)
                (named if isinstance(term, NamedNode) else blanks).append(term)  # type: ignore[arg-type]
    labels: dict[Any, str] = {}
    for start in range(0, len(named), 400):
        chunk = " ".join(str(t) for t in named[start : start + 400])
        for row in query(_LABELS % chunk):
            labels.setdefault(row["node"], row["label"].value)
    for blank in blanks[:BLANK_LABELS]:
        for row in query(_OWNER, {"node": blank}):
            owner = row["label"].value if row["label"] is not None else _show(row["owner"])
            labels[blank] = f"[{short(row['via'].value)} of {owner}]"
    return labels


def _show(term: Any) -> str:
    return f"<{term.value}>" if isinstance(term, NamedNode) else str(term)


# -- the validation run, as PROV ------------------------------------------------------------

_VALIDATION = NamedNode(PROVLD + "Validation")
_REPORT = NamedNode(PROVLD + "ValidationReport")
_SHAPES = NamedNode(PROVLD + "ShapesFile")


def validation_quads(
    report: Report,
    document: NamedNode,
    graph: NamedNode,
    base: str,
    *,
    started: Literal | None = None,
) -> Iterator[Quad]:
    """The PROV record of a validation run, for the catalogue ``graph``: the run (an
    activity) used the document and the shape files (each pinned by its SHA-256),
    was carried out by provld's validator (a software agent), and generated the
    report (an entity with the profile, the verdict and the counts)."""
    run_iri = iris.random_id(base, "validation")
    report_iri = iris.random_id(base, "report")
    validator = iris.minted(base, "software", f"provld {__version__} validator {report.engine}")
    now = _now()
    yield Quad(run_iri, RDF_TYPE, prov("Activity"), graph)
    yield Quad(run_iri, RDF_TYPE, _VALIDATION, graph)
    yield Quad(
        run_iri,
        RDFS_LABEL,
        Literal(
            f"SHACL validation of {report.document or document.value} ({report.profile} profile)"
        ),
        graph,
    )
    yield Quad(run_iri, prov("startedAtTime"), started or now, graph)
    yield Quad(run_iri, prov("endedAtTime"), now, graph)
    yield Quad(run_iri, prov("used"), document, graph)
    yield Quad(run_iri, prov("wasAssociatedWith"), validator, graph)
    yield Quad(validator, RDF_TYPE, prov("SoftwareAgent"), graph)
    yield Quad(
        validator,
        RDFS_LABEL,
        Literal(f"provld {__version__} SHACL validator ({report.engine} engine)"),
        graph,
    )
    yield Quad(validator, voprov("name"), Literal(f"provld validator ({report.engine})"), graph)
    for name in report.shapes:
        content = data_file("shapes", name).read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        shapes = NamedNode(f"{base}id/shapes/{digest[:32]}")
        yield Quad(run_iri, prov("used"), shapes, graph)
        yield Quad(shapes, RDF_TYPE, prov("Entity"), graph)
        yield Quad(shapes, RDF_TYPE, _SHAPES, graph)
        yield Quad(shapes, RDFS_LABEL, Literal(name), graph)
        yield Quad(shapes, NamedNode(PROVLD + "sha256"), Literal(digest), graph)
        yield Quad(
            shapes,
            prov("specializationOf"),
            NamedNode(SHAPES_BASE + name.removesuffix(".ttl")),
            graph,
        )
    yield Quad(report_iri, RDF_TYPE, prov("Entity"), graph)
    yield Quad(report_iri, RDF_TYPE, _REPORT, graph)
    yield Quad(report_iri, RDFS_LABEL, Literal(report.summary()), graph)
    yield Quad(report_iri, prov("wasGeneratedBy"), run_iri, graph)
    yield Quad(report_iri, prov("generatedAtTime"), now, graph)
    yield Quad(report_iri, prov("wasDerivedFrom"), document, graph)
    yield Quad(report_iri, NamedNode(PROVLD + "profile"), Literal(report.profile), graph)
    yield Quad(
        report_iri,
        NamedNode(PROVLD + "conforms"),
        Literal(
            "true" if report.conforms else "false",
            datatype=NamedNode("http://www.w3.org/2001/XMLSchema#boolean"),
        ),
        graph,
    )
    for severity in SEVERITIES:
        yield Quad(
            report_iri,
            NamedNode(PROVLD + severity.lower() + "Count"),
            Literal(
                str(report.count(severity)),
                datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"),
            ),
            graph,
        )


def _now() -> Literal:
    from datetime import UTC, datetime

    text = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Literal(text, datatype=XSD_DATETIME)


__all__ = [
    "check_shapes",
    "ENGINES",
    "PROFILES",
    "Report",
    "Result",
    "StoredGraph",
    "profile_files",
    "shapes_graph",
    "validate",
    "validation_quads",
]
