"""Real SPARQL servers for the tests: Oxigraph server and Virtuoso Open Source, each started
on loopback ports in a temporary directory, plus two small loopback helpers that sit in
front of a server: an HTTP proxy that asks for credentials (basic or bearer) and a TCP
proxy that cuts a connection after a given number of bytes.

``PROVLD_TEST_BACKEND=oxigraph-server`` (or ``virtuoso``) runs the test suite with every
store a test opens on a directory served by a server instead (see :class:`ServerPool` and
``tests/conftest.py``); unset or ``embedded``, the tests use the embedded store as ever.
A server that cannot be started here (no ``oxigraph`` or ``virtuoso-t`` program) skips
the tests that need it, with the reason (``pytest -rs`` prints it).

>>> server_available("embedded")
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests

from provld.store.remote import RemoteBackend

BACKENDS = ("embedded", "oxigraph-server", "virtuoso")
HOST = "127.0.0.1"
VIRTUOSO_SETUP = Path(__file__).resolve().parents[1] / "deploy" / "virtuoso" / "setup.sql"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def oxigraph_program() -> str | None:
    here = Path(sys.executable).with_name("oxigraph")
    return str(here) if here.exists() else shutil.which("oxigraph")


def server_available(kind: str) -> str | None:
    """None when servers of ``kind`` can be started here, else why not."""
    if kind == "oxigraph-server" and oxigraph_program() is None:
        return "the oxigraph server program is not installed (pip install oxigraph)"
    if kind == "virtuoso" and not (shutil.which("virtuoso-t") and shutil.which("isql-vt")):
        return "Virtuoso is not installed (apt-get install virtuoso-opensource)"
    return None


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the server stopped at start: {log.read_text()[-2000:]}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"no answer from {url} after {seconds:g} s: {log.read_text()[-2000:]}")


class Server:
    """A SPARQL server process: :attr:`url` is the store's location, :attr:`options` its
    PROVLD_STORE_* settings."""

    url: str
    port: int
    options: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.proc = None

    def kill(self) -> None:
        """Stop at once, as a crash would."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=20)
            self.proc = None

    def open(self) -> RemoteBackend:
        return RemoteBackend(self.url, self.options)

    def wipe(self) -> None:
        """Remove every graph provld can see (Virtuoso's own graphs are private, and so
        not seen; SELECT DISTINCT ?g would list them all the same)."""
        with self.open() as store:
            result = store.query(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
            )
            graphs = [row["g"] for row in result]  # type: ignore[union-attr]
            for graph in graphs:
                store.remove_graph(graph)


class OxigraphServer(Server):
    """``oxigraph serve`` on ``directory`` and a free loopback port."""

    def __init__(
        self, directory: Path, *, timeout_s: int | None = 60, port: int | None = None
    ) -> None:
        self.directory = directory
        self.timeout_s = timeout_s
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.options = {"PROVLD_STORE_SERVER": "oxigraph"}

    def start(self) -> OxigraphServer:
        program = oxigraph_program()
        assert program is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [program, "serve", "--location", str(self.directory)]
        command += ["--bind", f"{HOST}:{self.port}"]
        if self.timeout_s:
            command += ["--timeout-s", str(self.timeout_s)]
        log = self.directory.with_name(self.directory.name + ".log")
        with log.open("ab") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=out)
        _wait(self.url + "/", self.proc, log, 30)
        return self

    def wipe(self) -> None:
        requests.post(self.url + "/update", data={"update": "DROP ALL"}, timeout=60)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = {host}:{sql}
DisableUnixSocket = 1
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
MaxQueryMem = 500M
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = {host}:{http}
ServerRoot = {d}
MaxClientConnections = 10
ServerThreads = 10
KeepAliveTimeout = 10
Charset = UTF-8
[SPARQL]
; Virtuoso cuts results at ResultSetMaxRows without saying so: above PROVLD_MAX_RESULTS.
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""


class VirtuosoServer(Server):
    """Virtuoso Open Source with its own ini in ``directory``, on free loopback ports;
    updates and the Graph Store as the ``dba`` user a new database has."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.http = self.port = free_port()
        self.sql = free_port()
        self.url = f"http://{HOST}:{self.http}/sparql"
        self.options = {
            "PROVLD_STORE_SERVER": "virtuoso",
            "PROVLD_STORE_USER": "dba",
            "PROVLD_STORE_PASSWORD": "dba",
        }

    def start(self) -> VirtuosoServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        ini = self.directory / "virtuoso.ini"
        ini.write_text(
            VIRTUOSO_INI.format(d=self.directory, host=HOST, sql=self.sql, http=self.http)
        )
        log = self.directory / "stdout.log"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                ["virtuoso-t", "+configfile", str(ini), "+foreground"],
                stdout=out,
                stderr=out,
                cwd=self.directory,
            )
        _wait(self.url, self.proc, log, 120)
        # As the README says: Virtuoso's own graphs out of anonymous queries.
        subprocess.run(
            ["isql-vt", f"{HOST}:{self.sql}", "dba", "dba", str(VIRTUOSO_SETUP)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return self


def start(kind: str, directory: Path) -> Server:
    if kind == "oxigraph-server":
        return OxigraphServer(directory).start()
    if kind == "virtuoso":
        return VirtuosoServer(directory).start()
    raise ValueError(kind)


class ServerPool:
    """Servers standing in for embedded stores: each directory a test opens as a store is
    given a server of its own while the test (or the module, for a module's fixtures)
    runs; a server is wiped before it serves another directory. Reopening a directory
    finds its data, as it would on disk."""

    def __init__(self, kind: str, scratch: Path) -> None:
        self.kind = kind
        self.scratch = scratch
        self.servers: list[Server] = []
        self.assigned: dict[str, Server] = {}
        self.lock = threading.Lock()

    def open(self, location: str) -> RemoteBackend:
        key = str(Path(location).resolve())
        with self.lock:
            server = self.assigned.get(key)
            if server is None:
                busy = set(map(id, self.assigned.values()))
                free = [s for s in self.servers if id(s) not in busy]
                if free:
                    server = free[0]
                    server.wipe()
                else:
                    server = start(self.kind, self.scratch / f"server{len(self.servers)}")
                    self.servers.append(server)
                self.assigned[key] = server
        return server.open()

    def locations(self) -> set[str]:
        return set(self.assigned)

    def release(self, keep: Iterable[str]) -> None:
        """Free the servers of every directory but ``keep``."""
        keep = set(keep)
        with self.lock:
            for key in list(self.assigned):
                if key not in keep:
                    del self.assigned[key]

    def close(self) -> None:
        for server in self.servers:
            server.stop()


# -- loopback helpers in front of a server ------------------------------------------------


class CuttingProxy:
    """A TCP proxy from a loopback port (:attr:`url`) to ``port``, which cuts one
    connection, both ways, when :meth:`arm` says: after ``after`` more bytes towards the
    server, before forwarding data that holds ``on``, or as the server begins to
    ``answer``; ``then`` is called at the cut (to kill the server, say). Connections made
    after the cut pass unharmed."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.cuts = 0
        self._armed: dict[str, Any] | None = None
        self._sent = 0
        self._times = 0
        self.listener = socket.create_server((HOST, 0))
        self.url = f"http://{HOST}:{self.listener.getsockname()[1]}"
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(
        self,
        *,
        after: int | None = None,
        on: bytes | None = None,
        answer: bool = False,
        then: Callable[[], None] | None = None,
        times: int = 1,
    ) -> None:
        """Cut ``times`` connections (counting ``after`` afresh after each cut)."""
        with self.lock:
            self._armed = {"after": after, "on": on, "answer": answer, "then": then}
            self._times = times
            self._sent = 0

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection((HOST, self.target))
            except OSError:
                client.close()
                continue
            both = (client, upstream)
            for args in ((client, upstream, both, True), (upstream, client, both, False)):
                threading.Thread(target=self._pump, args=args, daemon=True).start()

    def _cut_here(self, data: bytes, towards_server: bool) -> bool:
        with self.lock:
            armed = self._armed
            if armed is None:
                return False
            if towards_server:
                self._sent += len(data)
                cut = (armed["after"] is not None and self._sent > armed["after"]) or (
                    armed["on"] is not None and armed["on"] in data
                )
            else:
                cut = armed["answer"]
            if cut:
                self.cuts += 1
                self._times -= 1
                self._sent = 0
                if self._times <= 0:
                    self._armed = None
        if cut and armed["then"] is not None:
            armed["then"]()
        return cut

    def _pump(
        self,
        source: socket.socket,
        sink: socket.socket,
        both: tuple[socket.socket, socket.socket],
        towards_server: bool,
    ) -> None:
        try:
            while data := source.recv(65536):
                if self._cut_here(data, towards_server):
                    for s in both:
                        try:
                            s.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                        s.close()
                    return
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


def auth_proxy(upstream: str, check: Callable[[str | None], bool], challenge: str) -> Any:
    """A WSGI application forwarding every request to ``upstream`` whose ``Authorization``
    header ``check`` accepts, and answering 401 with ``challenge`` to the others (Oxigraph
    server has no authentication of its own: this is the reverse proxy in front of it)."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not check(environ.get("HTTP_AUTHORIZATION")):
            start_response("401 Unauthorized", [("WWW-Authenticate", challenge)])
            return [b"credentials needed"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers = {
            k: environ[h]
            for k, h in (("Content-Type", "CONTENT_TYPE"), ("Accept", "HTTP_ACCEPT"))
            if environ.get(h)
        }
        query = environ.get("QUERY_STRING")
        url = upstream + environ["PATH_INFO"] + (f"?{query}" if query else "")
        answer = requests.request(
            environ["REQUEST_METHOD"], url, data=body, headers=headers, timeout=120
        )
        keep = ("content-type", "server")
        start_response(
            f"{answer.status_code} {answer.reason}",
            [(k, v) for k, v in answer.headers.items() if k.lower() in keep],
        )
        return [answer.content]

    return app


def chosen_backend() -> str:
    kind = os.environ.get("PROVLD_TEST_BACKEND", "embedded").strip() or "embedded"
    if kind not in BACKENDS:
        raise ValueError(f"PROVLD_TEST_BACKEND={kind!r}: one of {', '.join(BACKENDS)}")
    return kind


#: Tests about the embedded store itself, skipped when the stores are servers.
EMBEDDED_ONLY: dict[str, str] = {
    "tests/test_store.py::test_a_second_process_gets_a_clear_error": (
        "the lock that keeps a second process out of an embedded store"
    ),
    "tests/test_store.py::test_a_broken_run_of_blank_nodes_is_refused_not_split": (
        "the embedded store's bulk writer, which cuts its slices between runs"
    ),
    "tests/test_store.py::test_two_local_blank_nodes_in_one_quad_are_refused": (
        "the embedded store's bulk writer, which cuts its slices between runs"
    ),
}


#: Tests whose premise one server does not share, skipped on it (the difference itself is
#: tested in tests/test_backends.py).
DIFFERS: dict[str, dict[str, str]] = {
    "virtuoso": {
        "tests/test_limits.py::test_a_query_past_the_time_limit_is_stopped_and_others_are_served": (
            "Virtuoso refuses ?x p+ ?y with both ends unbound at once instead of running it "
            "(test_backends.py::test_virtuoso_refuses_an_unbounded_transitive_path)"
        ),
        "tests/test_federation.py::test_a_finds_what_b_made_of_its_data": (
            "Virtuoso 7.2 sends a partner 'UNDEF ?p ?o' for a SERVICE inside OPTIONAL whose "
            "variables are bound outside it (test_backends.py::test_virtuoso_service_calls)"
        ),
        "tests/test_limits.py::test_runner_timeout_directly": (
            "Virtuoso refuses ?x p+ ?y with both ends unbound at once instead of running it "
            "(test_backends.py::test_virtuoso_refuses_an_unbounded_transitive_path)"
        ),
    },
}


def skip_reason(kind: str, nodeid: str) -> str | None:
    """Why the test ``nodeid`` does not run with stores of ``kind``, if it does not."""
    if kind == "embedded":
        return None
    if nodeid in EMBEDDED_ONLY:
        return f"embedded store only: {EMBEDDED_ONLY[nodeid]}"
    return DIFFERS.get(kind, {}).get(nodeid)


def redirect_stores(pool: ServerPool, patch: Any) -> None:
    """Make ``open_store`` of a directory open a server of ``pool`` instead, wherever the
    name was imported (``patch`` is a :class:`pytest.MonkeyPatch`)."""
    import provld.store

    original = provld.store.open_store

    def open_store(location: str, options: Any = None) -> Any:
        if provld.store.is_remote(location) or location in {"memory:", ":memory:"}:
            return original(location, options)
        return pool.open(location)

    for module in list(sys.modules.values()):
        if getattr(module, "open_store", None) is original:
            patch.setattr(module, "open_store", open_store)
