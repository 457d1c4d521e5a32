"""Public queries with a time limit, a result limit and bounded memory.

pyoxigraph has no timeout or cancellation, and some queries (a transitive path with both
ends unbound) compute everything before LIMIT applies. So a public query runs in a worker
process that opens the store read-only (RocksDB allows that beside the one writer): when
it runs past the time limit the process is killed, its memory is capped by RLIMIT_AS, and
the server goes on answering others. The worker materialises at most ``max_results`` rows
or triples and sends them back as SPARQL JSON results or N-Triples; past the limit, the
client gets an error, never a truncated 200.

Workers are kept in a small pool; a killed worker is replaced. An in-memory store cannot
be opened from another process: its queries run in-process, with the result limit only.
A SPARQL server (:mod:`provld.store.remote`) runs the query itself: it gets the time
limit (an HTTP timeout, and the server's own limit where it takes one per query).
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import resource
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    Triple,
)

from provld.errors import ProvldError, QueryError, StoreError
from provld.store.base import Backend, QueryResult, StoreTimeout


class QueryTimeout(ProvldError):
    """A query ran past the time limit and was stopped (HTTP 503)."""


@dataclass(frozen=True, slots=True)
class Limits:
    timeout: float = 10.0
    max_results: int = 100_000
    max_memory: int = 2 * 1024**3  # bytes of address space a worker may use


def _term(term: Any) -> dict[str, str]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "literal", "value": str(term)}


def materialise(result: QueryResult, max_results: int) -> tuple[str, bytes]:
    """(kind, bytes): a result read to the end, at most ``max_results`` rows or triples.

    ``kind`` is ``"results"`` (SPARQL JSON) or ``"triples"`` (N-Triples).
    """
    if isinstance(result, QueryBoolean):
        return "results", json.dumps({"head": {}, "boolean": bool(result)}).encode()
    if isinstance(result, QueryTriples):
        lines = []
        for i, triple in enumerate(result):
            if i >= max_results:
                raise QueryError(f"the query gives more than {max_results} triples")
            lines.append(f"{triple.subject} {triple.predicate} {triple.object} .\n")
        return "triples", "".join(lines).encode()
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    rows = []
    for i, solution in enumerate(result):
        if i >= max_results:
            raise QueryError(
                f"the query gives more than {max_results} rows: add a LIMIT, "
                "or ask a smaller question"
            )
        rows.append({n: _term(solution[n]) for n in names if solution[n] is not None})
    body = {"head": {"vars": names}, "results": {"bindings": rows}}
    return "results", json.dumps(body).encode()


def rebuild(kind: str, data: bytes) -> QueryResult | list[Triple]:
    """The pyoxigraph result (or list of triples) from :func:`materialise`'s output."""
    if kind == "triples":
        return list(pyoxigraph.parse(data, pyoxigraph.RdfFormat.N_TRIPLES))  # type: ignore[arg-type]
    return pyoxigraph.parse_query_results(data, QueryResultsFormat.JSON)


def _worker(conn: Connection, location: str, max_memory: int) -> None:
    """Worker process: answer queries on a read-only view of the store until told to stop."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    except (ValueError, OSError):
        pass
    view = _View(location)
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        sparql, graphs, named, max_results, generation = request
        try:
            conn.send(("ok",) + _answer(view, generation, sparql, graphs, named, max_results))
        except SyntaxError as exc:
            conn.send(("query", f"malformed query: {exc}", b""))
        except QueryError as exc:
            conn.send(("query", str(exc), b""))
        except MemoryError:
            conn.send(("large", "the query needs more memory than a query may use", b""))
        except Exception as exc:  # noqa: BLE001 - reported to the client as a store error
            conn.send(("store", f"{type(exc).__name__}: {exc}", b""))


#: Times a query is tried again when the files of the store changed under its read-only
#: view (see _answer).
_REOPEN = 3


class _View:
    """A worker's read-only view of the store, kept while the store's generation (its
    count of writes, sent with each query) stays the same: opening one takes about 10 ms
    and its first query runs on a cold cache (a typical SELECT: 53 ms opened each time,
    28 ms on a kept view)."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.store: pyoxigraph.Store | None = None
        self.generation: int | None = None

    def at(self, generation: int | None) -> pyoxigraph.Store:
        """The view as of ``generation`` (None: unknown, open a new one)."""
        if self.store is None or generation is None or generation != self.generation:
            self.store = None  # the old view's files are let go before the new one opens
            self.store = pyoxigraph.Store.read_only(self.location)
            self.generation = generation
        return self.store

    def drop(self) -> None:
        self.store = None


def _answer(
    view: _View,
    generation: int | None,
    sparql: str,
    graphs: list[str] | None,
    named: list[str] | None,
    max_results: int,
) -> tuple[str, bytes]:
    """One query on a read-only view of the store as of ``generation``, read to the end.

    The writing process compacts RocksDB in the background: a view opened while it does
    may list a file that is deleted a moment later ("Corruption: ... .sst: No such file",
    seen after a SPARQL CLEAR). Nothing is wrong with the store; a view opened again sees
    the new files, so the query is tried again a few times before it is an error.
    """
    kwargs: dict[str, Any] = {}
    if graphs is not None or named is not None:
        kwargs["default_graph"] = [NamedNode(g) for g in graphs or []]
        if named is not None:
            kwargs["named_graphs"] = [NamedNode(g) for g in named]
    else:
        kwargs["use_default_graph_as_union"] = True

    def once() -> tuple[str, bytes]:
        result = view.at(generation).query(sparql, **kwargs)
        return materialise(result, max_results)

    for attempt in range(_REOPEN):
        try:
            return once()
        except Exception as exc:  # RocksDB's errors come as OSError or RuntimeError
            if "No such file" not in str(exc):
                raise
            view.drop()
            time.sleep(0.05 * (attempt + 1))
    return once()


class _Process:
    def __init__(self, ctx: Any, location: str, max_memory: int) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, location, max_memory), daemon=True)
        self.proc.start()
        child.close()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()


class QueryRunner:
    """Runs queries on ``backend`` within ``limits`` (see the module docstring)."""

    def __init__(self, backend: Backend, limits: Limits, workers: int = 2) -> None:
        self.backend = backend
        self.limits = limits
        location = getattr(backend, "location", "")
        self.isolated = not getattr(backend, "in_memory", True) and not location.startswith(
            ("http://", "https://")
        )
        self.location = location
        self.idle: queue.Queue[_Process] = queue.Queue()
        self.lock = threading.Lock()
        self.size = workers
        self.started = 0
        self.ctx = multiprocessing.get_context("spawn")

    def _take(self) -> _Process:
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            pass
        with self.lock:
            if self.started < self.size:
                self.started += 1
                return _Process(self.ctx, self.location, self.limits.max_memory)
        return self.idle.get(timeout=self.limits.timeout)

    def run(
        self,
        sparql: str,
        *,
        graphs: list[NamedNode] | None = None,
        named: list[NamedNode] | None = None,
    ) -> QueryResult | list[Triple]:
        """The result, read to the end within the limits."""
        if not self.isolated:
            # A SPARQL server runs the query itself, within the timeout it is given.
            try:
                result = self.backend.query(
                    sparql, graphs=graphs, named=named, timeout=self.limits.timeout
                )
                return rebuild(*materialise(result, self.limits.max_results))
            except StoreTimeout:
                raise QueryTimeout(
                    f"the query ran longer than {self.limits.timeout:g} s and was stopped"
                ) from None
        try:
            worker = self._take()
        except queue.Empty:
            raise QueryTimeout("every query worker is busy; try again shortly") from None
        request = (
            sparql,
            [g.value for g in graphs] if graphs is not None else None,
            [g.value for g in named] if named is not None else None,
            self.limits.max_results,
            self.backend.generation,
        )
        try:
            worker.conn.send(request)
            if not worker.conn.poll(self.limits.timeout):
                raise TimeoutError
            status, detail, data = worker.conn.recv()
        except (TimeoutError, EOFError, OSError, BrokenPipeError):
            worker.kill()
            with self.lock:
                self.started -= 1
            if worker.proc.exitcode not in (None, 0, -9):
                raise StoreError("the query worker died (out of memory?)") from None
            raise QueryTimeout(
                f"the query ran longer than {self.limits.timeout:g} s and was stopped"
            ) from None
        self.idle.put(worker)
        if status == "ok":
            return rebuild(detail, data)
        if status == "query":
            raise QueryError(detail)
        if status == "large":
            raise QueryTimeout(detail)
        raise StoreError(detail)

    def close(self) -> None:
        while True:
            try:
                worker = self.idle.get_nowait()
            except queue.Empty:
                return
            try:
                worker.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            worker.kill()
