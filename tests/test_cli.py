"""The provld command: load, query, export, documents, remove; exit codes and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from provld.cli import main

from .conftest import DATA, shared


@pytest.fixture
def run(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]):
    store = str(tmp_path / "store")

    def invoke(*args: str) -> tuple[int, str, str]:
        code = main([*args, "--store", store])
        out, err = capsysbinary.readouterr()
        return code, out.decode(), err.decode()

    return invoke


def test_load_prints_the_graph_iri_and_query_sees_it(run) -> None:
    code, out, err = run("load", str(shared("voprov/image_stacking.json")))
    assert code == 0, err
    graph = out.strip()
    assert graph.startswith("http://localhost:5000/graph/")
    code, out, _ = run(
        "query",
        "PREFIX voprov: <http://www.ivoa.net/documents/ProvenanceDM/index.html#> "
        "SELECT ?p WHERE { ?p a voprov:Parameter } ORDER BY ?p",
        "--format",
        "json",
    )
    assert code == 0
    rows = json.loads(out)["results"]["bindings"]
    assert len(rows) == 4
    code, out, _ = run("documents")
    assert code == 0 and graph in out


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv", "table"])
def test_query_result_formats(run, fmt: str) -> None:
    run("load", str(shared("w3c-prov/association7.ttl")))
    # the source gives only the qualified association: the plain triple is completed
    query = "SELECT ?s WHERE { ?a <http://www.w3.org/ns/prov#wasAssociatedWith> ?s }"
    code, out, err = run("query", query, "--format", fmt)
    assert code == 0, err
    assert "example.org/ag" in out


def test_construct_goes_out_in_rdf_and_prov_formats(run) -> None:
    run("load", str(shared("w3c-prov/association7.ttl")))
    q = "CONSTRUCT { ?a ?p ?o } WHERE { ?a a <http://www.w3.org/ns/prov#Activity> ; ?p ?o }"
    code, out, _ = run("query", q, "--format", "ntriples")
    assert code == 0 and "<http://www.w3.org/ns/prov#Activity>" in out
    code, out, _ = run("query", q, "--format", "provjson")
    assert code == 0 and '"activity"' in out


def test_export_whole_store_and_one_graph(run, tmp_path: Path) -> None:
    _, out, _ = run("load", str(shared("w3c-prov/member2.ttl")))
    graph = out.strip()
    code, out, _ = run("export", "--graph", graph, "--format", "turtle")
    assert code == 0 and "prov:hadMember" in out
    target = tmp_path / "all.nq"
    code, _, _ = run("export", "-o", str(target))
    assert code == 0 and graph in target.read_text()
    code, _, err = run("export", "--graph", "http://localhost:5000/graph/nope")
    assert code == 1 and "no document" in err


def test_a_malformed_file_is_one_line_with_position_and_exit_2(run) -> None:
    bad = DATA / "turtle" / "malformed" / "missing-object.ttl"
    code, out, err = run("load", str(bad))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert f"{bad}:3:" in lines[0] and "nothing stored" in lines[0]
    code, _, _ = run("documents")
    assert code == 1  # nothing stored, nothing found


def test_good_files_are_stored_even_when_another_fails(run) -> None:
    bad = DATA / "provjson" / "malformed" / "unknown-kind.json"
    code, out, err = run("load", str(shared("w3c-prov/usage5.json")), str(bad))
    assert code == 2
    assert len(out.split()) == 1 and "unknown record kind 'entitty'" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (("load", "/nonexistent/file.ttl"), "No such file"),
        (("load", "x.ttl", "--format", "yaml"), "unknown format"),
        (("query", "SELECT WHERE {"), "malformed query"),
        (("query",), "give a query"),
        (("export", "--format", "html"), "can be exported"),
        (("export", "--graph", "not an iri"), "not a valid IRI"),
    ],
)
def test_usage_and_input_errors(run, args: tuple[str, ...], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_the_console_script_never_shows_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"entity": {"e": ')
    proc = subprocess.run(
        [sys.executable, "-m", "provld.cli", "load", str(bad), "--store", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{bad}:1:" in proc.stderr
