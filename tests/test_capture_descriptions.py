"""Activity descriptions for capture: declared in Python, read from JSON, YAML and OPUS
VOTable job descriptions, stored under a content-hash IRI, linked from every run, and a
run that steps outside its description reported by the SHACL gate."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from provld import capture
from provld.capture.descriptions import from_mapping, read_votable
from provld.errors import InputError, ParseError
from provld.model import PROV, VOPROV, Document, Record
from provld.provo import document_quads
from provld.validate import check_shapes, shapes_graph, validate

DATA = Path(__file__).resolve().parent / "data" / "capture"
BASE = "http://localhost:5000/"
SHP = "https://w3id.org/provld/shapes#"


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for var in [v for v in os.environ if v.startswith("PROVLD_")]:
        monkeypatch.delenv(var)
    capture.configure(reset=True, target=str(tmp_path / "prov"), spool=str(tmp_path / "spool"))
    yield tmp_path / "prov"
    capture.configure(reset=True)


def kinds(doc: Document | None, kind: str) -> list[Record]:
    assert doc is not None
    return [r for r in doc.records if r.kind == kind]


def attr(rec: Record, iri: str) -> list[str]:
    return [value.value for name, value in rec.attrs if name.value == iri]


def python_description() -> capture.ActivityDescription:
    return capture.ActivityDescription(
        name="dl0_to_dl1",
        version="0.19.3",
        type="Reduction",
        subtype="image_extraction_cleaning",
        description="charge extraction, tailcut image cleaning, image parameters",
        docurl="https://ctapipe.readthedocs.io/",
        usages=[
            capture.UsageDescription(
                "raw",
                multiplicity="1..*",
                type="Main",
                content_type="application/fits",
                description="raw camera events",
            ),
            capture.UsageDescription(
                "calibration",
                multiplicity="1",
                type="Calibration",
                content_type="application/x-hdf5",
            ),
        ],
        generations=[
            capture.GenerationDescription(
                "dl1", multiplicity="1", type="Main", content_type="application/x-hdf5"
            )
        ],
        parameters=[
            capture.ParameterDescription(
                "picture_threshold",
                "double",
                unit="p.e.",
                ucd="phot.count",
                min=0,
                max=50,
                default=8.0,
                description="core pixels",
            ),
            capture.ParameterDescription("boundary_threshold", "double", unit="p.e.", default=4.0),
            capture.ParameterDescription("cleaning", "char(*)", options=["tailcuts", "mars"]),
        ],
        config_files=[capture.ConfigFileDescription("stage1_config.yaml", "application/yaml")],
    )


# -- one description, three ways to write it, one IRI ------------------------------------


def test_python_json_and_yaml_give_the_same_description_and_iri() -> None:
    pytest.importorskip("yaml")
    in_python = python_description()
    from_json = capture.load_description(DATA / "dl0_to_dl1.json")
    from_yaml = capture.load_description(DATA / "dl0_to_dl1.yaml")
    assert in_python == from_json == from_yaml
    assert in_python.iri(BASE) == from_json.iri(BASE) == from_yaml.iri(BASE)
    assert in_python.iri(BASE).value.startswith(f"{BASE}id/description/")
    changed = capture.ActivityDescription("dl0_to_dl1", version="0.20.0")
    assert changed.iri(BASE) != in_python.iri(BASE)  # a new version is a new node


def test_description_records_follow_the_release_shapes() -> None:
    desc = python_description()
    doc = Document()
    doc.records.extend(desc.records(BASE))
    report = validate(list(document_quads(doc)), "release")
    assert report.count("Violation") == 0 and report.count("Warning") == 0
    (ad,) = kinds(doc, "activityDescription")
    assert attr(ad, VOPROV + "name") == ["dl0_to_dl1"]
    assert attr(ad, VOPROV + "docurl") == ["https://ctapipe.readthedocs.io/"]
    assert {attr(r, PROV + "role")[0] for r in kinds(doc, "usageDescription")} == {
        "raw",
        "calibration",
    }
    (pd,) = [
        r for r in kinds(doc, "parameterDescription") if attr(r, VOPROV + "name")[0] == "cleaning"
    ]
    assert attr(pd, VOPROV + "options") == ["tailcuts", "mars"]
    assert len(kinds(doc, "datasetDescription")) == 3
    assert kinds(doc, "configFileDescription")


def test_opus_votable_job_description() -> None:
    (desc,) = capture.load_descriptions(DATA / "opus-job.xml")
    assert desc.name == "stack_images"
    assert (desc.version, desc.type, desc.subtype) == ("2.1", "Reduction", "stacking")
    assert desc.description == "Stack calibrated images into one deep image"
    assert desc.docurl == "https://example.org/stack"
    (images,) = desc.usages
    assert images.role == "images"  # OPUS leaves the role empty: the group's name
    assert images.multiplicity == "2..*" and images.dataset is not None
    assert images.dataset.content_type == "application/fits"
    (stack,) = desc.generations
    assert (stack.role, stack.multiplicity) == ("stack", "1")
    sigma, combine = desc.parameters
    assert (sigma.name, sigma.value_type, sigma.min, sigma.max, sigma.default) == (
        "sigma",
        "double",
        "1",
        "10",
        "3.0",
    )
    assert sigma.ucd == "stat.stdev" and sigma.unit is None
    assert combine.value_type == "char(*)" and combine.options == ("median", "mean")
    doc = Document()
    doc.records.extend(desc.records(BASE))
    assert validate(list(document_quads(doc)), "release").count("Violation") == 0


def test_votable_refuses_doctype_and_entities() -> None:
    with pytest.raises(ParseError, match="DOCTYPE") as info:
        capture.load_descriptions(DATA / "malformed" / "doctype.xml")
    assert info.value.line == 2 and info.value.source and "doctype.xml" in info.value.source


def test_votable_malformed_and_not_a_votable() -> None:
    with pytest.raises(ParseError) as info:
        read_votable(b"<VOTABLE>\n<RESOURCE>\n</VOTABLE>", source="job.xml")
    assert info.value.line == 3
    with pytest.raises(ParseError, match="not <VOTABLE>"):
        read_votable(b"<html/>", source="job.xml")


@pytest.mark.parametrize(
    ("name", "line"),
    [("trailing-comma.json", 4), ("bad-indent.yaml", 4)],
    ids=["json", "yaml"],
)
def test_malformed_description_files_say_where(name: str, line: int) -> None:
    if name.endswith(".yaml"):
        pytest.importorskip("yaml")
    with pytest.raises(ParseError) as info:
        capture.load_descriptions(DATA / "malformed" / name)
    assert info.value.line == line and name in str(info.value)


def test_unknown_keys_and_missing_names_are_refused() -> None:
    with pytest.raises(InputError, match="unknown key 'multiplicty'"):
        capture.load_descriptions(DATA / "malformed" / "typo.json")
    with pytest.raises(InputError, match="no 'name'"):
        from_mapping({"version": "1"})
    with pytest.raises(InputError, match="declared twice"):
        capture.ActivityDescription("x", usages=["raw", "raw"])  # type: ignore[list-item]


# -- linked from every run ----------------------------------------------------------------


def test_runs_link_to_the_description_and_its_slots(out: Path, tmp_path: Path) -> None:
    desc = python_description()
    capture.register(desc)
    files = {}
    for name in ("raw0.fits.fz", "raw1.fits.fz", "calib.h5", "dl1.h5", "stage1_config.yaml"):
        files[name] = tmp_path / name
        files[name].write_bytes(name.encode())
    runs = []
    for _ in range(2):
        with capture.activity("dl0_to_dl1", description="dl0_to_dl1") as act:
            act.config_file(files["stage1_config.yaml"])
            act.parameter("picture_threshold", 8.0)
            act.parameter("cleaning", "tailcuts")
            act.used(files["raw0.fits.fz"], role="raw")
            act.used(files["raw1.fits.fz"], role="raw")
            act.used(files["calib.h5"], role="calibration")
            act.generated(files["dl1.h5"], role="dl1", derived_from=True)
        runs.append(act)
    for act in runs:
        doc = act.document
        report = validate(list(document_quads(doc)), "release")
        assert report.count("Violation") == 0 and report.count("Warning") == 0, report.text()
        links = {
            (str(r.args["described"]), str(r.args["descriptor"]))
            for r in kinds(doc, "isDescribedBy")
        }
        plan = desc.iri(BASE)
        assert (str(act.iri), str(plan)) in links
        usages = [
            r for r in kinds(doc, "used") if r.id is not None and r.args["activity"] == act.iri
        ]
        for usage in usages:
            role = attr(usage, PROV + "role")[0]
            assert (str(usage.id), str(desc.part_iri(BASE, "usage", role))) in links
        (generation,) = kinds(doc, "wasGeneratedBy")
        assert (str(generation.id), str(desc.part_iri(BASE, "generation", "dl1"))) in links
        for param in kinds(doc, "parameter"):
            name = attr(param, VOPROV + "name")[0]
            assert (str(param.id), str(desc.part_iri(BASE, "parameter", name))) in links
        (config,) = kinds(doc, "configFile")
        assert (
            str(config.id),
            str(desc.part_iri(BASE, "configfile", "stage1_config.yaml")),
        ) in links
        # the plan the software followed
        assoc = [r for r in kinds(doc, "wasAssociatedWith") if "plan" in r.args]
        assert [r.args["plan"] for r in assoc] == [plan]
    # the same description node in both runs, and the same file entities
    first, second = ({r.id for r in kinds(a.document, "activityDescription")} for a in runs)
    assert first == second == {desc.iri(BASE)}


def test_description_given_as_a_file_or_a_name_only(out: Path) -> None:
    with capture.activity("stack_images", description=str(DATA / "opus-job.xml")) as act:
        pass
    assert act.description is not None and act.description.version == "2.1"
    with capture.activity("calibrate", description="ctapipe-process") as act:
        pass  # a name nothing registered: a description with that name and nothing else
    assert act.description == capture.ActivityDescription("ctapipe-process")
    assert validate(list(document_quads(act.document)), "release").count("Violation") == 0  # type: ignore[arg-type]


# -- stepping outside the description -------------------------------------------------------


def test_undeclared_role_and_parameter_are_reported(
    out: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    raw = tmp_path / "raw.fits"
    raw.write_bytes(b"raw")
    calib = tmp_path / "calib.h5"
    calib.write_bytes(b"calib")
    with capture.activity("dl0_to_dl1", description=python_description()) as act:
        act.used(raw, role="raw")
        act.used(calib, role="calibration")
        act.used(raw, role="rwa")  # a typo of the role
        act.parameter("picture_treshold", 8.0)  # a typo of the parameter
        dl1 = tmp_path / "dl1.h5"
        dl1.write_bytes(b"dl1")
        act.generated(dl1, role="dl1")
        act.generated(dl1.with_suffix(".log"), role="log")  # an output nobody declared
    # capture says so in the log at once...
    assert "usage role 'rwa' is not declared" in caplog.text
    assert "parameter 'picture_treshold' is not declared" in caplog.text
    # ...and the SHACL gate refuses the document (an undeclared output is a warning)
    quads = list(document_quads(act.document))  # type: ignore[arg-type]
    for engine in ("provld", "pyshacl"):
        results, _ = check_shapes(quads, shapes_graph("release"), engine=engine)
        found = {
            (r.severity, str(r.shape), r.value.value if r.value is not None else None)
            for r in results
            if "Declared" in str(r.shape)
        }
        assert found == {
            ("Violation", f"<{SHP}DeclaredSlots>", "rwa"),
            ("Violation", f"<{SHP}DeclaredSlots>", "picture_treshold"),
            ("Warning", f"<{SHP}DeclaredOutputs>", "log"),
        }, engine


def test_a_description_that_declares_nothing_is_not_checked(out: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw.fits"
    raw.write_bytes(b"raw")
    with capture.activity("calibrate", description="calibrate") as act:
        act.used(raw, role="raw")
        act.parameter("threshold", 5)
    results, _ = check_shapes(list(document_quads(act.document)), shapes_graph("release"))  # type: ignore[arg-type]
    assert [r for r in results if r.severity == "Violation"] == []


def test_part_iris_are_single_segments() -> None:
    desc = capture.ActivityDescription("x", usages=[capture.UsageDescription("raw data")])
    part = desc.part_iri(BASE, "usage", "raw data")
    assert part == NamedNode(desc.iri(BASE).value + "-usage-raw%20data")
