"""Shared fixtures: a real Oxigraph store on disk, its catalogue, the shared data folder."""

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
        for _ in range(300):
            try:
                requests.get(url + "/health", timeout=2)
                break
            except requests.ConnectionError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        else:
            raise AssertionError("provld serve did not answer")
        if proc.poll() is not None:
            raise AssertionError((store.parent / "serve.log").read_text()[-2000:])
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def snapshot(store: Backend) -> set[tuple[str, str, str, str]]:
    """Every quad of a store, as strings, to compare before and after."""
    result = store.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {(str(r["s"]), str(r["p"]), str(r["o"]), str(r["g"])) for r in result}  # type: ignore[union-attr]
