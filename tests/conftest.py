"""Shared fixtures: a real Oxigraph store on disk, its catalogue, the shared data folder.

With ``PROVLD_TEST_BACKEND=oxigraph-server`` or ``=virtuoso``, every store a test opens on
a directory is kept by a real server of that kind instead (tests/sparql_servers.py), so
the same tests run unchanged on each backend; tests about the embedded store alone are
skipped there, with the reason (``EMBEDDED_ONLY``).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from provld.documents import Catalogue
from provld.store import open_store
from provld.store.base import Backend
from provld.store.oxigraph import OxigraphBackend

from . import sparql_servers

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SHARED = HERE.parents[1] / "shared" / "data"
BASE = "http://localhost:5000/"


def shared(relative: str) -> Path:
    """A file of the team's shared data folder; skips the test when it is absent."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kind = sparql_servers.chosen_backend()
    for item in items:
        reason = sparql_servers.skip_reason(kind, item.nodeid.split("[")[0])
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def server_stores(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[sparql_servers.ServerPool | None]:
    """PROVLD_TEST_BACKEND's servers, standing in for every store opened on a directory."""
    kind = sparql_servers.chosen_backend()
    if kind == "embedded":
        yield None
        return
    reason = sparql_servers.server_available(kind)
    if reason:
        pytest.skip(reason)
    pool = sparql_servers.ServerPool(kind, tmp_path_factory.mktemp(kind))
    with pytest.MonkeyPatch.context() as patch:
        sparql_servers.redirect_stores(pool, patch)
        yield pool
    pool.close()


@pytest.fixture(scope="module", autouse=True)
def _module_stores(server_stores: sparql_servers.ServerPool | None) -> Iterator[None]:
    before = server_stores.locations() if server_stores else set()
    yield
    if server_stores:
        server_stores.release(before)


@pytest.fixture(autouse=True)
def _test_stores(server_stores: sparql_servers.ServerPool | None) -> Iterator[None]:
    before = server_stores.locations() if server_stores else set()
    yield
    if server_stores:
        server_stores.release(before)


def _session_server(kind: str, folder: Path) -> Iterator[sparql_servers.Server]:
    """A server of ``kind`` for the session, on loopback (skips with the reason when it
    cannot run here)."""
    reason = sparql_servers.server_available(kind)
    if reason:
        pytest.skip(reason)
    server = sparql_servers.start(kind, folder)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sparql_servers.Server]:
    """An Oxigraph server for the session, on a loopback port (wipe it before use)."""
    folder = tmp_path_factory.mktemp("oxigraph") / "data"
    yield from _session_server("oxigraph-server", folder)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sparql_servers.Server]:
    """A Virtuoso server for the session, on loopback ports (wipe it before use)."""
    folder = tmp_path_factory.mktemp("virtuoso")
    yield from _session_server("virtuoso", folder)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``backend``: a storage test runs on every backend, or on those its
    ``@pytest.mark.backend(...)`` names."""
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backend")
        kinds = list(marker.args) if marker else list(sparql_servers.BACKENDS)
        metafunc.parametrize("backend", kinds, indirect=True, ids=kinds)


@pytest.fixture
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty store of the kind the test is parametrised with."""
    kind = request.param
    if kind == "embedded":
        opened: Backend = OxigraphBackend(str(tmp_path / "embedded"))
    else:
        name = "oxigraph_server" if kind == "oxigraph-server" else "virtuoso_server"
        server = request.getfixturevalue(name)
        server.wipe()
        opened = server.open()
    yield opened
    opened.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Backend]:
    backend = open_store(str(tmp_path / "store"))
    yield backend
    backend.close()


@pytest.fixture
def catalogue(store: Backend) -> Catalogue:
    return Catalogue(store, BASE)


def free_port() -> int:
    """A free TCP port on the loopback interface, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_health(url: str, proc: subprocess.Popen[bytes], tries: int = 300) -> bool:
    """Poll ``url``/health every 0.1 s until it answers 200; False if the server process
    ends first or ``tries`` polls go unanswered."""
    for _ in range(tries):
        try:
            if requests.get(url + "/health", timeout=2).status_code == 200:
                return True
        except requests.ConnectionError:
            pass
        if proc.poll() is not None:
            return False
        time.sleep(0.1)
    return False


@contextmanager
def serve_demo(store: Path) -> Iterator[str]:
    """``provld serve --demo`` in a subprocess on a free loopback port; yields its URL.

    The server's log goes to a file next to the store: an unread pipe would fill up and
    stall the server once enough requests have been logged.
    """
    port = free_port()
    log = (store.parent / "serve.log").open("wb")
    command = [sys.executable, "-m", "provld.cli", "serve", "--demo", "--port", str(port)]
    proc = subprocess.Popen([*command, "--store", str(store)], stdout=log, stderr=log)
    url = f"http://localhost:{port}"
    try:
        if not wait_for_health(url, proc):
            log.flush()
            raise AssertionError(
                "provld serve did not answer: " + (store.parent / "serve.log").read_text()[-2000:]
            )
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def snapshot(store: Backend) -> set[tuple[str, str, str, str]]:
    """Every quad of a store, as strings, to compare before and after."""
    result = store.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {(str(r["s"]), str(r["p"]), str(r["o"]), str(r["g"])) for r in result}  # type: ignore[union-attr]
