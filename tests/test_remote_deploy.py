"""Both production setups under concurrent readers and a writer: the embedded store in
one gunicorn process with threads, and several gunicorn workers sharing an Oxigraph
server. Nothing written is lost, and no reader sees half a document; a setup the store
cannot support refuses to start, with a message."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from .conftest import free_port, shared, wait_for_health
from .sparql_servers import Server

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "deploy" / "gunicorn.conf.py"
TOKEN = "deploy-test-token"
pytest.importorskip("gunicorn")


def _gunicorn(*args: str, **env: str) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "PROVLD_TOKENS": f"ops:{TOKEN}", **env}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONF), *args, "provld.web.wsgi:app"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _workers(proc: subprocess.Popen[bytes]) -> int:
    """How many worker processes the gunicorn master has."""
    children = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == proc.pid:
                children += 1
    return children


@pytest.fixture(params=["embedded-threads", "server-workers"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {"PROVLD_BIND": f"127.0.0.1:{port}", "PROVLD_BASE_URI": f"http://127.0.0.1:{port}/"}
    if request.param == "embedded-threads":
        env["PROVLD_STORE"] = str(tmp_path / "store")
        expected = 1
    else:
        server: Server = request.getfixturevalue("oxigraph_server")
        server.wipe()
        env.update(server.options, PROVLD_STORE=server.url, PROVLD_WORKERS="3")
        expected = 3
    proc = _gunicorn(**env)
    url = f"http://127.0.0.1:{port}"
    if not wait_for_health(url, proc):
        proc.kill()
        pytest.fail(proc.communicate()[0].decode()[-3000:])
    assert _workers(proc) == expected
    yield url, expected
    proc.terminate()
    proc.wait(timeout=30)


def test_concurrent_readers_and_a_writer(site: tuple[str, int]) -> None:
    url, _ = site
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    data = shared("voprov/image_stacking.json").read_bytes()
    count = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER(!STRENDS(STR(?g), '/graph/catalogue')) }"
    )

    def write(i: int) -> requests.Response:
        return requests.post(url + "/documents", data=data, headers=auth, timeout=120)

    def read(i: int) -> int:
        r = requests.get(url + "/sparql", params={"query": count}, timeout=120)
        assert r.status_code == 200, r.text[:300]
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        writes = [pool.submit(write, i) for i in range(5)]
        reads = [pool.submit(read, i) for i in range(40)]
        written = [w.result() for w in writes]
        seen = [r.result() for r in reads]
    assert [w.status_code for w in written] == [201] * 5
    final = read(0)
    per_document = final // 5
    # every document all there or not there, whichever worker answered
    assert final == 5 * per_document > 0
    assert all(n % per_document == 0 for n in seen), seen
    # each document reads back whole from any worker: asked several times over
    locations = {w.headers["Location"] for w in written}
    assert len(locations) == 5
    for location in locations:
        for _ in range(3):
            got = requests.get(
                urljoin(url, location), headers={"Accept": "application/n-triples"}, timeout=60
            )
            assert got.status_code == 200
            assert len([line for line in got.text.splitlines() if line]) == per_document
    listed = requests.get(
        url + "/sparql",
        params={"query": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
        timeout=60,
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert int(listed) == 6  # five documents and the catalogue


@pytest.mark.parametrize(
    "args, env",
    [
        (("-w", "3"), {}),
        (("--preload",), {}),
        ((), {"PROVLD_WORKERS": "2"}),
    ],
    ids=["workers-option", "preload", "workers-variable"],
)
def test_the_embedded_store_refuses_more_than_one_process(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str]
) -> None:
    proc = _gunicorn(
        *args, PROVLD_STORE=str(tmp_path / "store"), PROVLD_BIND=f"127.0.0.1:{free_port()}", **env
    )
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert b"one process only may open it" in out and b"SPARQL server" in out
