"""Shared fixtures: a real Oxigraph store on disk, its catalogue, the shared data folder."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def snapshot(store: Backend) -> set[tuple[str, str, str, str]]:
    """Every quad of a store, as strings, to compare before and after."""
    result = store.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {(str(r["s"]), str(r["p"]), str(r["o"]), str(r["g"])) for r in result}  # type: ignore[union-attr]
