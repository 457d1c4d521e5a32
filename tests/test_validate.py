"""Validation: profiles, reports, the engines agreeing, real documents, the release gate
in ``Catalogue.load`` and the ``provld validate`` command."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import rdflib
import rdflib.util
from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store, Triple, parse

from provld.cli import main
from provld.documents import Catalogue
from provld.errors import InputError, ValidationError
from provld.formats import guess, lookup
from provld.ingest import document_quads
from provld.validate import StoredGraph, validate, validation_quads

from .conftest import BASE, DATA, SHARED, shared, snapshot

SHP = "https://w3id.org/provld/shapes#"
GRAPH = NamedNode("http://localhost:5000/graph/test")


def _quads(path: Path) -> list[Quad]:
    data = path.read_bytes()
    fmt = guess(path=str(path), content=data)
    return list(document_quads(data, fmt, GRAPH, source=str(path), local_base=BASE + "id/t/"))


def _synth(runs: int) -> list[Quad]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import synth

    data = json.dumps(synth.generate(runs, seed=3)).encode()
    return list(
        document_quads(
            data, lookup("provjson"), GRAPH, source="synth.json", local_base=BASE + "id/s/"
        )
    )


def _by_shape(report: object) -> Counter[tuple[str, str]]:
    return Counter(
        (r.severity, r.shape.value.removeprefix(SHP))  # type: ignore[attr-defined]
        for r in report.results  # type: ignore[attr-defined]
    )


# -- real documents ------------------------------------------------------------------


def test_the_voprov_document_breaks_one_rule_of_the_recommendation() -> None:
    quads = _quads(shared("voprov/image_stacking.json"))
    assert validate(quads, "basic").results == []
    report = validate(quads, "release", document="image_stacking.json")
    # Genuine: the three raw frames are DatasetEntity described by raw_image, a plain
    # EntityDescription, where the VO-DML subsets DatasetEntity's description to
    # DatasetDescription. The warnings: agent roles "executor" and "calibrator", and the
    # activity type "Combination", are not terms of the REC's lists.
    assert _by_shape(report) == {
        ("Violation", "DatasetEntityDescription"): 3,
        ("Warning", "AgentRoleVocabulary"): 12,
        ("Warning", "ActivityTypeVocabulary"): 1,
    }
    focus = {r.focus.value for r in report.results if r.severity == "Violation"}
    assert focus == {f"http://myobservatory.com/instrument#image{i}.fits" for i in (1, 2, 3)}
    assert not report.conforms


def test_the_synthetic_cta_document_conforms_with_known_warnings() -> None:
    report = validate(_synth(4), "release")
    assert report.conforms
    assert {shape for _, shape in _by_shape(report)} == {
        "AgentRoleVocabulary",  # "pipeline", "shift operator", "trainer", "analyst"
        "UsageTypeVocabulary",  # "science events", "coefficients"...
        "ActivityTypeVocabulary",  # "Packaging"
        "DeclaredOutputs",  # selection's n_events count, not in its description's outputs
    }
    assert {severity for severity, _ in _by_shape(report)} == {"Warning"}


def _prov_o_pass_files() -> list[Path]:
    root = SHARED / "testsuites" / "prov-o-examples"
    return sorted(p for p in root.rglob("*-PASS*") if p.suffix in (".ttl", ".trig"))


@pytest.mark.parametrize("path", _prov_o_pass_files(), ids=lambda p: p.name)
def test_prov_o_pass_examples_pass_the_basic_profile(path: Path) -> None:
    report = validate(_quads(path), "basic", document=path.name)
    assert report.results == [], report.text()


# -- the engines agree ---------------------------------------------------------------


def _skolem(quads: list[Quad] | list[Triple]) -> list[Triple]:
    """Blank nodes as IRIs, so that both engines' reports name the same nodes."""

    def term(t: object) -> object:
        return NamedNode(f"urn:bnode:{t.value}") if isinstance(t, BlankNode) else t  # type: ignore[attr-defined]

    return [Triple(term(q.subject), q.predicate, term(q.object)) for q in quads]  # type: ignore[arg-type]


def _agreement_cases() -> list[tuple[str, str]]:
    cases = [(str(p), "release") for p in sorted((DATA / "shapes").glob("*.ttl"))]
    cases += [("voprov", "release"), ("voprov", "basic"), ("synth", "release")]
    cases += [(str(p), "basic") for p in _prov_o_pass_files()[:6]]
    return cases


@pytest.mark.parametrize(
    "case, profile", _agreement_cases(), ids=lambda x: Path(x).name if "/" in x else x
)
def test_provld_engine_reports_exactly_what_pyshacl_reports(case: str, profile: str) -> None:
    if case == "voprov":
        triples = _skolem(_quads(shared("voprov/image_stacking.json")))
    elif case == "synth":
        triples = _skolem(_synth(2))
    elif case.endswith(".ttl") and "/shapes/" in case:
        triples = _skolem(list(parse(path=case, format=RdfFormat.TURTLE)))
    else:
        triples = _skolem(_quads(Path(case)))
    mine = validate(triples, profile)
    reference = validate(triples, profile, engine="pyshacl")
    assert _keys(mine) == _keys(reference)


def _keys(report: object) -> set[tuple[object, ...]]:
    """Result keys, literal values compared as values: rdflib writes "Z" as "+00:00"."""

    def value(text: str) -> object:
        if not text.startswith('"'):
            return text
        literal = rdflib.util.from_n3(text)
        return (literal.toPython(), literal.datatype, literal.language)  # type: ignore[union-attr]

    return {
        (*key[:3], value(key[3]), *key[4:])
        for key in (r.key() for r in report.results)  # type: ignore[attr-defined]
    }


# -- reports ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken() -> object:
    return validate(
        list(parse(path=str(DATA / "shapes" / "UsageDescribed.fail.ttl"), format=RdfFormat.TURTLE)),
        document="run.ttl",
    )


def test_text_report_names_document_focus_value_and_message(broken: object) -> None:
    text = broken.text()  # type: ignore[attr-defined]
    assert text.startswith("run.ttl: does not conform to the release profile: 1 violation")
    assert "VIOLATION usage matches its description (shp:UsageDescribed)" in text
    assert "<http://example.org/a>" in text and 'value: "dl0"' in text
    assert "differs from the role of the usage description" in text


def test_turtle_report_is_a_shacl_validation_report(broken: object) -> None:
    g = rdflib.Graph().parse(data=broken.turtle(), format="turtle")  # type: ignore[attr-defined]
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    report = next(g.subjects(rdflib.RDF.type, sh.ValidationReport))
    assert g.value(report, sh.conforms).toPython() is False  # type: ignore[union-attr]
    assert len(list(g.objects(report, sh.result))) == 1


def test_json_report_for_programs(broken: object) -> None:
    body = json.loads(broken.json())  # type: ignore[attr-defined]
    assert body["conforms"] is False and body["counts"] == {"violation": 1, "warning": 0, "info": 0}
    result = body["results"][0]
    assert result["focusNode"] == "http://example.org/a"
    assert result["value"]["value"] == "dl0" and result["shape"] == SHP + "UsageDescribed"


def test_warnings_and_infos_do_not_block() -> None:
    path = DATA / "shapes" / "ActivityDescribed.fail.ttl"
    report = validate(list(parse(path=str(path), format=RdfFormat.TURTLE)))
    assert [r.severity for r in report.results] == ["Info"] and report.conforms


def test_unknown_profile_or_engine_is_an_input_error() -> None:
    with pytest.raises(InputError, match="basic or release"):
        validate([], "strict")
    with pytest.raises(InputError, match="engine"):
        validate([], engine="fast")


def test_a_stored_graph_is_validated_in_place(catalogue: Catalogue, store: object) -> None:
    stored = catalogue.load(
        shared("voprov/image_stacking.json").read_bytes(),
        lookup("provjson"),
        source="image_stacking.json",
    )
    in_place = validate(StoredGraph(store, stored.graph), "release")  # type: ignore[arg-type]
    assert _by_shape(in_place)[("Violation", "DatasetEntityDescription")] == 3


# -- the release gate --------------------------------------------------------------------


def test_load_refuses_a_violation_and_stores_nothing(catalogue: Catalogue, store: object) -> None:
    before = snapshot(store)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        catalogue.load(
            shared("voprov/image_stacking.json").read_bytes(),
            lookup("provjson"),
            source="image_stacking.json",
            validate=functools.partial(validate, profile="release"),
        )
    assert caught.value.report.count("Violation") == 3
    assert "3 violations of the release profile" in str(caught.value)
    assert snapshot(store) == before  # type: ignore[arg-type]


@pytest.mark.parametrize("bulk", [False, True], ids=["transaction", "bulk"])
def test_load_records_the_validation_run_as_prov(
    catalogue: Catalogue, store: object, bulk: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if bulk:  # the path of big documents, taken here by a small one
        monkeypatch.setattr(type(store), "bulk_allowed", lambda self, size: True)
    stored = catalogue.load(
        shared("voprov/image_stacking.json").read_bytes(),
        lookup("provjson"),
        source="image_stacking.json",
        validate=functools.partial(validate, profile="basic"),
    )
    rows = list(
        store.query(  # type: ignore[attr-defined]
            """PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX provld: <https://w3id.org/provld/ns#>
        SELECT ?doc ?run ?report ?shapes WHERE { GRAPH ?c {
          ?run a provld:Validation ; prov:used ?doc , ?shapes ;
               prov:wasAssociatedWith [ a prov:SoftwareAgent ] .
          ?shapes a provld:ShapesFile .
          ?report prov:wasGeneratedBy ?run ; provld:conforms true ;
                  provld:profile "basic" } }""",
            bindings={"doc": stored.graph},
        )
    )
    assert len(rows) == 1  # basic: one shapes file
    assert catalogue.exists(stored.graph)


def test_validation_quads_pin_each_shapes_file() -> None:
    report = validate([], "release", document="d")
    quads = list(validation_quads(report, GRAPH, NamedNode(BASE + "graph/catalogue"), BASE))
    store = Store()
    store.extend(quads)
    files = list(
        store.query(
            "SELECT ?label ?sha WHERE { GRAPH ?g { ?f a <https://w3id.org/provld/ns#ShapesFile> ;"
            " <http://www.w3.org/2000/01/rdf-schema#label> ?label ;"
            " <https://w3id.org/provld/ns#sha256> ?sha } }"
        )
    )
    assert sorted(r["label"].value for r in files) == sorted(report.shapes)
    assert all(len(r["sha"].value) == 64 for r in files)


# -- the command -------------------------------------------------------------------------


@pytest.fixture
def run(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]):
    store = str(tmp_path / "store")

    def invoke(*args: str, store_option: bool = True) -> tuple[int, str, str]:
        code = main([*args, "--store", store] if store_option else list(args))
        out, err = capsysbinary.readouterr()
        return code, out.decode(), err.decode()

    return invoke


def test_validate_command_exit_codes_and_reports(run) -> None:
    good = str(DATA / "shapes" / "MultiplicityFits.pass.ttl")
    bad = str(DATA / "shapes" / "MultiplicityFits.fail.ttl")
    code, out, _ = run("validate", good, store_option=False)
    assert code == 0 and "conforms to the release profile" in out
    code, out, _ = run("validate", good, bad, "--report", "json", store_option=False)
    assert code == 1
    body = json.loads(out)
    assert [d["conforms"] for d in body] == [True, False]
    code, out, _ = run("validate", bad, "--report", "turtle", store_option=False)
    assert code == 1 and "sh:ValidationReport" in out
    code, _, err = run(
        "validate", str(DATA / "turtle" / "malformed" / "missing-object.ttl"), store_option=False
    )
    assert code == 2 and "missing-object.ttl:3:" in err


def test_load_profile_and_no_validate(run) -> None:
    voprov = str(shared("voprov/image_stacking.json"))
    code, out, err = run("load", voprov, "--profile", "release")
    assert code == 1 and out == ""
    assert "3 violations of the release profile" in err and "nothing stored" in err
    assert "DatasetEntityDescription" in err
    code, out, _ = run("load", voprov)  # the default profile, basic
    assert code == 0
    code, out, _ = run("load", voprov, "--profile", "release", "--no-validate")
    assert code == 0 and out.startswith("http://localhost:5000/graph/")


def test_validate_store_rechecks_every_stored_document(run) -> None:
    run("load", str(shared("voprov/image_stacking.json")))
    run("load", str(DATA / "shapes" / "MultiplicityFits.pass.ttl"))
    code, out, _ = run("validate", "--report", "json")  # "--store PATH" from the fixture
    assert code == 1
    body = json.loads(out)
    assert sorted(d["conforms"] for d in body) == [False, True]
    code, out, _ = run("validate", "--profile", "basic")
    assert code == 0


def test_the_validation_domain_does_not_load_flask() -> None:
    code = (
        "import sys, provld.validate, provld.shacl_sparql, provld.report; "
        "sys.exit('flask' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
