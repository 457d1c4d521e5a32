"""The SPARQL endpoint as real client libraries see it: SPARQLWrapper and rdflib's
SPARQLStore, over HTTP to an app served on a loopback port (``tests/server.py``).

What each client decodes is compared with what the store itself answers to the same query,
so that a result format that drops a language tag, a datatype, an unbound value or a
character (the data hold a comma, quotes, a tab, a newline and non-ASCII letters) fails.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pyoxigraph
import pytest
from flask import Flask
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
)
from rdflib import Graph, URIRef
from rdflib import Literal as RdflibLiteral
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from provld import formats
from provld.web import create_app

from .server import serve

EX = "http://obs.example.org/id/"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
DOCUMENT = f"""
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <{EX}> .

ex:calibrate a prov:Activity ;
    rdfs:label "calibrate"@en ;
    prov:startedAtTime "2024-03-01T22:10:00Z"^^xsd:dateTime ;
    prov:used ex:raw042 .
ex:raw042 a prov:Entity ;
    rdfs:label "run 042, \\"raw\\"\\tcamera\\nfile" ;
    ex:size "734003200"^^xsd:long .
ex:dl1-042 a prov:Entity ;
    rdfs:label "Ångström — étalonné"@fr ;
    prov:wasGeneratedBy ex:calibrate ;
    prov:wasDerivedFrom ex:raw042 .
ex:dl1-043 a prov:Entity .
"""
GRAPH = "http://obs.example.org/graph/clients"
SELECT = f"""PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?entity ?label ?size WHERE {{
  ?entity a prov:Entity .
  OPTIONAL {{ ?entity rdfs:label ?label }}
  OPTIONAL {{ ?entity <{EX}size> ?size }}
  FILTER(STRSTARTS(STR(?entity), "{EX}"))
}} ORDER BY ?entity"""
ASK = f"ASK {{ <{EX}dl1-042> <http://www.w3.org/ns/prov#wasDerivedFrom> <{EX}raw042> }}"
ASK_NO = f"ASK {{ <{EX}raw042> <http://www.w3.org/ns/prov#wasDerivedFrom> ?x }}"
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{EX}')) }}"

# SPARQLWrapper's RDF/XML and JSON-LD results go through an rdflib class it still uses.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app({"PROVLD_STORE": str(tmp_path_factory.mktemp("clients") / "store")})
    app.extensions["provld.catalogue"].load(
        DOCUMENT.encode(), formats.lookup("turtle"), source="clients.ttl", graph=NamedNode(GRAPH)
    )
    yield app
    app.extensions["provld.store"].close()


@pytest.fixture(scope="module")
def endpoint(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url + "/sparql"


# -- what the store says, and how to compare ----------------------------------------------

Key = tuple[str, ...] | None


def key(term: NamedNode | BlankNode | Literal | None) -> Key:
    """A pyoxigraph term as a comparable tuple (blank nodes compare by kind only)."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return ("iri", term.value)
    if isinstance(term, BlankNode):
        return ("bnode",)
    if term.language:
        return ("literal", term.value, "@" + term.language)
    return ("literal", term.value, term.datatype.value)


def rdflib_key(term: Any) -> Key:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, RdflibLiteral):
        if term.language:
            return ("literal", str(term), "@" + term.language)
        return ("literal", str(term), str(term.datatype or XSD_STRING))
    return ("bnode",)


def expected_rows(app: Flask, query: str = SELECT) -> list[tuple[Key, ...]]:
    result = app.extensions["provld.store"].query(query)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    rows = [tuple(key(row[n]) for n in names) for row in result]
    assert len(rows) == 3 and any(None in row for row in rows)  # the data are as meant
    return rows


def expected_graph(app: Flask) -> Graph:
    result = app.extensions["provld.store"].query(CONSTRUCT)
    assert isinstance(result, QueryTriples)
    graph = Graph()
    graph.parse(data=pyoxigraph.serialize(result, format=RdfFormat.N_TRIPLES), format="nt")
    assert len(graph) > 10
    return graph


def rows_of(data: bytes, fmt: QueryResultsFormat) -> list[tuple[Key, ...]]:
    result = pyoxigraph.parse_query_results(data, fmt)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [tuple(key(row[n]) for n in names) for row in result]


def csv_text(rows: list[tuple[Key, ...]]) -> list[list[str]]:
    """What CSV keeps of a result: the lexical form, IRIs bare, unbound as empty."""
    return [[(k[1] if k else "") for k in row] for row in rows]


# -- SPARQLWrapper ----------------------------------------------------------------------

METHODS = {
    "get": {},
    "post-form": {"method": POST, "request": URLENCODED},
    "post-direct": {"method": POST, "request": POSTDIRECTLY},
}


def wrapper(endpoint: str, query: str, fmt: str, how: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if how != "get":
        client.setMethod(METHODS[how]["method"])
        client.setRequestMethod(METHODS[how]["request"])
    return client


@pytest.mark.parametrize("how", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(app: Flask, endpoint: str, fmt: str, how: str) -> None:
    result = wrapper(endpoint, SELECT, fmt, how).query()
    converted: Any = result.convert()
    expected = expected_rows(app)
    if fmt == JSON:
        assert result.response.headers["Content-Type"] == "application/sparql-results+json"
        assert rows_of(json.dumps(converted).encode(), QueryResultsFormat.JSON) == expected
    elif fmt == XML:
        assert rows_of(converted.toxml("utf-8"), QueryResultsFormat.XML) == expected
    elif fmt == TSV:
        assert rows_of(converted, QueryResultsFormat.TSV) == expected
    else:
        table = list(csv.reader(io.StringIO(converted.decode("utf-8"), newline="")))
        assert table[0] == ["entity", "label", "size"]
        assert table[1:] == csv_text(expected)


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize("query, answer", [(ASK, True), (ASK_NO, False)], ids=["yes", "no"])
def test_sparqlwrapper_ask(endpoint: str, fmt: str, query: str, answer: bool) -> None:
    converted: Any = wrapper(endpoint, query, fmt, "get").queryAndConvert()
    if fmt == JSON:
        assert converted["boolean"] is answer
    elif fmt == XML:
        (node,) = converted.getElementsByTagName("boolean")
        assert node.firstChild.data == str(answer).lower()
    else:
        # CSV and TSV define no boolean result; pyoxigraph writes the word.
        assert converted.strip() == str(answer).lower().encode()


@pytest.mark.parametrize("how", METHODS)
@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD, XML])
def test_sparqlwrapper_construct(app: Flask, endpoint: str, fmt: str, how: str) -> None:
    result = wrapper(endpoint, CONSTRUCT, fmt, how).query()
    media = result.response.headers["Content-Type"].split(";")[0]
    converted: Any = result.convert()
    if fmt == TURTLE:
        assert media == "text/turtle"
        graph = Graph().parse(data=converted, format="turtle")
    else:
        # SPARQLWrapper's XML for a graph is RDF/XML, as it is for every SPARQL server.
        assert media == {RDFXML: "application/rdf+xml", XML: "application/rdf+xml"}.get(
            fmt, "application/ld+json"
        )
        graph = Graph()
        for triple in converted.triples((None, None, None)):
            graph.add(triple)
    assert isomorphic(graph, expected_graph(app))


def test_sparqlwrapper_dataset(app: Flask, endpoint: str) -> None:
    """``addDefaultGraph`` sends default-graph-uri: the count is that of the one graph."""
    client = wrapper(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", JSON, "get")
    count: Any = client.queryAndConvert()
    everything = int(count["results"]["bindings"][0]["n"]["value"])
    client.addDefaultGraph(GRAPH)
    count = client.queryAndConvert()
    one = int(count["results"]["bindings"][0]["n"]["value"])
    stored = sum(1 for _ in app.extensions["provld.store"].graph_quads(NamedNode(GRAPH)))
    assert one == stored < everything


# -- rdflib's SPARQLStore --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
@pytest.mark.parametrize("fmt", ["xml", "json", "csv", "tsv"])
def test_rdflib_select(app: Flask, endpoint: str, method: str, fmt: str) -> None:
    graph = Graph(SPARQLStore(endpoint, method=method, returnFormat=fmt))
    result: Any = graph.query(SELECT)
    rows = [tuple(rdflib_key(term) for term in row) for row in result]
    expected = expected_rows(app)
    if fmt == "csv":
        # CSV cannot carry datatypes or languages: rdflib reads IRIs back and the rest as
        # plain literals, unbound values as empty strings.
        assert [[k[1] if k else "" for k in row] for row in rows] == csv_text(expected)
    else:
        assert rows == expected


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_ask_and_construct(app: Flask, endpoint: str, method: str) -> None:
    graph = Graph(SPARQLStore(endpoint, method=method))
    assert graph.query(ASK).askAnswer is True
    assert graph.query(ASK_NO).askAnswer is False
    constructed = graph.query(CONSTRUCT).graph
    assert constructed is not None and isomorphic(constructed, expected_graph(app))


def test_rdflib_graph_api(endpoint: str) -> None:
    """The Graph methods that SPARQLStore turns into queries, and bound values."""
    graph = Graph(SPARQLStore(endpoint))
    raw = URIRef(EX + "raw042")
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    labels = {str(o) for o in graph.objects(raw, label)}
    assert labels == {'run 042, "raw"\tcamera\nfile'}
    bound: Any = graph.query(
        "SELECT ?activity WHERE { ?activity <http://www.w3.org/ns/prov#used> ?entity }",
        initBindings={"entity": raw},
    )
    assert [str(row[0]) for row in bound] == [EX + "calibrate"]


def test_a_refusal_reaches_the_client_as_an_http_error(endpoint: str) -> None:
    with pytest.raises(QueryBadFormed):
        wrapper(endpoint, "SELECT * WHERE {", JSON, "get").query()
