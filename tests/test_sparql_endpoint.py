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
        ("post", {"data": {"update": "CLEAR ALL"}}, 401),
        (
            "post",
            {"data": "CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
            401,
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


# -- SPARQL Update, with a write token ------------------------------------------------------

TOKEN = "s3cret-update-token"
COUNT = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[FlaskClient]:
    app = create_app({"PROVLD_STORE": str(tmp_path / "w"), "PROVLD_TOKENS": f"ops:{TOKEN}"})
    yield app.test_client()
    app.extensions["provld.runner"].close()
    app.extensions["provld.store"].close()


def _update(client: FlaskClient, text: str, token: str | None = TOKEN, **params: str):
    headers = {"Content-Type": "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/sparql", data=text, headers=headers, query_string=params)


def _count(client: FlaskClient) -> int:
    return int(
        client.get("/sparql", query_string={"query": COUNT}).json["results"]["bindings"][0]["n"][
            "value"
        ]
    )


def test_update_needs_a_valid_token(writer: FlaskClient) -> None:
    insert = "INSERT DATA { GRAPH <http://ex.org/g> { <http://ex.org/s> <http://ex.org/p> 1 } }"
    assert _update(writer, insert, token=None).status_code == 401
    assert _update(writer, insert, token="wrong").status_code == 401
    assert _count(writer) == 0
    assert _update(writer, insert).status_code == 204
    assert _count(writer) == 1
    form = writer.post(
        "/sparql",
        data={"update": "CLEAR GRAPH <http://ex.org/g>"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert form.status_code == 204 and _count(writer) == 0


def test_update_with_a_protocol_dataset(writer: FlaskClient) -> None:
    setup = (
        "INSERT DATA { GRAPH <http://ex.org/a> { <http://ex.org/x> a <http://ex.org/C> } "
        "GRAPH <http://ex.org/b> { <http://ex.org/y> a <http://ex.org/C> } }"
    )
    assert _update(writer, setup).status_code == 204
    copy = "INSERT { GRAPH <http://ex.org/out> { ?s a <http://ex.org/Seen> } } WHERE { ?s a ?c }"
    assert _update(writer, copy, **{"using-graph-uri": "http://ex.org/a"}).status_code == 204
    seen = writer.get(
        "/sparql",
        query_string={"query": "SELECT ?s { GRAPH <http://ex.org/out> { ?s ?p ?o } }"},
    ).json["results"]["bindings"]
    assert [b["s"]["value"] for b in seen] == ["http://ex.org/x"], "only graph a was the dataset"


@pytest.mark.parametrize(
    "text, params, word",
    [
        ("INSERT DATA { <a> <b> <c> ", {}, "malformed"),
        (
            "WITH <http://ex.org/a> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
            {"using-graph-uri": "http://ex.org/b"},
            "USING or WITH",
        ),
        ("CLEAR ALL", {"default-graph-uri": "http://ex.org/a"}, "for queries"),
        (
            "INSERT { ?s ?p ?o } WHERE { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }",
            {},
            "federation partner",
        ),
    ],
    ids=["syntax", "dataset-twice", "query-dataset", "service"],
)
def test_bad_updates_are_refused_and_change_nothing(
    writer: FlaskClient, text: str, params: dict, word: str
) -> None:
    _update(
        writer, "INSERT DATA { GRAPH <http://ex.org/a> { <http://ex.org/s> <http://ex.org/p> 1 } }"
    )
    response = _update(writer, text, **params)
    assert response.status_code == 400 and word in response.json["detail"]
    assert _count(writer) == 1
