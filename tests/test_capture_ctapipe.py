"""ctapipe tools through capture: their provenance logs as captured documents, linked by
the activity UUID that ctapipe writes into file headers; a real ctapipe Tool when ctapipe
is installed (skipped otherwise)."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from provld import capture
from provld.capture import ctapipe as capture_ctapipe
from provld.documents import Catalogue
from provld.formats import lookup
from provld.identifiers import resolve_id
from provld.model import PROV, VOPROV, Document, Record
from provld.provo import document_quads
from provld.store import open_store
from provld.validate import validate
from provld.vocab import DCTERMS
from provld.web import create_app
from tests.server import LoopbackServer

DATA = Path(__file__).resolve().parent / "data" / "ctapipe"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
QUICKSTART = SHARED / "ctapipe" / "ctapipe-quickstart.provenance.log"
PROCESS_UUID = "6f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f40"
BASE = "http://localhost:5000/"


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for var in [v for v in os.environ if v.startswith("PROVLD_")]:
        monkeypatch.delenv(var)
    capture.configure(reset=True, target=str(tmp_path / "prov"), spool=str(tmp_path / "spool"))
    capture_ctapipe._recorded.clear()  # a fresh process, as far as recorded UUIDs go
    yield tmp_path / "prov"
    capture.wait(10)
    capture.configure(reset=True)


def kinds(doc: Document, kind: str) -> list[Record]:
    return [r for r in doc.records if r.kind == kind]


def attr(rec: Record, iri: str) -> list[str]:
    return [value.value for name, value in rec.attrs if name.value == iri]


def test_log_becomes_a_captured_document_named_by_the_uuid(out: Path) -> None:
    (doc,) = capture_ctapipe.record_log(DATA / "process.provenance.log")
    (act,) = kinds(doc, "activity")
    assert act.id == NamedNode(f"{BASE}id/activity/{PROCESS_UUID}")
    assert act.id == capture_ctapipe.activity_iri(PROCESS_UUID, BASE)
    assert attr(act, DCTERMS + "identifier") == [PROCESS_UUID]
    assert attr(act, VOPROV + "status") == ["success"]
    # the times are ctapipe's, not the time of the conversion
    assert act.args["startTime"].value.startswith("20") and act.args["startTime"].value.endswith(
        "Z"
    )
    software = [r for r in kinds(doc, "agent") if attr(r, VOPROV + "name") == ["ctapipe"]]
    assert len(software) == 1 and attr(software[0], VOPROV + "version")
    roles = sorted(attr(r, PROV + "role")[0] for r in kinds(doc, "used") if r.id is not None)
    assert roles  # ctapipe's roles kept
    locations = sorted(attr(r, VOPROV + "location")[0] for r in kinds(doc, "datasetEntity"))
    assert "/data/dl0/gamma run 42.simtel.zst" in locations
    assert "https://archive.example.org/dl1/monitoring.h5" in locations
    names = {attr(p, VOPROV + "name")[0] for p in kinds(doc, "parameter")}
    assert any(n.startswith("ProcessorTool.") for n in names)
    report = validate(list(document_quads(doc)), "release")
    assert report.count("Violation") == 0, report.text()
    (written,) = out.iterdir()
    assert PROCESS_UUID in written.name


def test_the_uuid_of_a_file_header_finds_the_activity_in_the_store(
    out: Path, tmp_path: Path
) -> None:
    capture_ctapipe.record_log(DATA / "process.provenance.log")
    (path,) = out.iterdir()
    store = open_store(str(tmp_path / "store"))
    try:
        catalogue = Catalogue(store, BASE)
        catalogue.load(
            path.read_bytes(),
            lookup("turtle"),
            source=path.name,
            validate=functools.partial(validate, profile="release"),
        )
        header_value = PROCESS_UUID  # what "CTA ACTIVITY ID" holds
        rows = list(
            store.query(  # type: ignore[union-attr]
                "SELECT ?id ?uuid ?activity ?a WHERE { GRAPH ?g { ?a ?id ?uuid ; a ?activity } }",
                bindings={
                    "id": NamedNode(DCTERMS + "identifier"),
                    "uuid": Literal(header_value),
                    "activity": NamedNode(PROV + "Activity"),
                },
            )
        )
        expected = capture_ctapipe.activity_iri(header_value, BASE)
        assert [row["a"] for row in rows] == [expected]
        assert resolve_id(store, f"id/activity/{header_value}", BASE) == [expected]
    finally:
        store.close()


def test_real_quickstart_log_and_no_second_recording(out: Path) -> None:
    if not QUICKSTART.exists():
        pytest.skip(f"shared test data not found: {QUICKSTART}")
    docs = capture_ctapipe.record_log(QUICKSTART)
    assert len(docs) == 2  # two runs appended to one log
    for doc in docs:
        (act,) = kinds(doc, "activity")
        uuid = attr(act, DCTERMS + "identifier")[0]
        assert act.id == capture_ctapipe.activity_iri(uuid, BASE)
        people = [r for r in kinds(doc, "agent") if attr(r, VOPROV + "name") == ["Corpus Builder"]]
        assert len(people) == 1  # the tool's contact_name is the person
        contexts = [r for r in kinds(doc, "entity") if attr(r, PROV + "type") == ["context"]]
        assert len(contexts) == 1 and "vm" in attr(contexts[0], PROV + "label")[0]
        report = validate(list(document_quads(doc)), "release")
        assert report.count("Violation") == 0, report.text()
    assert capture_ctapipe.record_log(QUICKSTART) == []  # recorded once per process
    assert len(list(out.iterdir())) == 2


def test_a_failed_tool_run_is_a_failure(out: Path) -> None:
    (doc,) = capture_ctapipe.record_log(DATA / "single-activity.provenance.log")
    (act,) = kinds(doc, "activity")
    assert attr(act, VOPROV + "status") == ["failure"]
    assert attr(act, VOPROV + "comment") == ["failed with ctapipe status error, exit code 1"]


def test_a_tool_run_inside_a_captured_activity_is_its_step(out: Path) -> None:
    entry = json.loads((DATA / "single-activity.provenance.log").read_text())
    with capture.activity("nightly pipeline") as pipeline:
        capture_ctapipe.record_activity(entry)
    doc = pipeline.document
    assert doc is not None
    step = NamedNode(f"{BASE}id/activity/{entry['activity_uuid']}")
    informed = [r for r in kinds(doc, "wasInformedBy") if r.args["informed"] == step]
    assert [r.args["informant"] for r in informed] == [pipeline.iri]
    assert len(list(out.iterdir())) == 1


def test_a_log_recorded_twice_reaches_a_server_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in [v for v in os.environ if v.startswith("PROVLD_")]:
        monkeypatch.delenv(var)
    server = LoopbackServer()
    server.app = create_app(
        {
            "PROVLD_STORE": str(tmp_path / "store"),
            "PROVLD_TOKENS": "t0ken",
            "PROVLD_BASE_URI": server.url + "/",
        }
    )
    with server:
        capture.configure(
            reset=True, target=server.url, token="t0ken", spool=str(tmp_path / "spool")
        )
        try:
            for _ in range(2):  # two processes recording the same log
                capture_ctapipe._recorded.clear()
                capture_ctapipe.record_log(DATA / "process.provenance.log")
                capture.flush(timeout=10)
            catalogue = server.app.extensions["provld.catalogue"]
            assert len(catalogue.documents()) == 1
        finally:
            capture.wait(10)
            capture.configure(reset=True)


# -- a real ctapipe Tool (ctapipe is not a dependency of provld: skipped without it) ------


def test_a_real_ctapipe_tool(out: Path, tmp_path: Path) -> None:
    pytest.importorskip("ctapipe")
    from ctapipe.core import Tool, run_tool
    from ctapipe.core.provenance import Provenance
    from ctapipe.core.traits import Float
    from ctapipe.core.traits import Path as PathTrait

    class Calibrate(capture_ctapipe.CaptureProvenance, Tool):  # type: ignore[misc]
        name = "provld-calibrate"
        description = "a minimal tool for provld's capture test"
        input_path = PathTrait(exists=True, directory_ok=False).tag(config=True)
        output_path = PathTrait(directory_ok=False).tag(config=True)
        threshold = Float(5.0).tag(config=True)

        def start(self) -> None:
            Provenance().add_input_file(str(self.input_path), role="dl0", add_meta=False)
            self.output_path.write_text(self.input_path.read_text().upper())
            Provenance().add_output_file(str(self.output_path), role="dl1", add_meta=False)

    source = tmp_path / "dl0.fits"
    source.write_text("events")
    target = tmp_path / "dl1.h5"
    log = tmp_path / "tool.provenance.log"
    code = run_tool(
        Calibrate(),
        argv=[
            f"--Calibrate.input_path={source}",
            f"--Calibrate.output_path={target}",
            "--Calibrate.threshold=7.5",
            f"--provenance-log={log}",
        ],
        cwd=tmp_path,
    )
    assert code == 0
    written = json.loads(log.read_text())
    uuid = written[-1]["activity_uuid"]  # what ctapipe puts in the output's header
    docs = list(out.iterdir())
    assert len(docs) == 1 and uuid in docs[0].name
    text = docs[0].read_text()
    assert f"{BASE}id/activity/{uuid}".rsplit("/", 1)[1] in text
    assert '"dl0"' in text and '"dl1"' in text and "Calibrate.threshold" in text


def test_install_hooks_every_ctapipe_tool(out: Path, tmp_path: Path) -> None:
    pytest.importorskip("ctapipe")
    from ctapipe.core import Tool, run_tool

    class Plain(Tool):  # type: ignore[misc]
        name = "provld-plain"
        description = "a stock tool, no mixin"

        def start(self) -> None:
            pass

    capture_ctapipe.install()
    capture_ctapipe.install()  # twice is once
    log = tmp_path / "plain.provenance.log"
    assert run_tool(Plain(), argv=[f"--provenance-log={log}"], cwd=tmp_path) == 0
    uuid = json.loads(log.read_text())[-1]["activity_uuid"]
    assert [p for p in out.iterdir() if uuid in p.name]
