"""The web front end through Flask's test client: negotiation, resources, documents,
errors in one shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from flask import Flask
from flask.testing import FlaskClient

from provld.config import Settings
from provld.errors import InputError
from provld.web import create_app
from provld.web.negotiation import choose, parse_accept

from .conftest import DATA, shared

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ACTIVITY = "http://myobservatory.com/processes/245931"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"PROVLD_STORE": str(tmp_path / "store"), "PROVLD_TOKENS": f"ops:{TOKEN}"})
    yield app
    app.extensions["provld.store"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def loaded(client: FlaskClient) -> str:
    data = shared("voprov/image_stacking.json").read_bytes()
    response = client.post(
        "/documents", data=data, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.json
    return response.headers["Location"]


# -- negotiation -------------------------------------------------------------------------

OFFERS = ["text/html", "text/turtle", "application/ld+json", "application/provenance+json"]


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "text/html"),
        ("", "text/html"),
        ("*/*", "text/html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("text/turtle", "text/turtle"),
        ("text/turtle;q=0.5, application/ld+json;q=0.8", "application/ld+json"),
        ("application/*", "application/ld+json"),  # tie: server order
        ("text/*;q=0.1, text/turtle;q=0.9", "text/turtle"),
        ("text/html;q=0, */*", "text/turtle"),
        ("image/png", None),
        ("text/turtle;q=0", None),
        ("garbage, text/turtle", "text/turtle"),
        (
            'text/turtle;charset="utf-8";q=0.7, application/provenance+json',
            "application/provenance+json",
        ),
    ],
)
def test_rfc9110_negotiation(accept: str | None, expected: str | None) -> None:
    assert choose(accept, OFFERS) == expected


def test_quality_values_are_clamped_and_bad_ones_refuse() -> None:
    ranges = parse_accept("text/turtle;q=7, text/html;q=abc")
    assert [r.q for r in ranges] == [1.0, 0.0]


# -- resources ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept, media",
    [
        (None, "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-triples", "application/n-triples"),
        ("application/provenance+json", "application/provenance+json"),
        ("application/json", "application/json"),
        ("application/provenance+xml", "application/provenance+xml"),
        ("text/provenance-notation", "text/provenance-notation"),
    ],
)
def test_a_resource_in_every_format(client: FlaskClient, loaded: str, accept, media) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/resource?uri={ACTIVITY}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media
    assert response.headers["Vary"] == "Accept"
    assert "format=" in response.headers["Content-Location"]
    links = response.headers["Link"]
    assert 'rel="alternate"; type="text/turtle"' in links
    assert "http://www.w3.org/ns/prov#has_provenance" in links
    assert response.data


def test_format_parameter_overrides_accept(client: FlaskClient, loaded: str) -> None:
    response = client.get(
        f"/resource?uri={ACTIVITY}&format=provn", headers={"Accept": "text/turtle"}
    )
    assert response.mimetype == "text/provenance-notation"
    assert b"document" in response.data


def test_unknown_format_parameter_is_a_400(client: FlaskClient, loaded: str) -> None:
    response = client.get(f"/resource?uri={ACTIVITY}&format=yaml")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "format" in response.json["detail"]


def test_406_lists_what_is_available(client: FlaskClient, loaded: str) -> None:
    response = client.get(
        f"/resource?uri={ACTIVITY}", headers={"Accept": "application/pdf, image/gif"}
    )
    assert response.status_code == 406
    assert "text/turtle" in response.json["detail"]


def test_conditional_requests_and_head(client: FlaskClient, loaded: str) -> None:
    url = f"/resource?uri={ACTIVITY}"
    first = client.get(url, headers={"Accept": "text/turtle"})
    etag = first.headers["ETag"]
    again = client.get(url, headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    head = client.head(url, headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.headers["ETag"] == etag and not head.data


def test_unknown_iri_is_404_in_the_negotiated_format(client: FlaskClient, loaded: str) -> None:
    url = "/resource?uri=http://example.org/nothing"
    turtle = client.get(url, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 404 and turtle.mimetype == "text/turtle"
    assert turtle.data.startswith(b"# 404")
    page = client.get(url, headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    data = client.get(url, headers={"Accept": "application/ld+json"})
    assert data.status_code == 404 and data.json["status"] == 404


def test_minted_ids_and_extensions(client: FlaskClient) -> None:
    data = b'{"entity": {"run42": {"prov:label": "run 42"}}}'
    response = client.post(
        "/documents", data=data, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 201
    graph = response.json["graph"]
    key = graph.rsplit("/", 1)[-1]
    local = f"/id/{key}/run42"
    page = client.get(local)
    assert page.status_code == 200 and b"run 42" in page.data
    ttl = client.get(local + ".ttl")
    assert ttl.status_code == 200 and ttl.mimetype == "text/turtle"
    assert client.get(f"/graph/{key}", headers={"Accept": "text/turtle"}).status_code == 200
    assert client.get(f"/graph/{key}.nt").mimetype == "application/n-triples"
    assert client.get("/graph/nope").status_code == 404


def test_html_pages_show_labels_and_relations(client: FlaskClient, loaded: str) -> None:
    page = client.get(f"/resource?uri={ACTIVITY}").get_data(as_text=True)
    assert "bias_subtraction" in page
    assert "/resource?uri=" in page  # links stay inside provld
    assert "Pointing here" in page or "Relations in detail" in page
    home = client.get("/").get_data(as_text=True)
    assert "image_stacking" in home or "documents" in home
    found = client.get("/search?q=stack").get_data(as_text=True)
    assert "stack" in found and "/resource?uri=" in found
    assert client.get("/static/provld.css").mimetype == "text/css"


# -- kept answers (provld.web.cache) ------------------------------------------------------


def _kept(app: Flask) -> int | None:
    """How many answers are kept; None where the store keeps none (a SPARQL server)."""
    if app.extensions["provld.store"].generation is None:
        return None
    return len(app.extensions["provld.answers"])


def _sparql_update(client: FlaskClient, text: str) -> None:
    response = client.post(
        "/sparql", data=text, headers={**AUTH, "Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 204, response.data


def test_kept_answers_follow_every_write(app: Flask, client: FlaskClient) -> None:
    body = shared("w3c-prov/association7.ttl").read_bytes()
    created = client.post("/documents", data=body, headers={**AUTH, "Content-Type": "text/turtle"})
    location = created.headers["Location"]
    url = "/resource?uri=http://example.org/a1"  # the activity of association7
    turtle = {"Accept": "text/turtle"}
    first = client.get(url, headers=turtle)
    assert first.status_code == 200 and b"wasAssociatedWith" in first.data
    again = client.get(url, headers=turtle)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Link"] == first.headers["Link"]
    assert _kept(app) in (1, None)
    # another Accept is another answer, never the Turtle one
    jsonld = client.get(url, headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json" and jsonld.data != first.data
    assert _kept(app) in (2, None)
    # a SPARQL update, a replaced document, a removed one: each is seen at once
    _sparql_update(
        client,
        "INSERT DATA { GRAPH <http://example.org/extra> "
        "{ <http://example.org/a1> <http://www.w3.org/2000/01/rdf-schema#label> 'kept?' } }",
    )
    assert b"kept?" in client.get(url, headers=turtle).data
    _sparql_update(client, "CLEAR GRAPH <http://example.org/extra>")
    assert b"kept?" not in client.get(url, headers=turtle).data
    usage = shared("w3c-prov/usage5.ttl").read_bytes()
    client.put(location, data=usage, headers={**AUTH, "Content-Type": "text/turtle"})
    replaced = client.get(url, headers=turtle).data  # a1 is in usage5 too
    assert b"qualifiedUsage" in replaced and b"wasAssociatedWith" not in replaced
    client.put(location, data=body, headers={**AUTH, "Content-Type": "text/turtle"})
    assert b"wasAssociatedWith" in client.get(url, headers=turtle).data
    client.delete(location, headers=AUTH)
    assert client.get(url, headers=turtle).status_code == 404


def test_kept_answers_revalidate_and_answer_head(
    app: Flask, client: FlaskClient, loaded: str
) -> None:
    url = f"/resource?uri={ACTIVITY}"
    first = client.get(url)  # HTML: a browser
    kept = client.get(url)
    assert kept.mimetype == "text/html" and kept.data == first.data
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    head = client.head(url)
    assert head.status_code == 200 and not head.data and head.headers["ETag"] == etag
    assert head.headers["Content-Length"] == first.headers["Content-Length"]
    # what is not a 200 is not kept: an unknown IRI is 404 every time, known or not
    for _ in range(2):
        missing = client.get(
            "/resource?uri=http://example.org/nothing", headers={"Accept": "text/turtle"}
        )
        assert missing.status_code == 404
    assert _kept(app) in (1, None)


def test_kept_answers_stay_within_their_limit(tmp_path: Path) -> None:
    app = create_app({"PROVLD_STORE": str(tmp_path / "s"), "PROVLD_CACHE_MB": "0.05"})
    client = app.test_client()
    store = app.extensions["provld.store"]
    store.update(
        "INSERT DATA { GRAPH <http://example.org/g> { "
        + " ".join(
            f"<http://example.org/e{i}> a <http://www.w3.org/ns/prov#Entity> ." for i in range(60)
        )
        + " } }"
    )
    answers = app.extensions["provld.answers"]
    for i in range(60):
        response = client.get(
            f"/resource?uri=http://example.org/e{i}", headers={"Accept": "text/turtle"}
        )
        assert response.status_code == 200 and f"e{i}>".encode() in response.data
        assert answers.held <= answers.limit
    if store.generation is not None:
        assert 0 < len(answers) < 60  # the oldest went first
    store.close()


def test_no_kept_answers_when_the_cache_is_off(tmp_path: Path) -> None:
    app = create_app({"PROVLD_STORE": str(tmp_path / "s"), "PROVLD_CACHE_MB": "0"})
    client = app.test_client()
    app.extensions["provld.store"].update(
        "INSERT DATA { GRAPH <http://example.org/g> { "
        "<http://example.org/e> a <http://www.w3.org/ns/prov#Entity> } }"
    )
    for _ in range(2):
        answer = client.get("/resource?uri=http://example.org/e", headers={"Accept": "text/turtle"})
        assert answer.status_code == 200
    assert len(app.extensions["provld.answers"]) == 0
    app.extensions["provld.store"].close()
    with pytest.raises(InputError, match="PROVLD_CACHE_MB must be zero or more"):
        Settings.from_env({"PROVLD_CACHE_MB": "-1"})


# -- documents ---------------------------------------------------------------------------


def test_writes_need_a_valid_token(client: FlaskClient) -> None:
    body = shared("w3c-prov/association7.ttl").read_bytes()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        response = client.post(
            "/documents", data=body, headers={**headers, "Content-Type": "text/turtle"}
        )
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/").status_code == 200  # reads are public


def test_submit_read_replace_delete(client: FlaskClient) -> None:
    body = shared("w3c-prov/association7.ttl").read_bytes()
    created = client.post("/documents", data=body, headers={**AUTH, "Content-Type": "text/turtle"})
    assert created.status_code == 201
    location = created.headers["Location"]
    read = client.get(location, headers={"Accept": "application/n-triples"})
    assert read.status_code == 200 and b"hadPlan" in read.data
    usage = shared("w3c-prov/usage5.ttl").read_bytes()
    replaced = client.put(location, data=usage, headers={**AUTH, "Content-Type": "text/turtle"})
    assert replaced.status_code == 200
    read = client.get(location, headers={"Accept": "application/n-triples"})
    assert b"hadPlan" not in read.data and b"#used>" in read.data
    assert client.delete(location, headers=AUTH).status_code == 204
    assert client.get(location).status_code == 404
    assert client.delete(location, headers=AUTH).status_code == 404


def test_bad_submissions_store_nothing(client: FlaskClient) -> None:
    bad = (DATA / "turtle" / "malformed" / "missing-object.ttl").read_bytes()
    response = client.post("/documents", data=bad, headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 400
    assert "3:" in response.json["detail"]
    response = client.post(
        "/documents", data=b"\x00\x01", headers={**AUTH, "Content-Type": "image/png"}
    )
    assert response.status_code == 415
    assert client.get("/").status_code == 200
    assert b"Nothing yet" in client.get("/").data


def test_body_limit_is_413(tmp_path: Path) -> None:
    app = create_app(
        {
            "PROVLD_STORE": str(tmp_path / "s"),
            "PROVLD_TOKENS": TOKEN,
            "PROVLD_MAX_BODY": "100",
        }
    )
    response = app.test_client().post(
        "/documents", data=b"x" * 1000, headers={**AUTH, "Content-Type": "text/turtle"}
    )
    assert response.status_code == 413
    assert response.json["status"] == 413
    app.extensions["provld.store"].close()


def test_health(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200 and response.json["status"] == "ok"


def test_unknown_route_is_a_problem(client: FlaskClient) -> None:
    response = client.get("/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["title"] == "Not found"


def test_a_document_with_a_violation_is_422_with_the_report(client: FlaskClient) -> None:
    # a usage that names no entity breaks the basic profile (PROV structure)
    doc = (
        b'{"prefix": {"ex": "http://example.org/"}, "activity": {"ex:a": {}},'
        b' "used": {"ex:u": {"prov:activity": "ex:a", "prov:time": "2024-01-01T00:00:00Z"}}}'
    )
    response = client.post(
        "/documents", data=doc, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.json
    assert response.json["status"] == 422 and "report" in response.json
    assert b"Nothing yet" in client.get("/").data
    release = client.post(
        "/documents?profile=release",
        data=shared("voprov/image_stacking.json").read_bytes(),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert release.status_code == 422  # the REC violation the voprov example has
    bad = client.post(
        "/documents?profile=nope", data=doc, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert bad.status_code == 400


def test_validate_route_reports_and_stores_nothing(client: FlaskClient) -> None:
    data = shared("voprov/image_stacking.json").read_bytes()
    report = client.post(
        "/validate", data=data, headers={"Content-Type": "application/json", "Slug": "stack.json"}
    )
    assert report.status_code == 200 and report.mimetype == "application/json"
    assert report.headers["X-Provld-Conforms"] == "false"
    assert report.json["conforms"] is False
    text = client.post(
        "/validate?profile=basic",
        data=data,
        headers={"Content-Type": "application/json", "Accept": "text/plain"},
    )
    assert text.headers["X-Provld-Conforms"] == "true" and text.mimetype == "text/plain"
    ttl = client.post(
        "/validate",
        data=data,
        headers={"Content-Type": "application/json", "Accept": "text/turtle"},
    )
    assert b"ValidationReport" in ttl.data
    assert b"Nothing yet" in client.get("/").data
    assert (
        client.post("/validate", data=b"\x00", headers={"Content-Type": "image/png"}).status_code
        == 415
    )


def test_shapes_and_ontology_are_served(client: FlaskClient) -> None:
    shapes = client.get("/shapes", headers={"Accept": "text/turtle"})
    assert shapes.status_code == 200 and shapes.mimetype == "text/turtle"
    node_shape = "http://www.w3.org/ns/shacl#NodeShape"
    parsed = pyoxigraph.parse(shapes.data, pyoxigraph.RdfFormat.TURTLE)
    assert any(t.object.value == node_shape for t in parsed)
    basic = client.get("/shapes?profile=basic&format=ntriples")
    assert basic.status_code == 200 and len(basic.data) < len(
        client.get("/shapes?format=ntriples").data
    )
    page = client.get("/ontology")
    assert page.mimetype == "text/html" and b'id="DatasetEntity"' in page.data
    term = client.get(
        "/resource",
        query_string={"uri": "http://www.ivoa.net/documents/ProvenanceDM/index.html#DatasetEntity"},
        headers={"Accept": "text/turtle"},
    )
    assert term.status_code == 200 and b"subClassOf" in term.data


def test_void_and_the_streamed_dump(client: FlaskClient, loaded: str) -> None:
    import gzip

    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert void.status_code == 200
    assert b"void#sparqlEndpoint" in void.data and b"dumps/store.nq.gz" in void.data
    dump = client.get("/dumps/store.nq.gz")
    assert dump.status_code == 200 and dump.headers["Content-Encoding"] == "gzip"
    lines = gzip.decompress(dump.data).decode().splitlines()
    assert len(lines) > 700 and all(line.endswith(" .") for line in lines)


def test_home_counts_what_the_documents_hold(tmp_path: Path) -> None:
    """The catalogue's records of loads (activities, agents) are not counted."""
    from provld.demo_data import load_demo
    from provld.describe import counts

    app = create_app({"PROVLD_STORE": str(tmp_path / "counted")})
    try:
        store, catalogue = app.extensions["provld.store"], app.extensions["provld.catalogue"]
        assert counts(store, catalogue.graph) == dict.fromkeys(
            ("documents", "entities", "activities", "agents"), 0
        )
        load_demo(catalogue)
        assert counts(store, catalogue.graph) == {
            "documents": 1,
            "entities": 80,
            "activities": 15,
            "agents": 6,
        }
        page = app.test_client().get("/").get_data(as_text=True)
        assert "15" in page and "activities" in page
    finally:
        app.extensions["provld.runner"].close()
        app.extensions["provld.store"].close()
