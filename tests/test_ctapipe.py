"""The ctapipe provenance log reader: a real log, small logs of each shape, malformed logs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from provld.errors import ParseError
from provld.model import PROV, VOPROV, XSD, Document, Record
from provld.readers.ctapipe import CAPTURE, file_iri, read_ctapipe

DATA = Path(__file__).resolve().parent / "data" / "ctapipe"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_LOG = SHARED / "ctapipe" / "ctapipe-quickstart.provenance.log"

FIRST = "urn:uuid:402077a2-0b3e-4bd9-aead-eb9724ffd58f"
SECOND = "urn:uuid:e53234ad-7470-4a39-bf48-f860ab181de3"


def kinds(doc: Document, kind: str) -> list[Record]:
    return [r for r in doc.records if r.kind == kind]


def attr(rec: Record, iri: str) -> list[str]:
    return [value.value for name, value in rec.attrs if name.value == iri]


def by_id(doc: Document, iri: str, kind: str | None = None) -> Record:
    found = [r for r in doc.records if r.id == NamedNode(iri) and kind in (None, r.kind)]
    assert len(found) == 1, f"{iri}: {len(found)} records"
    return found[0]


@pytest.fixture(scope="module")
def real() -> Document:
    if not REAL_LOG.exists():
        pytest.skip(f"shared test data not found: {REAL_LOG}")
    return read_ctapipe(REAL_LOG.read_bytes(), source=REAL_LOG.name)


@pytest.fixture(scope="module")
def process() -> Document:
    return read_ctapipe((DATA / "process.provenance.log").read_bytes(), "process.provenance.log")


# -- the real log: ctapipe-quickstart run twice, two lists appended ---------------------


def test_real_log_has_both_activities_with_times_and_status(real: Document) -> None:
    acts = kinds(real, "activity")
    assert [a.id.value for a in acts] == [FIRST, SECOND]  # type: ignore[union-attr]
    first = acts[0]
    assert first.args["startTime"] == Literal(
        "2026-11-24T14:04:20.867Z", datatype=NamedNode(XSD + "dateTime")
    )
    assert first.args["endTime"].value == "2026-11-24T14:04:23.001Z"
    assert acts[1].args["startTime"].value == "2026-11-24T14:04:23.882Z"
    for act in acts:
        assert attr(act, VOPROV + "status") == ["completed"]
        assert attr(act, VOPROV + "name") == ["ctapipe-quickstart"]
        assert attr(act, PROV + "label") == ["ctapipe-quickstart"]
        assert attr(act, CAPTURE + "exit_code") == ["0"]


def test_real_log_outputs_with_roles(real: Document) -> None:
    generated = kinds(real, "wasGeneratedBy")
    assert {g.args["activity"].value for g in generated} == {FIRST}  # second run wrote nothing
    roles = Counter(attr(g, PROV + "role")[0] for g in generated)
    assert roles == {"ctapipe-process config": 10, "README": 1}
    readme = by_id(real, "file:///data/cta/run-area/Work/README.md")
    assert attr(readme, VOPROV + "location") == ["/data/cta/run-area/Work/README.md"]
    assert attr(readme, PROV + "label") == ["README.md"]
    assert not kinds(real, "wasDerivedFrom")


def test_real_log_shares_one_software_agent(real: Document) -> None:
    (agent,) = kinds(real, "agent")
    assert (NamedNode(PROV + "type"), NamedNode(PROV + "SoftwareAgent")) in agent.attrs
    assert attr(agent, VOPROV + "name") == ["ctapipe"]
    assert attr(agent, VOPROV + "version") == ["0.28.0"]
    associations = kinds(real, "wasAssociatedWith")
    assert [a.args["activity"].value for a in associations] == [FIRST, SECOND]
    assert {a.args["agent"] for a in associations} == {agent.id}
    assert all(attr(a, PROV + "role") == ["software"] for a in associations)


def test_real_log_shares_one_context(real: Document) -> None:
    contexts = [e for e in kinds(real, "entity") if attr(e, PROV + "type") == ["context"]]
    assert len(contexts) == 1
    context = contexts[0]
    assert attr(context, CAPTURE + "platform.node") == ["vm"]
    assert attr(context, CAPTURE + "platform.n_cpus") == ["2"]
    assert attr(context, CAPTURE + "executable") == ["/opt/ctapipe-env/bin/python3"]
    assert attr(context, CAPTURE + "python.version_string")[0].startswith("3.11.7")
    packages = attr(context, CAPTURE + "package")
    assert len(packages) == 48 and "ctapipe==0.28.0" in packages
    # unset environment variables (null) are left out
    assert not attr(context, CAPTURE + "environment.CONDA_PREFIX")
    used = [u for u in kinds(real, "used") if attr(u, PROV + "role") == ["context"]]
    assert [u.args["entity"] for u in used] == [context.id, context.id]
    # what changes with every run stays on the activity
    first = by_id(real, FIRST)
    assert attr(first, CAPTURE + "system.start_time_utc") == ["2026-11-24T14:04:20.941Z"]
    assert "--workdir" in attr(first, CAPTURE + "system.arguments")[0]


def test_real_log_parameters(real: Document) -> None:
    params = kinds(real, "parameter")
    assert len(params) == 2 * 17
    configured = kinds(real, "wasConfiguredBy")
    assert len(configured) == len(params)
    assert {c.args["configurator"] for c in configured} == {p.id for p in params}
    assert {c.args["artefactType"].value for c in configured} == {"Parameter"}
    first = {attr(p, VOPROV + "name")[0]: p for p in params[:17]}
    values = {name: p.attrs[-1][1] for name, p in first.items()}
    boolean, long = NamedNode(XSD + "boolean"), NamedNode(XSD + "long")
    assert values["QuickStartTool.overwrite"] == Literal("false", datatype=boolean)
    assert values["QuickStartTool.log_level"] == Literal("30", datatype=long)
    assert values["QuickStartTool.log_file"].value == "null"
    assert values["QuickStartTool.log_config"].value == "{}"
    assert values["QuickStartTool.config_files"].value == "[]"
    assert values["QuickStartTool.workdir"].value == "/data/cta/run-area/Work"


def test_real_log_ids_are_stable(real: Document) -> None:
    again = read_ctapipe(REAL_LOG.read_text(encoding="utf-8"))
    assert [r.id for r in again.records] == [r.id for r in real.records]
    assert set(real.namespaces) == {"prov", "voprov", "xsd", "capture"}


# -- small logs of each shape --------------------------------------------------------------


def test_inputs_outputs_and_reference_metadata(process: Document) -> None:
    (used,) = [u for u in kinds(process, "used") if attr(u, PROV + "role") == ["DL0/Event"]]
    assert used.args["entity"] == NamedNode("file:///data/dl0/gamma%20run%2042.simtel.zst")
    raw = by_id(process, used.args["entity"].value)
    assert attr(raw, VOPROV + "location") == ["/data/dl0/gamma run 42.simtel.zst"]
    generated = {
        attr(g, PROV + "role")[0]: g.args["entity"] for g in kinds(process, "wasGeneratedBy")
    }
    assert generated["DL1/Monitoring"] == NamedNode("https://archive.example.org/dl1/monitoring.h5")
    dl1 = by_id(process, generated["DL1/Event"].value, "entity")
    product_id = "c3c1a2d0-1111-4aaa-8bbb-222233334444"
    assert attr(dl1, CAPTURE + "reference_meta.product.id") == [product_id]
    assert attr(dl1, CAPTURE + "reference_meta.contact.email") == ["lst@example.org"]


def test_config_parameters_quantities_and_files(process: Document) -> None:
    params = {attr(p, VOPROV + "name")[0]: p for p in kinds(process, "parameter")}
    cleaner = "ProcessorTool.ImageProcessor.TailcutsImageCleaner."
    assert params[cleaner + "boundary_threshold_pe"].attrs[-1][1] == Literal(
        "5.5", datatype=NamedNode(XSD + "double")
    )
    assert params[cleaner + "picture_threshold_pe"].attrs[-1][1].value.startswith('[["type"')
    impact = params["ProcessorTool.ShowerProcessor.max_impact"]
    assert attr(impact, PROV + "value") == ["1500.0"] and attr(impact, CAPTURE + "unit") == ["m"]
    (config_file,) = kinds(process, "configFile")
    assert config_file.id == NamedNode("file:///etc/ctapipe/stage1.yaml")
    types = {
        c.args["configurator"]: c.args["artefactType"].value
        for c in kinds(process, "wasConfiguredBy")
    }
    assert types[config_file.id] == "ConfigFile"
    assert Counter(types.values()) == {"Parameter": len(params), "ConfigFile": 1}


def test_unknown_fields_are_kept(process: Document) -> None:
    act = kinds(process, "activity")[0]
    assert attr(act, CAPTURE + "custom_note.site") == ["CTAO-North"]
    assert attr(act, CAPTURE + "duration_min") == ["4.142"]
    assert '"time_utc"' in attr(act, CAPTURE + "samples")[0]
    context = [e for e in kinds(process, "entity") if attr(e, PROV + "type") == ["context"]][0]
    assert attr(context, CAPTURE + "ctapipe_svc_path") == ["/cvmfs/cta/svc"]


def test_single_activity_object() -> None:
    doc = read_ctapipe((DATA / "single-activity.provenance.log").read_bytes())
    (act,) = kinds(doc, "activity")
    assert act.id == NamedNode("urn:uuid:0b7a2c4e-9f3d-4b1a-a6c5-3e2d1f0a9b8c")
    assert attr(act, VOPROV + "status") == ["error"]
    roles = [attr(u, PROV + "role")[0] for u in kinds(doc, "used")]
    assert roles == ["context", "merge input", "merge input"]
    assert not kinds(doc, "wasGeneratedBy") and not kinds(doc, "parameter")


def test_log_of_several_lists_without_separator() -> None:
    one = '{"activity_name": "a", "activity_uuid": "6f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f4%d"}'
    doc = read_ctapipe(f"[{one % 0}][{one % 1},\n {one % 2}]\n[]\n")
    assert len(kinds(doc, "activity")) == 3


@pytest.mark.parametrize(
    ("url", "iri"),
    [
        ("/data/run 1/a#b.h5", "file:///data/run%201/a%23b.h5"),
        ("https://ex.org/x.fits", "https://ex.org/x.fits"),
        ("relative/x.h5", "file:relative/x.h5"),
        ("D:\\data\\x.h5", "file:///D:/data/x.h5"),
    ],
    ids=["absolute-path", "url", "relative-path", "windows-path"],
)
def test_file_iri(url: str, iri: str) -> None:
    assert file_iri(url) == iri
    NamedNode(iri)


# -- malformed logs --------------------------------------------------------------------------

MALFORMED = [
    ("empty", "empty log", None, None),
    ("blank", "empty log", None, None),
    ("truncated", "Expecting", 12, 15),
    ("trailing-garbage", "Expecting value", 2, 1),
    ("not-a-list", "JSON value 1 is a string, not a list", 1, 1),
    ("item-not-object", "list 1, item 2: expected an activity object", 3, 3),
    ("missing-uuid", "list 2, item 1: activity has no 'activity_uuid'", 2, 2),
    ("missing-name", "has no 'activity_name'", 1, 2),
    ("bad-uuid", "'run-42' is not a UUID", 1, 2),
    ("bad-time", "start.time_utc: 'yesterday' is not an ISO time", 1, 2),
    ("invalid-utf8", "not valid UTF-8", 3, 19),
]


@pytest.mark.parametrize(
    ("name", "message", "line", "column"), MALFORMED, ids=[m[0] for m in MALFORMED]
)
def test_malformed(name: str, message: str, line: int | None, column: int | None) -> None:
    path = DATA / "malformed" / f"{name}.provenance.log"
    with pytest.raises(ParseError) as caught:
        read_ctapipe(path.read_bytes(), source=path.name)
    err = caught.value
    assert message in err.reason
    assert (err.line, err.column) == (line, column)
    assert str(err).startswith(path.name)
