"""The W3C SPARQL 1.1 Protocol and Service Description tests, replayed on ``/sparql``.

The manifests (``../shared/data/testsuites/sparql11-protocol/`` and
``sparql11-service-description/``) are read as they are published: each Protocol test is an
``ht:Connection`` whose ``ht:Request`` list is replayed in order with the Flask test client,
after the data files it names are loaded as named graphs under exactly the IRIs the test
uses. ``/sparql/`` in a request path becomes ``/sparql``. Each response is checked for its
status class (``hts:StatusCode2xx``...), its media type (``mf:expectedFormat``: a boolean
result, a table, or RDF) and, where the manifest gives one, the boolean answer.

The 14 update tests (``update_*``, ``bad_update_*``, ``bad_multiple_updates``) run twice:
as published but with a write token (updates are taken only with one), where they must
pass; and without the token, where every update must be refused with a 4xx and the
queries that follow it must show that nothing changed.

The Service Description manifest has no requests of its own; its three tests are those of
the W3C validator (``kasei/sparql11-sdvalidator``): the endpoint dereferenced with no query
returns RDF, that RDF has ``?service sd:endpoint <the URL dereferenced>``, and it uses the
vocabulary as specified (every ``sd:NamedGraph`` has an ``sd:name``; we also apply the
validator's best-practice checks: services, datasets and graphs typed, a known language).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node
from werkzeug.test import TestResponse

from provld import formats
from provld.web import create_app

from .conftest import SHARED

PROTOCOL = SHARED / "testsuites" / "sparql11-protocol"
SERVICE_DESCRIPTION = SHARED / "testsuites" / "sparql11-service-description"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
STATUS_PREFIX = "http://www.w3.org/2011/http-statusCodes#StatusCode"

TOKEN = "protocol-tests-token"
#: The media types a response of each ``mf:expectedFormat`` may have.
EXPECTED_MEDIA = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    # "expect one of: RDF/XML, Turtle, N-Triples, RDFa" (the tests' own names)
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]  # status classes: 2 for hts:StatusCode2xx
    format: str | None
    boolean: bool | None

    @property
    def is_query(self) -> bool:
        """A well-formed query request (in an update test, everything else is an update)."""
        kind = self.headers.get("content-type", "")
        body = self.body or b""
        return kind.startswith("application/sparql-query") or (
            kind == "application/x-www-form-urlencoded" and body.startswith(b"query=")
        )


@dataclass(frozen=True)
class ProtocolTest:
    id: str
    name: str
    graphs: list[tuple[Path, str]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    @property
    def is_update(self) -> bool:
        # update_*, bad_update_* and bad_multiple_updates
        return "update" in self.id


def read_manifest(path: Path) -> tuple[Graph, list[Node]]:
    graph = Graph()
    graph.parse(path, format="turtle", publicID=path.as_uri())
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest)
    entries = graph.value(manifest, MF.entries)
    assert entries is not None, f"{path}: no mf:entries"
    return graph, list(Collection(graph, entries))


def _request(g: Graph, node: Node) -> Request:
    headers = {}
    if (header_list := g.value(node, HT.headers)) is not None:
        for header in Collection(g, header_list):
            headers[str(g.value(header, HT.fieldName)).lower()] = str(
                g.value(header, HT.fieldValue)
            )
    body = None
    if (content := g.value(node, HT.body)) is not None:
        encoding = str(g.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(g.value(content, CNT.chars)).encode(encoding)
    response = g.value(node, HT.resp)
    statuses = frozenset(
        int(str(s)[len(STATUS_PREFIX)]) for s in g.objects(response, MF.expectedStatus)
    )
    fmt = g.value(response, MF.expectedFormat)
    boolean = g.value(response, MF.expectedBoolean)
    return Request(
        method=str(g.value(node, HT.methodName)),
        path=str(g.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        statuses=statuses,
        format=str(fmt) if fmt is not None else None,
        boolean=boolean.toPython() if boolean is not None else None,  # type: ignore[attr-defined]
    )


def _file_name(iri: Node | None) -> str:
    # <data1.nt> resolves against the manifest's own file URI: keep the name only.
    return str(iri).rsplit("/", 1)[-1]


def protocol_tests() -> list[ProtocolTest]:
    g, entries = read_manifest(PROTOCOL / "manifest.ttl")
    tests = []
    for entry in entries:
        graphs = [
            (
                PROTOCOL / str(g.value(data, UT.graph)).rsplit("/", 1)[-1],
                str(g.value(data, RDFS.label)),
            )
            for data in g.objects(entry, UT.graphData)
        ]
        action = g.value(entry, MF.action)
        request_list = g.value(action, HT.requests)
        assert request_list is not None, f"{entry}: no ht:requests"
        requests = [_request(g, r) for r in Collection(g, request_list)]
        tests.append(
            ProtocolTest(
                id=str(entry).rsplit("#", 1)[-1],
                name=str(g.value(entry, MF.name)),
                graphs=sorted(graphs, key=lambda pair: pair[1]),
                requests=requests,
            )
        )
    return tests


def _params(updates_only: bool = False) -> list[object]:
    if not (PROTOCOL / "manifest.ttl").exists():
        return [
            pytest.param(
                None,
                id="suite-absent",
                marks=pytest.mark.skip(
                    reason=f"W3C SPARQL Protocol tests not available: {PROTOCOL}"
                ),
            )
        ]
    tests = [t for t in protocol_tests() if t.is_update or not updates_only]
    return [pytest.param(t, id=t.id) for t in tests]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"PROVLD_STORE": str(tmp_path / "store"), "PROVLD_TOKENS": TOKEN})
    yield app
    app.extensions["provld.runner"].close()
    app.extensions["provld.store"].close()


def replay(client: FlaskClient, request: Request, token: str | None = None) -> TestResponse:
    path = request.path
    assert path.startswith("/sparql/"), path
    # The manifest says to map its /sparql/ prefix onto the endpoint's own path.
    path = "/sparql" + path[len("/sparql/") :]
    headers = dict(request.headers)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.open(path, method=request.method, headers=headers, data=request.body)


def parsed_results(response: TestResponse) -> QuerySolutions | QueryBoolean:
    fmt = QueryResultsFormat.from_media_type(response.mimetype or "")
    assert fmt is not None, response.mimetype
    return pyoxigraph.parse_query_results(response.data, fmt)


def check(response: TestResponse, request: Request, what: str) -> None:
    """The manifest's expectations for one response."""
    assert response.status_code // 100 in request.statuses, (
        f"{what}: status {response.status_code}, expected "
        f"{sorted(f'{s}xx' for s in request.statuses)}: {response.get_data(as_text=True)[:300]}"
    )
    if request.format is None:
        return
    assert response.mimetype in EXPECTED_MEDIA[request.format], (
        f"{what}: {response.mimetype} is not a {request.format} result"
    )
    if request.format == "RDF":
        rdf = RdfFormat.from_media_type(response.mimetype)
        assert rdf is not None
        list(pyoxigraph.parse(response.data, rdf))  # raises if it is not that syntax
        return
    result = parsed_results(response)
    if request.format == "boolean":
        assert isinstance(result, QueryBoolean), f"{what}: not a boolean result"
        if request.boolean is not None:
            assert bool(result) is request.boolean, f"{what}: answered {bool(result)}"
    else:
        assert isinstance(result, QuerySolutions), f"{what}: not a table"
        list(result)


def check_update_refused(response: TestResponse, request: Request, what: str) -> None:
    """An update test: updates get a 4xx; queries after them see an unchanged store."""
    if not request.is_query:
        assert 400 <= response.status_code < 500, (
            f"{what}: an update was answered {response.status_code}, not refused"
        )
        assert response.mimetype == "application/problem+json"
        return
    assert response.status_code // 100 == 2, f"{what}: {response.status_code}"
    result = parsed_results(response)
    # Each follow-up ASK of the suite tests for what its update would have written.
    assert isinstance(result, QueryBoolean) and not bool(result), f"{what}: the store changed"


def _load(app: Flask, test: ProtocolTest) -> None:
    catalogue = app.extensions["provld.catalogue"]
    for path, iri in test.graphs:
        catalogue.load(
            path.read_bytes(), formats.lookup("ntriples"), source=path.name, graph=NamedNode(iri)
        )


@pytest.mark.parametrize("test", _params())
def test_protocol(app: Flask, test: ProtocolTest) -> None:
    """Every test as published; the updates carry the write token."""
    _load(app, test)
    client = app.test_client()
    for number, request in enumerate(test.requests, 1):
        response = replay(client, request, TOKEN if test.is_update else None)
        check(
            response, request, f"{test.id} request {number} ({request.method} {request.path[:60]})"
        )


@pytest.mark.parametrize("test", _params(updates_only=True))
def test_updates_without_a_token_change_nothing(app: Flask, test: ProtocolTest) -> None:
    _load(app, test)
    client = app.test_client()
    for number, request in enumerate(test.requests, 1):
        response = replay(client, request)
        what = f"{test.id} request {number} ({request.method} {request.path[:60]})"
        check_update_refused(response, request, what)


def test_the_manifest_is_read_whole() -> None:
    """All 34 entries, so that a parsing slip cannot quietly drop tests."""
    if not (PROTOCOL / "manifest.ttl").exists():
        pytest.skip(f"W3C SPARQL Protocol tests not available: {PROTOCOL}")
    tests = protocol_tests()
    assert len(tests) == 34
    assert sum(t.is_update for t in tests) == 14
    assert all(t.requests and all(r.statuses for r in t.requests) for t in tests)


# -- Service Description -------------------------------------------------------------------

#: Accept headers a program sends to get RDF; the last one is what RDF::Trine (the W3C
#: validator's library) sends in spirit: every RDF syntax it reads, weighted.
RDF_ACCEPTS = [
    "text/turtle",
    "application/rdf+xml",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml;q=1.0, text/turtle;q=0.9, application/n-triples;q=0.8, */*;q=0.1",
]


def service_description(client: FlaskClient, accept: str) -> Graph:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    rdf = RdfFormat.from_media_type(response.mimetype or "")
    assert rdf is not None, f"{accept}: {response.mimetype} is not RDF"
    triples = pyoxigraph.parse(response.data, rdf, base_iri="http://localhost/sparql")
    graph = Graph()
    graph.parse(data=pyoxigraph.serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    return graph


def _sd_params() -> list[object]:
    if not (SERVICE_DESCRIPTION / "manifest.ttl").exists():
        return [
            pytest.param(
                None,
                id="suite-absent",
                marks=pytest.mark.skip(
                    reason=f"W3C Service Description tests not available: {SERVICE_DESCRIPTION}"
                ),
            )
        ]
    _, entries = read_manifest(SERVICE_DESCRIPTION / "manifest.ttl")
    return [pytest.param(str(e).rsplit("#", 1)[-1], id=str(e).rsplit("#", 1)[-1]) for e in entries]


@pytest.mark.parametrize("test", _sd_params())
def test_service_description(app: Flask, test: str) -> None:
    client = app.test_client()
    if test == "returns-rdf":
        for accept in RDF_ACCEPTS:
            assert len(service_description(client, accept)) > 0, accept
    elif test == "has-endpoint-triple":
        # The URL the client dereferenced: the test client's, not the configured base.
        url = "http://localhost/sparql"
        graph = service_description(client, "text/turtle")
        assert (None, SD.endpoint, URIRef(url)) in graph
    elif test == "conforms-to-schema":
        graph = service_description(client, "text/turtle")
        for named in graph.subjects(RDF.type, SD.NamedGraph):
            assert graph.value(named, SD.name) is not None, f"{named} has no sd:name"
        _best_practice(graph)
    else:
        pytest.fail(f"unknown Service Description test {test}")


def _best_practice(graph: Graph) -> None:
    """The W3C validator's optional checks: what the vocabulary's domains and ranges imply
    is also stated as a type, and the language is one it knows."""
    implied = [
        (
            SD.Service,
            [
                SD.endpoint,
                SD.feature,
                SD.supportedLanguage,
                SD.resultFormat,
                SD.defaultDataset,
                SD.availableGraphs,
                SD.inputFormat,
            ],
            [],
        ),
        (SD.Dataset, [SD.defaultGraph], [SD.defaultDataset]),
        (SD.NamedGraph, [SD.name, SD.graph], [SD.namedGraph]),
        (SD.Graph, [], [SD.defaultGraph, SD.graph]),
    ]
    for cls, domains, ranges in implied:
        nodes = {s for p in domains for s in graph.subjects(p)}
        nodes |= {o for p in ranges for o in graph.objects(None, p)}
        for node in nodes:
            assert (node, RDF.type, cls) in graph, f"{node} is not typed {cls}"
    languages = {str(o) for o in graph.objects(None, SD.supportedLanguage)}
    assert languages & {str(SD.SPARQL10Query), str(SD.SPARQL11Query), str(SD.SPARQL11Update)}
    for dataset in graph.subjects(RDF.type, SD.Dataset):
        assert graph.value(dataset, SD.defaultGraph) or graph.value(dataset, SD.namedGraph)
