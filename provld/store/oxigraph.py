"""The embedded backend: pyoxigraph, on disk or in memory.

Writes of a new graph go through one transaction (``Store.extend``) up to
:data:`TRANSACTION_LIMIT` quads. Past it, a RocksDB transaction holds every write in
memory, so bigger documents use the bulk loader, which writes sorted files straight into
the database at about twice the speed. That path is not isolated (readers may see the graph
grow), so :mod:`provld.documents` keeps it all or nothing with a journal: the document is
marked as loading before the bulk write and committed after it; a failed load removes the
graph at once, and a load cut short by a crash is removed when the store is next opened.

Only one process may open an on-disk store; a second one gets a :class:`StoreError` that
says so instead of RocksDB's lock message.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import pyoxigraph
from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Triple

from provld.errors import QueryError, StoreError
from provld.store.base import Backend, Bindings, LocalBlanks, QueryResult, variables

#: Largest graph written in one transaction; measured: a transaction of 200k quads holds
#: about 150 MB, and pyoxigraph's transactional writes run at 65k quads/s against 170k/s
#: for the bulk loader on this class of machine (benchmarks/ingest.py).
TRANSACTION_LIMIT = 200_000
#: Quads handed to the bulk loader at a time (see OxigraphBackend._bulk_write).
BULK_SLICE = 50_000


class OxigraphBackend(Backend):
    """A pyoxigraph :class:`~pyoxigraph.Store` on disk (a directory) or in memory."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.in_memory = location in {"memory:", ":memory:"}
        self.generation: int = 0
        self._counting = threading.Lock()
        try:
            if self.in_memory:
                self.store = pyoxigraph.Store()
            else:
                Path(location).mkdir(parents=True, exist_ok=True)
                self.store = pyoxigraph.Store(location)
        except OSError as exc:
            text = str(exc)
            if "lock" in text.lower():
                raise StoreError(
                    "already opened by another process (an embedded store serves one "
                    "process; stop the other one or use a SPARQL server)",
                    store=location,
                ) from None
            raise StoreError(text, store=location) from None

    def query(
        self,
        sparql: str,
        *,
        bindings: Bindings | None = None,
        union: bool = True,
        graphs: list[NamedNode] | None = None,
        named: list[NamedNode] | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        try:
            if graphs is not None or named is not None:
                return self.store.query(
                    sparql,
                    default_graph=list(graphs) if graphs is not None else [],
                    named_graphs=list(named) if named is not None else None,
                    substitutions=variables(bindings),
                )
            return self.store.query(
                sparql, use_default_graph_as_union=union, substitutions=variables(bindings)
            )
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {exc}") from None
        except OSError as exc:
            raise StoreError(str(exc), store=self.location) from None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Around every write: store errors as StoreError, and a new generation once the
        write is over (failed or not), so that nothing read during it stays cached."""
        try:
            yield
        except OSError as exc:
            raise StoreError(str(exc), store=self.location) from None
        finally:
            with self._counting:
                self.generation += 1

    def update(self, sparql: str) -> None:
        with self._writing():
            try:
                self.store.update(sparql)
            except SyntaxError as exc:
                raise QueryError(f"malformed update: {exc}") from None

    def add_graph(
        self,
        graph: NamedNode,
        quads: Iterable[Quad],
        *,
        size: int | None = None,
        local: LocalBlanks | None = None,
    ) -> None:
        with self._writing():
            if self.in_memory or (size is not None and size <= TRANSACTION_LIMIT):
                self.store.extend(quads)
                return
            if size is None:
                # Peek: small graphs still get their transaction.
                it = iter(quads)
                head = list(itertools.islice(it, TRANSACTION_LIMIT + 1))
                if len(head) <= TRANSACTION_LIMIT:
                    self.store.extend(head)
                    return
                quads = itertools.chain(head, it)
            self._bulk_write(quads, local)
            self.store.flush()

    def _bulk_write(self, quads: Iterable[Quad], local: LocalBlanks | None) -> None:
        """Write ``quads`` with the bulk loader, in slices, while the next slice is made.

        pyoxigraph's ``bulk_extend`` holds the GIL from start to end, so making quads (a
        PROV document's mapping, in Python) and writing them would take turns. Its
        ``bulk_load`` of bytes lets the GIL go: each slice is written out as N-Quads and
        loaded by a second thread while this one makes the next. Slices also keep memory
        flat: the loader buffers what it is given (about 0.5 kB a quad).

        But the loader gives the blank nodes of each ``bulk_load`` new labels, so one
        blank node in two slices would become two. The nodes ``local`` made come in runs
        (a PROV relation's qualified node, with its record): a slice is only cut between
        runs, so each such node is whole in one call. Other blank nodes (the document's
        own), and the runs that touch them, go to ``bulk_extend``, which keeps labels, by
        the same thread after the slice's other quads.
        """
        slices: queue.Queue[tuple[bytes, list[Quad]] | None] = queue.Queue(maxsize=2)
        failed: list[BaseException] = []

        def write() -> None:
            while (work := slices.get()) is not None:
                if not failed:  # after a failure, only take what is left, so put never waits
                    try:
                        # lenient: pyoxigraph's own N-Quads need no second check of IRIs
                        if work[0]:
                            self.store.bulk_load(work[0], RdfFormat.N_QUADS, lenient=True)
                        if work[1]:
                            self.store.bulk_extend(work[1])
                    except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                        failed.append(exc)

        writer = threading.Thread(target=write, name="provld-bulk-writer", daemon=True)
        writer.start()
        slicer = _Slicer(quads, local)
        try:
            while not failed and not slicer.over:
                # Serialized as they are made: quads held in lists until written out
                # cost a third more of the mapping's time (measured; memory locality).
                data = _nquads(slicer.next_slice())
                kept: list[Quad] = []
                if slicer.over or len(slicer.kept) >= BULK_SLICE * 4:  # fewer, bigger calls
                    kept, slicer.kept = slicer.kept, []
                slices.put((data, kept))
        except BaseException as exc:
            failed.append(exc)  # the writer skips what is still queued: it is discarded
            raise
        finally:
            slices.put(None)
            writer.join()
        if failed:
            raise failed[0]

    def bulk_allowed(self, size: int) -> bool:
        """True when a graph of ``size`` quads would go through the bulk loader."""
        return not self.in_memory and size > TRANSACTION_LIMIT

    def load_graph(
        self, graph: NamedNode, data: bytes, fmt: RdfFormat, *, base_iri: str | None = None
    ) -> None:
        with self._writing():
            self.store.bulk_load(data, fmt, base_iri=base_iri, to_graph=graph)
            self.store.flush()

    def remove_graph(self, graph: NamedNode) -> None:
        with self._writing():
            if self.store.contains_named_graph(graph):
                self.store.remove_graph(graph)

    def has_graph(self, graph: NamedNode) -> bool:
        return bool(self.store.contains_named_graph(graph))

    def about(self, resource: NamedNode) -> list[Quad]:
        # By pattern: a third of the time of the same SPARQL query, which is parsed and
        # planned at every call (resource pages are the most frequent request).
        try:
            return quads_about(self.store, resource)
        except OSError as exc:
            raise StoreError(str(exc), store=self.location) from None

    def named_graphs(self) -> list[NamedNode]:
        return [g for g in self.store.named_graphs() if isinstance(g, NamedNode)]

    def graph_quads(self, graph: NamedNode) -> Iterator[Quad]:
        return iter(self.store.quads_for_pattern(None, None, None, graph))

    def dump(
        self,
        output: BinaryIO,
        fmt: RdfFormat,
        graph: NamedNode | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        try:
            if graph is not None:
                self.store.dump(output, fmt, from_graph=graph, prefixes=prefixes)
            elif fmt.supports_datasets:
                self.store.dump(output, fmt, prefixes=prefixes)
            else:
                # A triple format cannot say which graph a triple is in: merge them all.
                pyoxigraph.serialize((q.triple for q in self.store), output, fmt, prefixes=prefixes)
        except OSError as exc:
            raise StoreError(str(exc), store=self.location) from None

    def close(self) -> None:
        """Flush and release the store (and its lock); closing twice is harmless."""
        store = self.__dict__.pop("store", None)
        if store is None:
            return
        try:
            store.flush()
        except (OSError, AttributeError):
            pass


def quads_about(store: pyoxigraph.Store, resource: NamedNode) -> list[Quad]:
    """The quads of ``resource`` and of the blank nodes it points at, in every graph."""
    found = list(store.quads_for_pattern(resource, None, None, None))
    for quad in found[:]:
        if isinstance(quad.object, BlankNode):
            found.extend(store.quads_for_pattern(quad.object, None, None, None))
    return found


class _Slicer:
    """``quads`` cut into slices for :meth:`OxigraphBackend._bulk_write`: each slice the
    quads a ``bulk_load`` may take (no blank node, or whole runs of ``local`` nodes), made
    as they are read; the quads that must keep their blank nodes' labels gather in
    :attr:`kept` (for ``bulk_extend``)."""

    def __init__(self, quads: Iterable[Quad], local: LocalBlanks | None) -> None:
        self.quads = iter(quads)
        self.local = local
        self.kept: list[Quad] = []
        self.over = False  # every quad was read
        self._run: list[Quad] = []  # the quads so far of the open run's node
        self._node: BlankNode | None = None  # that node
        self._foreign = False  # the open run touches another blank node: labels kept
        self._last = -1  # the count of the last local node met

    def next_slice(self) -> Iterator[Quad]:
        """The next :data:`BULK_SLICE` quads or so for the loader; an open run waits for
        the next slice, whole."""
        n = 0
        for quad in self.quads:
            to = type(quad.object)
            if type(quad.subject) is not BlankNode and to is not BlankNode and to is not Triple:
                if self._run:  # a quad without the node: its run is over
                    closed = self._close()
                    n += len(closed)
                    yield from closed
                yield quad
                n += 1
                if n >= BULK_SLICE:
                    return
                continue
            found, others = _local_node(quad, self.local)
            if found is not None and found == self._node:
                self._run.append(quad)
                self._foreign = self._foreign or others
                continue
            if self._run:
                closed = self._close()
                n += len(closed)
                yield from closed
            if found is None:
                self.kept.append(quad)
                continue
            number = self.local.number(found)  # type: ignore[union-attr]
            if number is None or number <= self._last:  # met again after its run
                raise StoreError(
                    f"blank node _:{found.value} met again after its run of quads (a fault "
                    "of the mapping that made it; the load is refused)"
                )
            self._last, self._node, self._run, self._foreign = number, found, [quad], others
            if n >= BULK_SLICE:
                return
        yield from self._close()
        self.over = True

    def _close(self) -> list[Quad]:
        """Close the open run: its quads, for the loader, or none if they are kept."""
        run, self._run, self._node = self._run, [], None
        if self._foreign:
            self.kept.extend(run)
            return []
        return run


def _local_node(quad: Quad, local: LocalBlanks | None) -> tuple[BlankNode | None, bool]:
    """The blank node of ``quad`` that ``local`` made, if any, and whether the quad has
    other blank nodes (or a triple term, which may hold some)."""
    found: BlankNode | None = None
    others = False
    for term in (quad.subject, quad.object):
        if type(term) is BlankNode:
            if local is not None and term.value.startswith(local.prefix):
                if found is not None and found != term:
                    raise StoreError(
                        f"two run-local blank nodes in one quad, {quad} (a fault of the "
                        "mapping that made them; the load is refused)"
                    )
                found = term
            else:
                others = True
        elif type(term) is Triple:
            others = True
    return found, others


def _nquads(quads: Iterable[Quad]) -> bytes:
    data = pyoxigraph.serialize(quads, format=RdfFormat.N_QUADS)
    assert data is not None  # no output file given: the bytes are returned
    return data
