"""The SPARQL endpoint through the test client: query forms, datasets, result formats,
service description, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from flask.testing import FlaskClient

from provld import formats
from provld.web import create_app

from .conftest import shared

SELECT = "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?a WHERE { ?a prov:used ?e }"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    app = create_app(
        {"PROVLD_STORE": str(tmp_path / "s"), "PROVLD_FEDERATION": "http://partner.example/sparql"}
    )
    catalogue = app.extensions["provld.catalogue"]
    for name in ("w3c-prov/usage5.ttl", "w3c-prov/association7.ttl"):
        path = shared(name)
        catalogue.load(path.read_bytes(), formats.lookup("turtle"), source=path.name)
    yield app.test_client()
    app.extensions["provld.store"].close()


@pytest.mark.parametrize(
    "accept, media",
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
        (None, "application/sparql-results+json"),
    ],
)
def test_select_result_formats(client: FlaskClient, accept, media) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": SELECT}, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media
    assert b"example.org" in response.data


def test_three_ways_to_send_a_query(client: FlaskClient) -> None:
    get = client.get("/sparql", query_string={"query": SELECT})
    form = client.post("/sparql", data={"query": SELECT})
    direct = client.post(
        "/sparql", data=SELECT, headers={"Content-Type": "application/sparql-query"}
    )
    assert get.json == form.json == direct.json


def test_ask_and_construct(client: FlaskClient) -> None:
    ask = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert ask.json["boolean"] is True
    construct = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT WHERE { ?s a ?t }"},
        headers={"Accept": "application/n-triples"},
    )
    assert construct.mimetype == "application/n-triples" and b"> ." in construct.data
    provn = client.get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "provn"}
    )
    assert provn.status_code == 200 and b"document" in provn.data


def test_protocol_dataset_overrides_the_union(client: FlaskClient) -> None:
    graphs = client.get(
        "/sparql", query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}
    ).json["results"]["bindings"]
    some = [b["g"]["value"] for b in graphs if "catalogue" not in b["g"]["value"]][0]
    only = client.get(
        "/sparql",
        query_string={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
            "default-graph-uri": some,
        },
    ).json["results"]["bindings"][0]["n"]["value"]
    everything = client.get(
        "/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    ).json["results"]["bindings"][0]["n"]["value"]
    assert 0 < int(only) < int(everything)
    named = client.get(
        "/sparql",
        query_string={
            "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": some,
        },
    ).json["results"]["bindings"]
    assert [b["g"]["value"] for b in named] == [some]


def test_service_description_and_query_page(client: FlaskClient) -> None:
    sd = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert sd.status_code == 200 and sd.mimetype == "text/turtle"
    types = {
        t.object.value
        for t in pyoxigraph.parse(sd.data, pyoxigraph.RdfFormat.TURTLE)
        if t.predicate.value.endswith("#type")
    }
    assert "http://www.w3.org/ns/sparql-service-description#Service" in types
    page = client.get("/sparql", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html" and b"<textarea" in page.data
    results = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "text/html"})
    assert b"<table>" in results.data


@pytest.mark.parametrize(
    "method, kwargs, status",
    [
        ("get", {"query_string": {"update": "CLEAR ALL"}}, 400),
        ("post", {"data": {"update": "CLEAR ALL"}}, 400),
        (
            "post",
            {"data": "CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
            400,
        ),
        ("post", {"data": SELECT, "headers": {"Content-Type": "text/plain"}}, 415),
        ("get", {"query_string": [("query", SELECT), ("query", SELECT)]}, 400),
        ("get", {"query_string": {"query": "SELECT * WHERE {"}}, 400),
        (
            "post",
            {"data": b"\xff\xfe", "headers": {"Content-Type": "application/sparql-query"}},
            400,
        ),
        (
            "get",
            {
                "query_string": {
                    "query": "SELECT * { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }"
                }
            },
            400,
        ),
        ("get", {"query_string": {"query": "SELECT * { SERVICE ?x { ?s ?p ?o } }"}}, 400),
    ],
    ids=[
        "get-update",
        "form-update",
        "direct-update",
        "wrong-type",
        "two-queries",
        "syntax",
        "non-utf8",
        "service-not-allowed",
        "service-variable",
    ],
)
def test_refusals(client: FlaskClient, method: str, kwargs: dict, status: int) -> None:
    response = getattr(client, method)("/sparql", **kwargs)
    assert response.status_code == status
    assert response.json["status"] == status


def test_the_store_is_unchanged_by_refused_updates(client: FlaskClient) -> None:
    before = client.get(
        "/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"}
    ).json
    client.post("/sparql", data={"update": "CLEAR ALL"})
    after = client.get(
        "/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"}
    ).json
    assert before == after
