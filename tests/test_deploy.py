"""The production setup: gunicorn with the embedded store serves concurrent readers and a
writer correctly, and refuses to start in a way the store cannot support."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from .conftest import free_port, shared, wait_for_health

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "deploy" / "gunicorn.conf.py"
TOKEN = "deploy-test-token"
pytest.importorskip("gunicorn")


def _gunicorn(tmp_path: Path, **env: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "PROVLD_STORE": str(tmp_path / "store"),
        "PROVLD_TOKENS": f"ops:{TOKEN}",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONF), "provld.web.wsgi:app"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = _gunicorn(
        tmp_path, PROVLD_BIND=f"127.0.0.1:{port}", PROVLD_BASE_URI=f"http://127.0.0.1:{port}/"
    )
    url = f"http://127.0.0.1:{port}"
    if not wait_for_health(url, proc, tries=100):
        proc.kill()
        pytest.fail(proc.communicate()[1].decode()[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_concurrent_readers_and_a_writer(server: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    data = shared("voprov/image_stacking.json").read_bytes()
    count = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER(!STRENDS(STR(?g), '/graph/catalogue')) }"
    )

    def write(i: int) -> int:
        return requests.post(server + "/documents", data=data, headers=auth, timeout=60).status_code

    def read(i: int) -> int:
        r = requests.get(server + "/sparql", params={"query": count}, timeout=60)
        assert r.status_code == 200
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        writes = [pool.submit(write, i) for i in range(5)]
        reads = [pool.submit(read, i) for i in range(40)]
        assert [w.result() for w in writes] == [201] * 5
        seen = [r.result() for r in reads]
    final = read(0)
    # every document is all there or not there: what readers saw is a whole number of
    # documents, never a half-written one
    per_document = final // 5
    assert final == 5 * per_document > 0
    assert all(n % per_document == 0 for n in seen), seen
    docs = requests.get(
        server + "/sparql",
        params={"query": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
        timeout=30,
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert int(docs) == 6  # five documents and the catalogue


def test_several_workers_on_the_embedded_store_refuse_to_start(tmp_path: Path) -> None:
    proc = _gunicorn(tmp_path, PROVLD_WORKERS="3", PROVLD_BIND=f"127.0.0.1:{free_port()}")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert b"one process only" in err + out
