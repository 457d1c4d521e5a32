"""The ontology, shapes and queries ship in the package and are found from a wheel and
from an editable install alike; the domain never imports Flask."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from provld.resources import data_file, list_files, named_query

ROOT = Path(__file__).resolve().parents[1]
CHECK = (
    "import provld, provld.resources as r; "
    "print(provld.__file__); "
    "print(len(r.data_file('ontology', 'provdm.ttl').read_text())); "
    "print(r.list_files('sparql', '.rq'))"
)


def test_resources_from_the_checkout() -> None:
    assert "owl:Ontology" in data_file("ontology", "provdm.ttl").read_text()
    assert "graphs.rq" in list_files("sparql", ".rq")
    assert "SELECT" in named_query("graphs")


@pytest.mark.slow
def test_resources_from_an_installed_wheel(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    wheel = next(dist.glob("provld-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "provld/ontology/provdm.ttl" in names
    assert "provld/ontology/vocabularies.ttl" in names
    assert "provld/sparql/graphs.rq" in names
    assert "provld/py.typed" in names
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    # Run from an empty directory with only the installed copy on the path first.
    proc = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    where, size, queries = proc.stdout.splitlines()
    assert where.startswith(str(target))
    assert int(size) > 1000
    assert "graphs.rq" in queries


def test_the_domain_does_not_import_flask() -> None:
    code = (
        "import sys; import provld.cli, provld.documents, provld.ingest, provld.export, "
        "provld.query, provld.store; print('flask' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "False", proc.stderr


def test_every_package_is_listed_for_the_wheel() -> None:
    """pyproject.toml names its packages one by one: a new one left out would be missing
    from the wheel while the editable install still finds it."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(root).parts)
        for p in (root / "provld").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found <= listed, f"not in [tool.setuptools] packages: {sorted(found - listed)}"
