"""The synthetic CTA provenance generator of the benchmarks: deterministic, valid PROV-JSON."""

from __future__ import annotations

import doctest
import importlib.util
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from provld.model import ELEMENT_ARGS, IVOA_ELEMENTS, PROV_ELEMENTS, RELATION_ARGS

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "synth.py"
IVOA_KEYS = [
    "activityDescription",
    "usageDescription",
    "generationDescription",
    "parameterDescription",
    "entityDescription",
    "datasetDescription",
    "valueDescription",
    "parameter",
    "configFile",
    "datasetEntity",
    "wasConfiguredBy",
    "isDescribedBy",
    "isRelatedTo",
]
PROV_KEYS = [
    "entity",
    "activity",
    "agent",
    "used",
    "wasGeneratedBy",
    "wasAssociatedWith",
    "wasAttributedTo",
    "wasDerivedFrom",
    "wasInformedBy",
    "actedOnBehalfOf",
]
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
# Arguments whose values are literals, not references to other records.
_LITERAL_ARGS = {"time", "startTime", "endTime", "artefactType"}


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synth", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["synth"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


synth = _load()


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return synth.generate(30, seed=11)  # type: ignore[no-any-return]


def test_deterministic_for_a_seed() -> None:
    assert synth.generate(5, seed=3) == synth.generate(5, seed=3)
    assert synth.generate(5, seed=3) != synth.generate(5, seed=4)


def test_counts_scale_linearly() -> None:
    base = synth.count_records(synth.generate(0))
    per_run = [(synth.count_records(synth.generate(n)) - base) / n for n in (20, 40)]
    assert all(60 <= p <= 90 for p in per_run), per_run
    assert abs(per_run[0] - per_run[1]) < 0.1 * per_run[0]


def test_ivoa_and_prov_keys_present(doc: dict[str, Any]) -> None:
    for key in ["prefix", *PROV_KEYS, *IVOA_KEYS]:
        assert doc.get(key), f"no {key} records"
    assert doc["prefix"]["voprov"] == "http://www.ivoa.net/documents/ProvenanceDM/index.html#"
    assert doc["prefix"]["cta"] == "https://provenance.cta-observatory.org/id/"


def test_every_record_is_valid_prov_json(doc: dict[str, Any]) -> None:
    known = PROV_ELEMENTS | set(IVOA_ELEMENTS) | set(RELATION_ARGS) | {"prefix"}
    assert set(doc) <= known
    prefixes = doc["prefix"]
    defined = {key for kind, section in doc.items() if kind != "prefix" for key in section}
    for kind, section in doc.items():
        if kind == "prefix":
            continue
        formal = RELATION_ARGS.get(kind) or ELEMENT_ARGS.get(kind, ())
        for key, body in section.items():
            _check_name(key, prefixes)
            for name, value in body.items():
                _check_name(name, prefixes)
                local = name.split(":", 1)[1]
                if local in formal and local not in _LITERAL_ARGS:
                    assert value in defined, f"{kind} {key}: {name} -> {value} is not defined"
                elif local in {"time", "startTime", "endTime"}:
                    assert _DATETIME.match(value), f"{kind} {key}: {name} = {value!r}"
                elif isinstance(value, dict):
                    # typed literal: the schema wants the lexical form as a string
                    assert set(value) == {"$", "type"} and isinstance(value["$"], str)
                    _check_name(value["type"], prefixes)
                else:
                    assert isinstance(value, str), f"{kind} {key}: {name} = {value!r}"
            if kind in RELATION_ARGS:
                first = formal[0]
                ns = (
                    "voprov"
                    if kind in {"wasConfiguredBy", "isDescribedBy", "isRelatedTo"}
                    else "prov"
                )
                assert f"{ns}:{first}" in body, f"{kind} {key} lacks {first}"


def _check_name(name: str, prefixes: dict[str, str]) -> None:
    prefix, sep, _local = name.partition(":")
    assert sep and (prefix == "_" or prefix in prefixes), f"undeclared prefix in {name!r}"


def test_runs_are_chained(doc: dict[str, Any]) -> None:
    # DL3 <- DL2 <- DL1 <- DL0 along derivations, for every run
    derived: dict[str, list[str]] = {}
    for body in doc["wasDerivedFrom"].values():
        derived.setdefault(body["prov:generatedEntity"], []).append(body["prov:usedEntity"])
    labels = {key: body["prov:label"] for key, body in doc["datasetEntity"].items()}
    dl3 = [key for key, label in labels.items() if label.startswith("DL3")]
    assert len(dl3) == 30
    for product in dl3:
        chain = [product]
        while chain[-1] in derived:
            chain.append(derived[chain[-1]][0])
        words = [labels[p].split()[0] for p in chain]
        assert words[:4] == ["DL3", "DL2", "DL2", "DL1"] and len(words) == 5, words
        assert words[4].startswith("LST-")  # a raw DL0 subrun


def test_selection_parameters_are_configured_and_described(doc: dict[str, Any]) -> None:
    params = doc["parameter"]
    assert 2 * 30 <= len(params) <= 3 * 30
    configured = {b["voprov:configurator"] for b in doc["wasConfiguredBy"].values()}
    described = {
        b["voprov:described"]: b["voprov:descriptor"] for b in doc["isDescribedBy"].values()
    }
    for key, body in params.items():
        assert key in configured
        assert described[key] in doc["parameterDescription"]
        assert body["prov:value"]["type"] == "xsd:double"


def test_write_streams_the_same_document() -> None:
    out = io.StringIO()
    count = synth.write(out, 12, seed=5)
    written = json.loads(out.getvalue())
    assert written == synth.generate(12, seed=5)
    assert count == synth.count_records(written)


def test_cli_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "cta.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--runs", "5", "--seed", "2", "-o", str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc == synth.generate(5, seed=2)
    assert f"{synth.count_records(doc)} records" in result.stdout
    assert f"{target.stat().st_size} bytes" in result.stdout


def test_reads_back_as_prov() -> None:
    from provld.readers.provjson import read_provjson

    doc = read_provjson(json.dumps(synth.generate(3, seed=1)))
    assert len(doc.records) == synth.count_records(synth.generate(3, seed=1))


def test_doctests() -> None:
    assert doctest.testmod(synth).failed == 0
