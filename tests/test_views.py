"""The workflow, data-flow and credits views: what they show of the demo pipeline's
lineage (checked by hand against provld/demo/cta-pipeline.json), and how /views answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from flask.testing import FlaskClient
from pyoxigraph import NamedNode

from provld import formats
from provld.demo_data import load_demo
from provld.documents import Catalogue
from provld.errors import InputError, NotFoundError
from provld.store import open_store
from provld.store.base import Backend
from provld.views import run_view
from provld.web import create_app

from .conftest import BASE

CTA = "https://provenance.cta-observatory.org/id/"
DL3 = CTA + "product/434308bc-89fa-4a68-8fb5-d27bbeb79919"
RAW = CTA + "product/5be6128e-18c2-4797-a142-ea7d17be3111"  # LST-3 run 1000 subrun 0


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Backend, NamedNode]]:
    store = open_store(str(tmp_path_factory.mktemp("views") / "store"))
    graph = load_demo(Catalogue(store, BASE))
    yield store, graph
    store.close()


def _labels(result, column: str) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(line.label, [(c.label, c.role) for c in line.cells[column]]) for line in result.lines]


def test_workflow_of_a_dl3_product(demo) -> None:
    store, _ = demo
    result = run_view(store, "workflow", ids=[DL3], base=BASE)
    steps = ["calibration", "dl0_to_dl1", "reconstruction", "selection", "dl2_to_dl3"]
    assert [line.label for line in result.lines] == [f"{s} of LST-3 run 1000" for s in steps]
    after = dict((label, [a for a, _ in cells]) for label, cells in _labels(result, "after"))
    assert after["calibration of LST-3 run 1000"] == []
    assert after["selection of LST-3 run 1000"] == ["reconstruction of LST-3 run 1000"]
    params = dict(_labels(result, "parameter"))
    assert sorted(p for p, _ in params["selection of LST-3 run 1000"]) == [
        "gammaness_cut = 0.777",
        "theta_cut = 0.187",
    ]
    assert params["dl0_to_dl1 of LST-3 run 1000"] == [("lstchain_standard_config.json", "")]
    agents = dict(_labels(result, "agent"))
    assert agents["dl0_to_dl1 of LST-3 run 1000"] == [("ctapipe", "pipeline")]
    descriptions = dict(_labels(result, "description"))
    assert descriptions["dl2_to_dl3 of LST-3 run 1000"] == [("dl2_to_dl3", "")]
    started = [line.cells["started"][0].value.value for line in result.lines]
    assert started == sorted(started) and started[0] == "2024-01-02T08:17:00Z"


def test_dataflow_of_a_dl3_product(demo) -> None:
    store, _ = demo
    result = run_view(store, "dataflow", ids=[DL3], base=BASE)
    made = dict(_labels(result, "madeBy"))
    used = dict(_labels(result, "usedBy"))
    assert made["DL3 event list and IRFs, LST-3 run 1000"] == [
        ("dl2_to_dl3 of LST-3 run 1000", "dl3")
    ]
    assert used["LST-3 run 1000 subrun 0"] == [
        ("calibration of LST-3 run 1000", "raw"),
        ("dl0_to_dl1 of LST-3 run 1000", "raw"),
    ]
    assert used["random-forest models 0"] == [("reconstruction of LST-3 run 1000", "model")]
    labels = {line.label for line in result.lines}
    assert not any("LST-4" in label for label in labels), "only this product's lineage"
    assert not any(label in ("dl3", "calibration") for label in labels), "no descriptions"
    formats = dict(_labels(result, "format"))
    assert formats["DL3 event list and IRFs, LST-3 run 1000"] == [("application/fits", "")]


def test_credits_of_a_dl3_product(demo) -> None:
    store, _ = demo
    result = run_view(store, "credits", ids=[DL3], base=BASE)
    assert [line.label for line in result.lines] == [
        "Ana Kowalski (operator)",
        "ctapipe",
        "lstchain",
        "Lucía Fernández (analyst)",
    ]
    kinds = {label: [k for k, _ in cells] for label, cells in _labels(result, "kind")}
    assert kinds["ctapipe"] == ["software"] and kinds["Ana Kowalski (operator)"] == ["person"]
    made = dict(_labels(result, "made"))
    assert ("DL3 event list and IRFs, LST-3 run 1000", "analyst") in made[
        "Lucía Fernández (analyst)"
    ]
    did = dict(_labels(result, "did"))
    assert ("dl2_to_dl3 of LST-3 run 1000", "pipeline") in did["lstchain"]


def test_forward_view_and_document_scope(demo) -> None:
    store, graph = demo
    forth = run_view(store, "workflow", ids=[RAW], direction="forth", base=BASE)
    assert len(forth.lines) == 5 and forth.lines[-1].label == "dl2_to_dl3 of LST-3 run 1000"
    one = run_view(store, "workflow", ids=[RAW], direction="forth", depth=1, base=BASE)
    assert {line.label for line in one.lines} == {
        "calibration of LST-3 run 1000",
        "dl0_to_dl1 of LST-3 run 1000",
    }
    whole = run_view(store, "workflow", graph=graph, base=BASE)
    assert len(whole.lines) == 15, "every activity of the document"


def test_rdf_answer_is_the_part_the_view_shows(demo) -> None:
    store, _ = demo
    result = run_view(store, "workflow", ids=[DL3], base=BASE)
    shown = pyoxigraph.Store()
    shown.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in result.triples)
    ask = "PREFIX prov: <http://www.w3.org/ns/prov#> ASK { ?a prov:wasInformedBy ?b }"
    assert shown.query(ask)
    count = shown.query(
        "PREFIX prov: <http://www.w3.org/ns/prov#> "
        "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a prov:Activity }"
    )
    assert int(next(iter(count))["n"].value) == 5


def test_view_errors(demo) -> None:
    store, _ = demo
    with pytest.raises(NotFoundError, match="no view"):
        run_view(store, "timeline", ids=[DL3], base=BASE)
    with pytest.raises(InputError, match="id"):
        run_view(store, "workflow", base=BASE)
    with pytest.raises(NotFoundError):
        run_view(store, "workflow", ids=["no-such-product"], base=BASE)


# -- over HTTP --------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    app = create_app({"PROVLD_STORE": str(tmp_path / "s")})
    load_demo(app.extensions["provld.catalogue"])
    yield app.test_client()
    app.extensions["provld.runner"].close()
    app.extensions["provld.store"].close()


@pytest.mark.parametrize("name", ["workflow", "dataflow", "credits"])
def test_views_over_http(client: FlaskClient, name: str) -> None:
    url = f"/views/{name}"
    page = client.get(url, query_string={"id": DL3})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<table" in html and "LST-3 run 1000" in html
    for other in ("workflow", "dataflow", "credits"):
        assert f"/views/{other}?id=" in html or other == name
    answer = client.get(url, query_string={"id": DL3}, headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    body = answer.json
    assert body["view"] == name and body["from"] == [DL3] and body["lines"]
    assert json.loads(client.get(url, query_string={"id": DL3, "format": "json"}).data) == body
    turtle = client.get(url, query_string={"id": DL3}, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"
    pyoxigraph.parse(turtle.data, pyoxigraph.RdfFormat.TURTLE)
    prov = client.get(url, query_string={"id": DL3, "format": "provjson"})
    assert prov.status_code == 200 and json.loads(prov.data)


def test_views_bad_requests(client: FlaskClient) -> None:
    assert client.get("/views/timeline?id=x").status_code == 404
    assert client.get("/views/workflow").status_code == 400
    assert client.get("/views/workflow?id=nothing-here").status_code == 404
    bad_depth = client.get("/views/workflow", query_string={"id": DL3, "depth": "-1"})
    assert bad_depth.status_code == 400 and "depth" in bad_depth.json["detail"]
    assert client.get("/views/workflow?graph=http://x/graph/none").status_code == 404
    assert client.get("/views/workflow?graph=not%20an%20iri").status_code == 400
    assert (
        client.get("/views/workflow?id=" + DL3, headers={"Accept": "image/gif"}).status_code == 406
    )


def test_resource_pages_link_to_the_views(client: FlaskClient) -> None:
    html = client.get("/resource", query_string={"uri": DL3}).get_data(as_text=True)
    for name in ("workflow", "dataflow", "credits"):
        assert f"/views/{name}?id=" in html
    assert "/provsap?ID=" in html
    ontology_term = client.get(
        "/resource",
        query_string={"uri": "http://www.ivoa.net/documents/ProvenanceDM/index.html#Parameter"},
    ).get_data(as_text=True)
    assert "/views/workflow" not in ontology_term, "terms have no provenance to view"


def test_a_blank_node_in_a_view_keeps_its_label(catalogue: Catalogue) -> None:
    """A source may leave its activities unnamed (blank nodes): their labels still show."""
    turtle = b"""@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
_:run a prov:Activity ; rdfs:label "Calibrate run 7" ;
    prov:used <http://ex.org/raw> ; prov:startedAtTime "2020-01-01T00:00:00Z"^^xsd:dateTime .
<http://ex.org/raw> a prov:Entity ; rdfs:label "Raw file" .
"""
    stored = catalogue.load(turtle, formats.lookup("turtle"), source="unnamed.ttl")
    result = run_view(catalogue.store, "workflow", graph=stored.graph, base=BASE)
    assert [line.label for line in result.lines] == ["Calibrate run 7"]
