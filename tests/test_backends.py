"""The storage interface on every backend: the embedded store, an Oxigraph server and
Virtuoso, each test run on each (``backend`` fixture, tests/conftest.py), and the
differences between servers that the remote backend smooths over, each named and tested.

A server that cannot be started here is skipped with the reason (``pytest -rs``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyoxigraph
import pytest
from flask import Flask, request
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
)
from rdflib import Graph
from rdflib.compare import isomorphic

from provld import formats
from provld.documents import Catalogue
from provld.errors import QueryError, StoreError
from provld.store import oxigraph as oxistore
from provld.store import remote
from provld.store.base import Backend, StoreTimeout

from .conftest import BASE, shared, snapshot
from .server import serve
from .sparql_servers import VirtuosoServer

EX = "http://ex.org/"
G1, G2 = NamedNode(EX + "g1"), NamedNode(EX + "g2")
XSD = "http://www.w3.org/2001/XMLSchema#"
TRICKY = f"""
<{EX}s> <{EX}p> "quote \\" and \\\\ backslash" .
<{EX}s> <{EX}p> "line\\nbreak\\ttab" .
<{EX}s> <{EX}p> "Ångström — ★ 𝔸"@fr .
<{EX}s> <{EX}p> "42"^^<{XSD}integer> .
<{EX}s> <{EX}p> "true"^^<{XSD}boolean> .
<{EX}s> <{EX}p> "2024-03-01T22:10:00Z"^^<{XSD}dateTime> .
<{EX}s> <{EX}q> _:b1 .
_:b1 <{EX}r> _:b2 .
_:b2 <{EX}r> "leaf" .
<{EX}s%20x> <{EX}p> <{EX}o?a=b&c=d#frag> .
""".encode()
SERVERS = ("oxigraph-server", "virtuoso")


def _quads(data: bytes, graph: NamedNode) -> list[Quad]:
    triples = pyoxigraph.parse(data, RdfFormat.N_TRIPLES, rename_blank_nodes=True)
    return [Quad(t.subject, t.predicate, t.object, graph) for t in triples]


def _rdflib(triples: object) -> Graph:
    lines = "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)  # type: ignore[attr-defined]
    return Graph().parse(data=lines, format="nt")


def _load(catalogue: Catalogue, source: str) -> NamedNode:
    data = shared(source).read_bytes()
    fmt = formats.guess(path=source, content=data)
    return catalogue.load(data, fmt, source=Path(source).name).graph


# -- the interface, on every backend --------------------------------------------------------


def test_a_graph_comes_back_as_it_went_in(backend: Backend) -> None:
    backend.add_graph(G1, _quads(TRICKY, G1))
    assert backend.has_graph(G1) and not backend.has_graph(G2)
    back = _rdflib(q.triple for q in backend.graph_quads(G1))
    assert isomorphic(back, Graph().parse(data=TRICKY.decode(), format="nt"))
    out = io.BytesIO()
    backend.dump(out, RdfFormat.TURTLE, G1)
    again = Graph().parse(data=out.getvalue().decode(), format="turtle")
    assert isomorphic(again, back)
    backend.remove_graph(G1)
    assert not backend.has_graph(G1) and list(backend.graph_quads(G1)) == []


def test_results_are_the_embedded_stores_objects(backend: Backend) -> None:
    backend.add_graph(G1, _quads(TRICKY, G1))
    rows = backend.query(f"SELECT ?o WHERE {{ <{EX}s> <{EX}p> ?o }} ORDER BY STR(?o)")
    assert isinstance(rows, QuerySolutions) and [v.value for v in rows.variables] == ["o"]
    values = {row["o"] for row in rows}
    assert Literal("Ångström — ★ 𝔸", language="fr") in values
    assert Literal("true", datatype=NamedNode(XSD + "boolean")) in values
    assert Literal('quote " and \\ backslash') in values
    ask = backend.query(f"ASK {{ <{EX}s> <{EX}q> ?b }}")
    assert isinstance(ask, QueryBoolean) and bool(ask)
    construct = backend.query(f"CONSTRUCT {{ ?s <{EX}r> ?o }} WHERE {{ ?s <{EX}r> ?o }}")
    assert isinstance(construct, QueryTriples)
    chain = list(construct)
    assert len(chain) == 2 and all(isinstance(t.subject, BlankNode) for t in chain)
    # the same description twice reads the same (blank node labels are kept)
    first = [str(t) for t in backend.query(f"DESCRIBE <{EX}s>")]  # type: ignore[union-attr]
    assert first == [str(t) for t in backend.query(f"DESCRIBE <{EX}s>")]  # type: ignore[union-attr]


def test_bound_values_are_values_not_text(backend: Backend) -> None:
    backend.add_graph(G1, _quads(TRICKY, G1))
    before = snapshot(backend)
    hostile = Literal('x" } } ; DROP ALL ; # \n<')
    found = backend.query("ASK { ?s ?p ?o }", bindings={"o": hostile})
    assert not bool(found)
    assert snapshot(backend) == before
    value = Literal("line\nbreak\ttab")
    rows = backend.query("SELECT ?o ?s WHERE { ?s ?p ?o }", bindings={"o": value})
    assert [(row["o"], row["s"]) for row in rows] == [(value, NamedNode(EX + "s"))]  # type: ignore[union-attr]
    # a bound value inside OPTIONAL and in a FILTER of a UNION branch means what
    # pyoxigraph's substitution means (SEP-0007), not a join after the fact
    rows = backend.query(
        f"SELECT ?s ?p ?x WHERE {{ ?s <{EX}q> ?y OPTIONAL {{ ?s ?p ?x }} }}",
        bindings={"p": NamedNode(EX + "r")},
    )
    assert [(row["s"], row["x"]) for row in rows] == [(NamedNode(EX + "s"), None)]  # type: ignore[union-attr]
    rows = backend.query(
        f"SELECT ?want ?o WHERE {{ {{ ?s <{EX}p> ?o FILTER(?o = ?want) }} "
        f"UNION {{ ?s <{EX}r> ?o FILTER(?o = ?want) }} }}",
        bindings={"want": Literal("leaf")},
    )
    assert [row["o"] for row in rows] == [Literal("leaf")]  # type: ignore[union-attr]


def test_relative_iris_need_a_base(backend: Backend) -> None:
    """Refused without BASE, as pyoxigraph refuses them (a server would resolve them
    against its own URL), and resolved against it (Virtuoso would keep them relative)."""
    with pytest.raises(QueryError, match="malformed"):
        backend.update(f"INSERT DATA {{ GRAPH {G1} {{ <s> <p> <o> }} }}")
    with pytest.raises(QueryError, match="malformed"):
        backend.query("CONSTRUCT { <s> <p> 1 } WHERE {}")
    backend.update(f"BASE <{EX}base/> INSERT DATA {{ GRAPH {G1} {{ <s> <p> <o> }} }}")
    rows = backend.query(f"SELECT ?o WHERE {{ <{EX}base/s> ?p ?o }}")
    assert [row["o"] for row in rows] == [NamedNode(EX + "base/o")]  # type: ignore[union-attr]


def test_the_default_graph_is_the_union_of_the_named_graphs(backend: Backend) -> None:
    backend.add_graph(G1, [Quad(NamedNode(EX + "a"), NamedNode(EX + "p"), Literal("1"), G1)])
    backend.add_graph(G2, [Quad(NamedNode(EX + "b"), NamedNode(EX + "p"), Literal("2"), G2)])
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def n(**kwargs: object) -> int:
        return int(next(iter(backend.query(count, **kwargs)))["n"].value)  # type: ignore[arg-type,call-overload,index]

    assert n() == 2
    assert n(graphs=[G1]) == 1
    named = backend.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named=[G2])
    assert [row["g"] for row in named] == [G2]  # type: ignore[union-attr]


def test_a_query_cannot_write(backend: Backend) -> None:
    backend.add_graph(G1, _quads(TRICKY, G1))
    before = snapshot(backend)
    for text in (
        f"INSERT DATA {{ GRAPH <{EX}x> {{ <{EX}a> <{EX}b> <{EX}c> }} }}",
        "DELETE WHERE { ?s ?p ?o }",
        "DROP ALL",
        "define sql:log-enable 3 SELECT * WHERE { ?s ?p ?o }",
    ):
        with pytest.raises(QueryError):
            backend.query(text)
    assert snapshot(backend) == before


def test_a_catalogue_keeps_documents_whole(backend: Backend) -> None:
    catalogue = Catalogue(backend, BASE)
    kept = _load(catalogue, "w3c-prov/association7.ttl")
    graph = _load(catalogue, "voprov/image_stacking.json")
    assert {d.graph for d in catalogue.documents()} == {kept, graph}
    usage = shared("w3c-prov/usage5.ttl").read_bytes()
    catalogue.replace(graph, usage, formats.lookup("turtle"), source="usage5.ttl")
    content = {q for q in snapshot(backend) if q[3] == str(graph)}
    assert any("#used>" in q[1] for q in content)
    catalogue.remove(graph)
    assert [d.graph for d in catalogue.documents()] == [kept]
    assert not backend.has_graph(graph)


def test_a_big_document_is_written_whole(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the single-transaction size: the embedded store's bulk loader, a server's
    staging graph moved into place; blank nodes and all, the same graph as a small load."""
    catalogue = Catalogue(backend, BASE)
    small = _load(catalogue, "w3c-prov/pc1.xml")
    monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 20)
    monkeypatch.setattr(remote, "SINGLE_UPDATE_LIMIT", 20)
    big = _load(catalogue, "w3c-prov/pc1.xml")
    assert catalogue.exists(big)
    a = _rdflib(q.triple for q in backend.graph_quads(small))
    b = _rdflib(q.triple for q in backend.graph_quads(big))
    assert len(a) > 200 and isomorphic(a, b)
    graphs = {q[3] for q in snapshot(backend)}
    assert not [g for g in graphs if remote.STAGING in g]


@pytest.mark.backend(*SERVERS)
def test_a_dump_leaves_staging_graphs_out(backend: Backend) -> None:
    catalogue = Catalogue(backend, BASE)
    graph = _load(catalogue, "w3c-prov/association7.ttl")
    staging = remote.staging_graph(NamedNode(EX + "being-loaded"))
    backend.update(f"INSERT DATA {{ GRAPH {staging} {{ <{EX}a> <{EX}b> <{EX}c> }} }}")
    out = io.BytesIO()
    backend.dump(out, RdfFormat.N_QUADS)
    graphs = {q.graph_name for q in pyoxigraph.parse(out.getvalue(), RdfFormat.N_QUADS)}
    assert graphs == {graph, catalogue.graph}


@pytest.mark.backend(*SERVERS)
def test_recovery_removes_a_cut_short_load_and_its_staging_graph(backend: Backend) -> None:
    catalogue = Catalogue(backend, BASE)
    kept = _load(catalogue, "w3c-prov/association7.ttl")
    before = snapshot(backend)
    broken = NamedNode(BASE + "graph/broken")
    staging = remote.staging_graph(broken)
    # a journal entry (as a load writes it, with the time it began) and a staged graph
    backend.update(
        f"INSERT DATA {{ GRAPH {catalogue.graph} {{ {broken} <https://w3id.org/provld/ns#status> "
        f'"loading", "2020-01-01T00:00:00Z"^^<{XSD}dateTime> }} '
        f"GRAPH {staging} {{ <{EX}a> <{EX}b> <{EX}c> }} }}"
    )
    assert catalogue.recover() == [broken]
    assert snapshot(backend) == before
    assert [d.graph for d in catalogue.documents()] == [kept]


@pytest.mark.backend(*SERVERS)
def test_recovery_leaves_a_load_another_process_has_just_begun(backend: Backend) -> None:
    catalogue = Catalogue(backend, BASE)
    busy = NamedNode(BASE + "graph/busy")
    from provld.documents import _journal

    backend.update(_journal(catalogue.graph, busy))
    assert backend.shared
    assert catalogue.recover() == []  # begun a moment ago: perhaps by another worker
    assert catalogue.recover(older_than=0) == [busy]  # an operator who knows better


# -- Oxigraph server ------------------------------------------------------------------------


@pytest.mark.backend("oxigraph-server")
def test_oxigraph_union_is_asked_for_by_a_query_parameter(backend: Backend) -> None:
    """The fixture's server runs without --union-default-graph: the backend asks for the
    union with each query (``union-default-graph``), and not when told not to."""
    backend.add_graph(G1, [Quad(NamedNode(EX + "a"), NamedNode(EX + "p"), Literal("1"), G1)])
    assert bool(backend.query("ASK { ?s ?p ?o }"))
    assert not bool(backend.query("ASK { ?s ?p ?o }", union=False))


def test_oxigraph_stops_a_query_mid_answer(tmp_path: Path) -> None:
    """Oxigraph has no per-query time limit; its --timeout-s stops a query after the
    answer has begun (a 200), writing the error into the body: the backend does not take
    that for an answer."""
    from .sparql_servers import OxigraphServer, server_available

    reason = server_available("oxigraph-server")
    if reason:
        pytest.skip(reason)
    server = OxigraphServer(tmp_path / "oxi", timeout_s=1).start()
    try:
        store = server.open()
        lines = "".join(f"<{EX}n{i}> <{EX}p> <{EX}n{i + 1}> .\n" for i in range(3000))
        store.add_graph(G1, _quads(lines.encode(), G1))
        with pytest.raises(StoreError) as info:
            store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{EX}p>+ ?b . ?c ?d ?e }}")
        assert isinstance(info.value, StoreTimeout) or "broken off" in str(info.value)
        assert bool(store.query("ASK { ?s ?p ?o }"))  # and the server goes on
        store.close()
    finally:
        server.stop()


# -- Virtuoso -------------------------------------------------------------------------------

ODD = f"""
<{EX}s> <{EX}p> "true"^^<{XSD}boolean> .
<{EX}s> <{EX}p> "false"^^<{XSD}boolean> .
<{EX}s> <{EX}q> _:b1 .
_:b1 <{EX}r> "leaf" .
<{EX}s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}C> .
<{EX}t> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}D> .
""".encode()
#: Queries Virtuoso answers wrongly as it is sent them, and right as the backend sends them.
ANSWERED_AS_EMBEDDED = {
    "boolean-bind": "SELECT ?b WHERE { BIND(true AS ?b) }",
    "stored-boolean": f"SELECT ?o WHERE {{ <{EX}s> <{EX}p> ?o }} ORDER BY ?o",
    "subclass-path-in-not-exists": (
        f"SELECT ?x WHERE {{ ?x a ?t FILTER NOT EXISTS "
        f"{{ ?x a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{EX}C> }} }}"
    ),
    "list-of-graphs": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
    "trailing-values": f"SELECT ?s WHERE {{ ?s <{EX}p> ?o }} VALUES (?o) {{ (true) }}",
    "relative-iri-in-construct": (
        f"BASE <{EX}base/> CONSTRUCT {{ <s> <p> ?o }} WHERE {{ <{EX}s> <{EX}q> ?o }}"
    ),
    "blank-node-results": f"SELECT ?b ?v WHERE {{ <{EX}s> <{EX}q> ?b . ?b ?p ?v }}",
}


def _answer(result: object) -> list[str]:
    if isinstance(result, QueryBoolean):
        return [str(bool(result))]
    if isinstance(result, QueryTriples):
        return sorted(f"{t.predicate}" for t in result)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return sorted(
        " ".join("_:" if isinstance(row[n], BlankNode) else str(row[n]) for n in names)
        for row in result
    )


@pytest.mark.parametrize("name", ANSWERED_AS_EMBEDDED)
@pytest.mark.backend("virtuoso")
def test_virtuoso_answers_as_the_embedded_store(backend: Backend, name: str) -> None:
    embedded = pyoxigraph.Store()
    embedded.extend(_quads(ODD, G1))
    backend.add_graph(G1, _quads(ODD, G1))
    query = ANSWERED_AS_EMBEDDED[name]
    expected = _answer(embedded.query(query, use_default_graph_as_union=True))
    assert _answer(backend.query(query)) == expected


@pytest.mark.backend("virtuoso")
def test_virtuoso_own_graphs_are_private(backend: Backend) -> None:
    """deploy/virtuoso/setup.sql: a fresh Virtuoso's schemas are not in the union."""
    assert not bool(backend.query("ASK { ?s ?p ?o }"))
    assert list(backend.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")) == []  # type: ignore[arg-type]


@pytest.mark.backend("virtuoso")
def test_virtuoso_takes_blank_nodes_in_insert_data(backend: Backend) -> None:
    """Refused in INSERT DATA ("SP031"), and one big INSERT template is too much for its
    compiler: they go in small templates."""
    lines = "".join(f'<{EX}s> <{EX}q> _:b{i} .\n_:b{i} <{EX}r> "{i}" .\n' for i in range(400))
    quads = _quads(lines.encode(), G1)
    backend.add_graph(G1, quads)
    rows = backend.query("SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { ?s ?q ?b FILTER(isBlank(?b)) }")
    assert next(iter(rows))["n"].value == "400"  # type: ignore[arg-type,call-overload,index]


@pytest.mark.backend("virtuoso")
def test_virtuoso_refuses_an_unbounded_transitive_path(backend: Backend) -> None:
    """``?x p+ ?y`` with both ends unbound: an error at once ("transitive start not
    given"), where the embedded store runs it until the time limit stops it."""
    with pytest.raises(QueryError, match="transitive"):
        backend.query(f"SELECT * WHERE {{ ?x <{EX}p>+ ?y }}")


@pytest.mark.backend("virtuoso")
def test_virtuoso_stops_a_query_at_its_time_limit(backend: Backend) -> None:
    """Virtuoso's ``timeout`` answers with what it found so far, marked S1TAT in a
    header: the backend does not take that for an answer."""
    lines = "".join(f"<{EX}n{i}> <{EX}p> <{EX}n{i + 1}> .\n" for i in range(3000))
    backend.add_graph(G1, _quads(lines.encode(), G1))
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(StoreTimeout):
        backend.query(heavy, timeout=0.5)


@pytest.mark.backend("virtuoso")
def test_virtuoso_runs_each_update_operation_on_its_own(backend: Backend) -> None:
    """Unlike Oxigraph, Virtuoso commits the operations of one update request one by one:
    a later one failing does not undo an earlier one. (A document's commit is ADD then
    DROP of its staging graph, so a failure between them leaves a staging graph only.)"""
    with pytest.raises(StoreError):
        backend.update(
            f"INSERT DATA {{ GRAPH {G1} {{ <{EX}a> <{EX}b> 1 }} }} ;"
            f"INSERT {{ GRAPH {G1} {{ <{EX}a> <{EX}b> ?x }} }} WHERE {{ BIND(1/0 AS ?x) }}"
        )
    assert backend.has_graph(G1)


def test_virtuoso_wants_its_digest_credentials(virtuoso_server: VirtuosoServer) -> None:
    virtuoso_server.wipe()
    wrong = {**virtuoso_server.options, "PROVLD_STORE_PASSWORD": "not-it"}
    with remote.RemoteBackend(virtuoso_server.url, wrong) as store:
        assert not bool(store.query("ASK { ?s ?p ?o }"))  # queries are anonymous
        with pytest.raises(StoreError, match="PROVLD_STORE_USER"):
            store.update(f"INSERT DATA {{ GRAPH {G1} {{ <{EX}a> <{EX}b> 1 }} }}")


def test_virtuoso_service_calls(virtuoso_server: VirtuosoServer) -> None:
    """Virtuoso makes SERVICE calls itself (deploy/virtuoso/setup.sql lets it), but a
    SERVICE SILENT partner that fails fails the whole query, which the backend asks again
    as SPARQL says a failed silent SERVICE reads; and for a SERVICE in an OPTIONAL whose
    variables are bound outside it, Virtuoso 7.2 sends the partner ``UNDEF ?p ?o``."""
    virtuoso_server.wipe()
    received: list[str] = []
    partner = Flask("partner")

    @partner.route("/sparql", methods=["GET", "POST"])
    def answer() -> tuple[str, int, dict[str, str]]:
        query = request.values.get("query", "")
        received.append(query)
        if "UNDEF" in query:  # not SPARQL: refused, as any partner would
            return "malformed query", 400, {"Content-Type": "text/plain"}
        body = '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
        body += '<variable name="o"/></head><results><result><binding name="o">'
        body += "<literal>far</literal></binding></result></results></sparql>"
        return body, 200, {"Content-Type": "application/sparql-results+xml"}

    with virtuoso_server.open() as store, serve(partner) as url:
        store.add_graph(G1, _quads(TRICKY, G1))
        rows = store.query(f"SELECT ?o WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}")
        assert [row["o"] for row in rows] == [Literal("far")]  # type: ignore[union-attr]
        down = f"http://127.0.0.1:{_closed_port()}/sparql"
        silent = store.query(
            f"SELECT ?s WHERE {{ <{EX}s> <{EX}q> ?s OPTIONAL {{ SERVICE SILENT <{down}> "
            f"{{ ?s ?p ?o }} }} }}"
        )
        assert len(list(silent)) == 1  # type: ignore[arg-type]
        with pytest.raises(StoreError, match=down):
            store.query(f"SELECT ?s WHERE {{ SERVICE <{down}> {{ ?s ?p ?o }} }}")
        with pytest.raises(StoreError):
            store.query(
                f"SELECT * WHERE {{ <{EX}s> <{EX}q> ?x OPTIONAL {{ SERVICE <{url}/sparql> "
                f"{{ ?x ?p ?o }} }} }}"
            )
        assert any("UNDEF" in text for text in received)


def _closed_port() -> int:
    from .sparql_servers import free_port

    return free_port()


def test_virtuoso_answers_are_json_with_its_own_blank_nodes() -> None:
    """What the backend reads from Virtuoso, line by line, without a server."""
    from provld.store.servers import VIRTUOSO

    line = b'{ "b": { "type": "bnode", "value": "nodeID://b10003" }, "t": { "type": '
    line += b'"typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#boolean", '
    line += b'"value": "1" }}'
    fixed = json.loads(VIRTUOSO.fix_results(line))
    assert fixed["b"]["value"] == "b10003" and fixed["t"]["value"] == "true"
    nt = b'<http://a> <http://b> "0"^^<http://www.w3.org/2001/XMLSchema#boolean> .'
    assert b'"false"^^' in VIRTUOSO.fix_triples(nt)
    assert VIRTUOSO.blank(BlankNode("b10003")) == "<nodeID://b10003>"
