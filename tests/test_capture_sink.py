"""Sending captured documents to a real provld server on loopback: the token, the SHACL
gate, the spool while the server is down, exactly-once delivery, an unusable spool."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import BaseWSGIServer, make_server

from provld import capture
from provld.capture import sink
from provld.web import create_app
from tests.conftest import free_port
from tests.server import HOST, LoopbackServer

TOKEN = "s3cret"


class Server:
    """A provld server on a fixed loopback port that can be stopped and started again
    (the same store), to play a server that goes down and comes back."""

    def __init__(self, tmp_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.app = create_app(
            {
                "PROVLD_STORE": str(tmp_path / "server-store"),
                "PROVLD_TOKENS": f"ops:{TOKEN}",
                "PROVLD_BASE_URI": self.url + "/",
            }
        )
        self.wsgi: Any = self.app
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Server:
        self._server = make_server(HOST, self.port, self._dispatch, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.wsgi(environ, start_response)  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def graphs_about(self, iri: str) -> int:
        """How many stored documents mention ``iri`` (asked over HTTP, as anyone would)."""
        query = f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}"
        answer = requests.get(
            self.url + "/sparql",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=10,
        )
        answer.raise_for_status()
        return int(answer.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in [v for v in os.environ if v.startswith("PROVLD_")]:
        monkeypatch.delenv(var)
    yield
    capture.wait(10)
    capture.configure(reset=True)


@pytest.fixture
def server(tmp_path: Path, clean_env: None) -> Iterator[Server]:
    srv = Server(tmp_path).start()
    yield srv
    srv.stop()


def configure(tmp_path: Path, url: str, **more: Any) -> Path:
    spool = tmp_path / "spool"
    capture.configure(reset=True, target=url, token=TOKEN, spool=str(spool), timeout=5, **more)
    return spool


def spooled(spool: Path) -> list[str]:
    return sorted(p.name for p in spool.glob("*.spool"))


def note_of(entry: Path) -> dict[str, Any]:
    """The note on the first line of a spool entry."""
    with open(entry, "rb") as f:
        return json.loads(f.readline())  # type: ignore[no-any-return]


def move_to(spool: Path, url: str) -> None:
    """Point the spooled entries at another server (they were spooled for a dead one)."""
    for entry in spool.glob("*.spool"):
        header, _, data = entry.read_bytes().partition(b"\n")
        note = json.loads(header)
        note["server"] = url
        entry.write_bytes(json.dumps(note).encode() + b"\n" + data)


def test_sent_to_a_server_with_a_token(server: Server, tmp_path: Path) -> None:
    spool = configure(tmp_path, server.url)
    raw = tmp_path / "raw.fits"
    raw.write_bytes(b"raw")
    with capture.activity("calibrate") as act:
        act.used(raw, role="raw")
        with capture.activity("step"):
            pass
    # minted under the server's URL, so the IRIs resolve there
    assert act.iri.value.startswith(server.url + "/id/activity/")
    outcome = capture.flush(timeout=10)
    assert outcome.pending == 0 and spooled(spool) == []
    assert server.graphs_about(act.iri.value) == 1
    page = requests.get(act.iri.value, headers={"Accept": "text/turtle"}, timeout=10)
    assert page.status_code == 200 and "calibrate" in page.text


def test_a_bad_token_keeps_the_document(
    server: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = configure(tmp_path, server.url)
    capture.configure(token="wrong")
    with caplog.at_level(logging.ERROR, logger="provld.capture"):
        with capture.activity("calibrate") as act:
            pass
        capture.flush(timeout=10)
    assert len(spooled(spool)) == 1
    assert "refused the token (HTTP 401)" in caplog.text
    capture.configure(token=TOKEN)  # fixed: the next flush sends it
    capture.flush(timeout=10)
    assert spooled(spool) == [] and server.graphs_about(act.iri.value) == 1


def test_server_down_then_up_arrives_exactly_once(tmp_path: Path, clean_env: None) -> None:
    srv = Server(tmp_path)  # not started: nothing listens on its port
    spool = configure(tmp_path, srv.url)
    with capture.activity("while down") as first:
        result = "task done"
    assert result == "task done"  # the task did not wait for the server
    for _ in range(2):  # several tries while it is down: still one entry, kept
        assert capture.flush(timeout=10).pending == 1
    (entry,) = spool.glob("*.spool")
    assert note_of(entry)["activity"] == first.iri.value
    assert int(entry.with_suffix(".attempts").read_text()) >= 1  # counted before each try
    srv.start()
    try:
        with capture.activity("when up") as second:
            pass  # the next capture sends the backlog too
        capture.wait(10)
        capture.flush(timeout=10)
        capture.flush(timeout=10)  # nothing left to send twice
        assert spooled(spool) == []
        assert srv.graphs_about(first.iri.value) == 1
        assert srv.graphs_about(second.iri.value) == 1
    finally:
        srv.stop()


def test_a_lost_answer_does_not_make_a_duplicate(tmp_path: Path, clean_env: None) -> None:
    """The server stores the document but the answer never reaches the client (a proxy
    error, a timeout): the resend asks first and does not store it again."""
    srv = Server(tmp_path)
    real = srv.app
    posts: list[str] = []

    def lose_answers(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "POST":
            posts.append(environ["PATH_INFO"])
            body = b"".join(real(environ, lambda *a, **k: None))  # stored by the real app
            assert b"graph" in body
            start_response("502 Bad Gateway", [("Content-Type", "text/plain")])
            return [b"upstream answer lost"]
        return real(environ, start_response)  # type: ignore[no-any-return]

    srv.wsgi = lose_answers
    srv.start()
    try:
        spool = configure(tmp_path, srv.url)
        with capture.activity("once") as act:
            pass
        for _ in range(3):  # the background sender, then two explicit flushes
            capture.flush(timeout=10)
        assert posts == ["/documents"]  # sent once: later tries asked and found it
        assert spooled(spool) == []
        assert srv.graphs_about(act.iri.value) == 1
    finally:
        srv.stop()


def test_a_document_the_gate_refuses_is_kept_aside(server: Server, tmp_path: Path) -> None:
    spool = configure(tmp_path, server.url)
    one = capture.ActivityDescription(
        "select", usages=[capture.UsageDescription("dl2", multiplicity="1")]
    )
    with capture.activity("select", description=one) as act:
        for n in range(2):  # two inputs where the description allows one: a violation
            path = tmp_path / f"dl2-{n}.h5"
            path.write_bytes(bytes([n]))
            act.used(path, role="dl2")
    outcome = capture.flush(timeout=10)
    capture.wait(10)
    assert spooled(spool) == []
    rejected = list((spool / "rejected").glob("*.note.json"))
    assert len(rejected) == 1 or outcome.rejected == 1
    note = json.loads(rejected[0].read_text())
    assert note["answer"].startswith("HTTP 422") and "multiplicity" in note["answer"]
    assert len(list((spool / "rejected").glob("*.ttl"))) == 1  # the document too
    assert server.graphs_about(act.iri.value) == 0


def test_unwritable_spool_falls_back_and_the_document_still_arrives(
    server: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    configure(tmp_path, server.url)
    capture.configure(spool=str(blocker / "spool"))  # below a file: cannot be made
    with caplog.at_level(logging.ERROR, logger="provld.capture"):
        with capture.activity("calibrate") as act:
            pass
        capture.flush(timeout=10)
    assert "is not usable; spooling to" in caplog.text
    assert server.graphs_about(act.iri.value) == 1


def test_no_spool_at_all_sends_from_memory(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    configure(tmp_path, server.url)
    capture.configure(spool=str(blocker / "spool"))
    monkeypatch.setattr(tempfile, "tempdir", str(blocker / "tmp"))  # no fallback either
    assert sink.spool_dir(capture.settings()) is None
    with capture.activity("calibrate") as act:
        pass
    capture.flush(timeout=10)
    assert server.graphs_about(act.iri.value) == 1


def test_directory_and_server_both(server: Server, tmp_path: Path) -> None:
    configure(tmp_path, f"{tmp_path / 'copy'},{server.url}", format="provjson")
    with capture.activity("both") as act:
        pass
    capture.flush(timeout=10)
    assert len(list((tmp_path / "copy").glob("*.json"))) == 1
    assert server.graphs_about(act.iri.value) == 1


def test_two_processes_share_a_spool_without_double_sends(server: Server, tmp_path: Path) -> None:
    """Several senders flushing one spool at once (here: threads standing for processes,
    each entry locked with flock) send each document once."""
    spool = configure(tmp_path, "http://127.0.0.1:9")  # nothing listens: all spooled
    acts = []
    for n in range(6):
        with capture.activity(f"run {n}") as act:
            acts.append(act)
    capture.wait(10)
    move_to(spool, server.url)  # they belong to the real server
    capture.configure(target=server.url)
    settings = capture.settings()
    threads = [threading.Thread(target=sink.flush, args=(settings,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert spooled(spool) == []
    assert [server.graphs_about(a.iri.value) for a in acts] == [1] * 6


def test_flush_from_the_command_line(server: Server, tmp_path: Path) -> None:
    import subprocess
    import sys

    spool = configure(tmp_path, "http://127.0.0.1:9")
    with capture.activity("later") as act:
        pass
    capture.wait(10)
    move_to(spool, server.url)
    env = {
        **os.environ,
        "PROVLD_CAPTURE": server.url,
        "PROVLD_CAPTURE_TOKEN": TOKEN,
        "PROVLD_CAPTURE_SPOOL": str(spool),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "provld.cli", "capture", "--flush"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 sent, 0 pending" in proc.stderr
    assert server.graphs_about(act.iri.value) == 1


def test_loopback_helper_is_the_projects() -> None:
    # the tests above use the project's loopback conventions (host, free ports)
    assert LoopbackServer is not None and HOST == "127.0.0.1"
