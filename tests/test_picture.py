"""Provenance pictures: what is drawn from PROV-O statements, how big graphs are folded,
and graphviz's output (SVG with links, PNG), from the library, the CLI and the web."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from provld import formats, picture
from provld.cli import main
from provld.demo_data import load_demo
from provld.errors import DrawingError
from provld.model import PROV, RDFS, VOPROV
from provld.vocab import RDF_TYPE
from provld.web import create_app

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="graphviz's dot is not installed (apt install graphviz)"
)
EX = "http://example.org/"
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
DL3 = "https://provenance.cta-observatory.org/id/product/434308bc-89fa-4a68-8fb5-d27bbeb79919"


def n(local: str) -> NamedNode:
    return NamedNode(EX + local)


def p(local: str) -> NamedNode:
    return NamedNode(PROV + local)


def v(local: str) -> NamedNode:
    return NamedNode(VOPROV + local)


CALIBRATE = NamedNode(EX + "calibrate")


def run_triples(i: int, description: NamedNode | None = CALIBRATE) -> list[Triple]:
    """One run of a step: it used raw_i (role raw) and generated out_i (role dl1)."""
    act, raw, out = n(f"run{i}"), n(f"raw{i}"), n(f"out{i}")
    usage, generation = BlankNode(), BlankNode()
    triples = [
        Triple(act, RDF_TYPE, p("Activity")),
        Triple(raw, RDF_TYPE, p("Entity")),
        Triple(out, RDF_TYPE, p("Entity")),
        Triple(out, NamedNode(RDFS + "label"), Literal(f"DL1 file {i}")),
        Triple(act, p("used"), raw),
        Triple(act, p("qualifiedUsage"), usage),
        Triple(usage, p("entity"), raw),
        Triple(usage, v("role"), Literal("raw")),
        Triple(out, p("wasGeneratedBy"), act),
        Triple(out, p("qualifiedGeneration"), generation),
        Triple(generation, p("activity"), act),
        Triple(generation, p("hadRole"), n("dl1-role")),
        Triple(out, p("wasDerivedFrom"), raw),
    ]
    if description is not None:
        triples.append(Triple(act, v("activityDescription"), description))
    return triples


def description_triples() -> list[Triple]:
    return [
        Triple(n("calibrate"), RDF_TYPE, v("ActivityDescription")),
        Triple(n("calibrate"), v("name"), Literal("calibrate")),
        Triple(n("dl1-role"), RDF_TYPE, p("Role")),
        Triple(n("dl1-role"), NamedNode(RDFS + "label"), Literal("dl1")),
    ]


def test_nodes_edges_and_roles() -> None:
    drawn = picture.from_triples(run_triples(1) + description_triples(), [n("out1")])
    kinds = {key[len(EX) :]: node.kind for key, node in drawn.nodes.items()}
    assert kinds == {
        "run1": "activity",
        "raw1": "entity",
        "out1": "entity",
        "calibrate": "description",
    }, "qualified nodes and role nodes are edge labels, not nodes"
    edges = {(e.source[len(EX) :], e.relation, e.target[len(EX) :], e.role) for e in drawn.edges}
    assert edges == {
        ("run1", "used", "raw1", "raw"),
        ("out1", "wasGeneratedBy", "run1", "dl1"),
        ("out1", "wasDerivedFrom", "raw1", ""),
        ("run1", "isDescribedBy", "calibrate", ""),
    }
    assert drawn.nodes[EX + "out1"].label == "DL1 file 1"
    assert drawn.nodes[EX + "calibrate"].label == "calibrate"
    assert drawn.starts == {EX + "out1"}


def test_untyped_ends_take_the_kind_the_relation_gives() -> None:
    drawn = picture.from_triples([Triple(n("e"), p("wasAttributedTo"), n("someone"))])
    assert drawn.nodes[EX + "someone"].kind == "agent"
    assert drawn.nodes[EX + "e"].kind == "entity"


def test_small_pictures_are_not_folded() -> None:
    triples = description_triples() + [t for i in range(3) for t in run_triples(i)]
    drawn = picture.from_triples(triples)
    assert picture.fold(drawn, limit=40) is drawn


def test_repeated_runs_fold_into_one_node_each() -> None:
    triples = description_triples() + [t for i in range(30) for t in run_triples(i)]
    drawn = picture.from_triples(triples, [n("out0")])
    folded = picture.fold(drawn, limit=20)
    labels = sorted(node.label for node in folded.nodes.values())
    assert "30 runs of calibrate" in labels
    assert any(label.startswith("29 entities like") for label in labels), labels
    assert any(label.startswith("30 entities like") for label in labels), labels
    assert "DL1 file 0" in labels, "the start node stays on its own"
    assert len(folded.nodes) <= 8
    runs = next(k for k, node in folded.nodes.items() if node.label.startswith("30 runs"))
    assert len(folded.nodes[runs].members) == 30
    used = [(e, c) for e, c in folded.edges.items() if e.relation == "used"]
    assert used and all(e.role == "raw" for e, _ in used)
    assert sum(c for _, c in used) == 30, "a folded edge counts the relations it stands for"


def test_a_picture_too_big_even_folded_is_cut_with_a_note() -> None:
    # 300 runs with no description: nothing to fold by, so the picture is cut.
    triples = [t for i in range(300) for t in run_triples(i, description=None)]
    folded = picture.fold(picture.from_triples(triples, [n("out0")]), limit=20, hard_limit=50)
    assert len(folded.nodes) == 50
    assert EX + "out0" in folded.nodes, "the nodes nearest the start are kept"
    assert folded.notes and "850 more nodes not drawn" in folded.notes[0]


def test_dot_text_escapes_hostile_labels() -> None:
    hostile = 'evil" ]; x [label="pwned\\" \n <b>&amp;'
    triples = [
        Triple(n("a"), RDF_TYPE, p("Activity")),
        Triple(n("a"), NamedNode(RDFS + "label"), Literal(hostile)),
    ]
    dot = picture.to_dot(picture.from_triples(triples))
    assert dot.count("->") == 0
    assert 'label="evil\\" ]; x [label=\\"pwned\\\\\\"' in dot
    assert "pwned" not in dot.split('label="')[0]


@needs_dot
def test_svg_has_links_and_styles(tmp_path: Path) -> None:
    hostile = 'a "quoted" <label> & more'
    triples = run_triples(1) + description_triples()
    triples.append(Triple(n("run1"), NamedNode(RDFS + "label"), Literal(hostile)))
    triples.append(Triple(n("run1"), p("wasAssociatedWith"), n("pipeline")))
    triples.append(Triple(n("pipeline"), RDF_TYPE, p("SoftwareAgent")))
    svg = picture.draw(triples, "svg", starts=[n("out1")], link=lambda iri: "/go?" + iri)
    root = ET.fromstring(svg)  # well-formed, the hostile label escaped
    links = {a.get(XLINK) for a in root.iter(SVG + "a")}
    assert "/go?" + EX + "run1" in links and "/go?" + EX + "out1" in links
    text = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    assert hostile in text
    for relation in ("used", "wasGeneratedBy", "wasDerivedFrom", "wasAssociatedWith"):
        assert relation in text
    shapes = {
        el.tag[len(SVG) :]
        for el in root.iter()
        if el.get("fill") in ("#fffc87", "#9fb1fc", "#fed37f")
    }
    assert {"ellipse", "polygon"} <= shapes
    fills = {el.get("fill") for el in root.iter()}
    assert {"#fffc87", "#9fb1fc", "#fed37f"} <= fills, "entity, activity, agent colours"


@needs_dot
def test_png_and_dot_output() -> None:
    triples = run_triples(1)
    assert picture.draw(triples, "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert picture.draw(triples, "dot").startswith(b"digraph provenance {")
    with pytest.raises(DrawingError, match="svg, png or dot"):
        picture.draw(triples, "gif")


def test_missing_graphviz_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(DrawingError, match="apt install graphviz"):
        picture.draw(run_triples(1), "svg")


# -- the command line and the web ------------------------------------------------------


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("demo") / "store"
    app = create_app({"PROVLD_STORE": str(path)})
    load_demo(app.extensions["provld.catalogue"])
    app.extensions["provld.runner"].close()
    app.extensions["provld.store"].close()
    return str(path)


@needs_dot
def test_cli_graph(
    demo_store: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["graph", DL3, "--store", demo_store]) == 0
    out = capsysbinary.readouterr().out
    root = ET.fromstring(out)
    text = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    assert "DL3 event list and IRFs," in text and "calibration of LST-3 run" in text
    assert "LST-4" not in text, "only the lineage of this product"
    target = tmp_path / "lineage.png"
    assert main(["graph", DL3, "--store", demo_store, "-o", str(target)]) == 0
    assert target.read_bytes().startswith(b"\x89PNG")
    assert main(["graph", DL3, "--store", demo_store, "--format", "dot", "--depth", "1"]) == 0
    dot = capsysbinary.readouterr().out.decode()
    assert "dl2_to_dl3 of LST-3 run 1000" in dot and "calibration of" not in dot


def test_cli_graph_errors(demo_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "no-such-thing", "--store", demo_store]) == 1
    assert "no-such-thing" in capsys.readouterr().err
    assert main(["graph", DL3, "--store", demo_store, "--format", "gif"]) == 2
    assert "svg, png or dot" in capsys.readouterr().err
    assert main(["graph", DL3, "--store", demo_store, "--limit", "0"]) == 2


@pytest.fixture
def client(demo_store: str) -> Iterator[FlaskClient]:
    app = create_app({"PROVLD_STORE": demo_store})
    yield app.test_client()
    app.extensions["provld.runner"].close()
    app.extensions["provld.store"].close()


@needs_dot
@pytest.mark.parametrize("fmt, media", [("SVG", "image/svg+xml"), ("png", "image/png")])
def test_provsap_pictures(client: FlaskClient, fmt: str, media: str) -> None:
    response = client.get("/provsap", query_string={"ID": DL3, "RESPONSEFORMAT": fmt})
    assert response.status_code == 200 and response.mimetype == media
    if media == "image/svg+xml":
        root = ET.fromstring(response.data)
        links = {a.get(XLINK) for a in root.iter(SVG + "a")}
        assert "/resource?uri=" + DL3.replace(":", "%3A").replace("/", "%2F") in links


@needs_dot
def test_resource_pictures_are_negotiated(client: FlaskClient) -> None:
    url = "/resource?uri=" + DL3
    svg = client.get(url, headers={"Accept": "image/svg+xml"})
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = svg.get_data(as_text=True)
    assert "dl2_to_dl3 of LST&#45;3 run" in text, "one hop back"
    assert "reconstruction" not in text, "not two"
    png = client.get(url + "&format=png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    assert (
        'type="image/svg+xml"' in client.get(url, headers={"Accept": "text/turtle"}).headers["Link"]
    )
    page = client.get(url).get_data(as_text=True)
    assert '<object data="/resource?uri=' in page and "format=svg" in page


@needs_dot
def test_document_picture(client: FlaskClient) -> None:
    graph = client.application.extensions["provld.catalogue"].documents()[0].graph.value
    path = graph[graph.index("/graph/") :]
    response = client.get(path + "?format=svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "runs of" in response.get_data(as_text=True), "15 runs are folded"


def test_pictures_not_offered_where_there_is_none(client: FlaskClient) -> None:
    assert client.get("/ontology?format=svg").status_code == 406
    response = client.get("/provsap", query_string={"ID": DL3, "RESPONSEFORMAT": "html"})
    assert response.status_code == 400


def test_formats_registry_knows_pictures() -> None:
    assert formats.lookup("png").media_type == "image/png"
    assert formats.lookup("image/svg+xml").name == "svg"
    assert formats.guess(path="x.gv").name == "dot"
