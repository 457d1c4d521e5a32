"""``provld capture -- COMMAND``: a program not written in Python, recorded from outside."""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from pyoxigraph import Literal, NamedNode

from provld.model import PROV, VOPROV
from provld.readers.ctapipe import CAPTURE
from provld.validate import validate
from provld.vocab import PROVLD

CHILD = (
    "import sys, pathlib; pathlib.Path(sys.argv[1]).write_text('dl1'); sys.exit(int(sys.argv[2]))"
)


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROVLD_")}
    env["PROVLD_CAPTURE"] = str(tmp_path / "prov")
    env["PROVLD_CAPTURE_SPOOL"] = str(tmp_path / "spool")
    return subprocess.run(
        [sys.executable, "-m", "provld.cli", "capture", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def graph(tmp_path: Path) -> pyoxigraph.Store:
    (path,) = (tmp_path / "prov").iterdir()
    store = pyoxigraph.Store()
    store.load(path.read_bytes(), pyoxigraph.RdfFormat.TURTLE)
    return store


def values(store: pyoxigraph.Store, predicate: str) -> list[str]:
    return sorted(q.object.value for q in store.quads_for_pattern(None, NamedNode(predicate), None))


@pytest.mark.parametrize("code", [0, 3], ids=["success", "failure"])
def test_command_is_run_and_recorded(tmp_path: Path, code: int) -> None:
    raw = tmp_path / "run042.fits.fz"
    raw.write_bytes(b"raw events")
    out = tmp_path / "run042.h5"
    command = [sys.executable, "-c", CHILD, str(out), str(code)]
    proc = run(
        tmp_path,
        "--role-in",
        f"raw={raw}",
        "--role-out",
        f"dl1={out}",
        "--param",
        "threshold=5.5",
        "--param",
        "mode=fast",
        "--name",
        "calibrate",
        "--derived",
        "--",
        *command,
    )
    assert proc.returncode == code, proc.stderr  # the command's own exit code
    assert out.read_text() == "dl1"
    store = graph(tmp_path)
    assert values(store, VOPROV + "status") == ["failure" if code else "success"]
    assert values(store, CAPTURE + "exitCode") == [str(code)]
    assert values(store, CAPTURE + "commandLine") == [shlex.join(command)]
    if code:
        assert values(store, VOPROV + "comment") == [f"failed with exit status {code}"]
    assert values(store, PROVLD + "sha256") == sorted(
        hashlib.sha256(p.read_bytes()).hexdigest() for p in (raw, out)
    )
    assert values(store, VOPROV + "role") == ["context", "dl1", "operator", "raw"]
    params = store.quads_for_pattern(None, NamedNode(VOPROV + "value"), None)
    assert sorted(str(q.object) for q in params) == [
        '"5.5"^^<http://www.w3.org/2001/XMLSchema#double>',
        '"fast"',
    ]
    assert list(store.quads_for_pattern(None, NamedNode(PROV + "wasDerivedFrom"), None))
    software = [
        q.subject
        for q in store.quads_for_pattern(
            None, NamedNode(VOPROV + "name"), Literal(os.path.basename(sys.executable))
        )
    ]
    assert software  # the command is the software agent
    report = validate(store, "release")
    assert report.count("Violation") == 0, report.text()


def test_plain_inputs_outputs_and_config(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text("{}")
    data = tmp_path / "in.txt"
    data.write_text("x")
    proc = run(
        tmp_path, "--in", str(data), "--config", str(config), "--", sys.executable, "-c", "pass"
    )
    assert proc.returncode == 0, proc.stderr
    store = graph(tmp_path)
    configs = list(
        store.quads_for_pattern(None, NamedNode(VOPROV + "artefactType"), Literal("ConfigFile"))
    )
    assert len(configs) == 1


def test_command_not_found(tmp_path: Path) -> None:
    proc = run(tmp_path, "--", "no-such-command-provld")
    assert proc.returncode == 127
    assert "command not found" in proc.stderr
    store = graph(tmp_path)
    assert values(store, VOPROV + "status") == ["failure"]


def test_usage_errors(tmp_path: Path) -> None:
    proc = run(tmp_path)
    assert proc.returncode == 2 and "after --" in proc.stderr
    proc = run(tmp_path, "--role-in", "no-equals-sign", "--", "true")
    assert proc.returncode == 2 and "ROLE=FILE" in proc.stderr
