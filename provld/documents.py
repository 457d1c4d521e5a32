"""Stored documents: loading one as a named graph all or nothing, replacing, removing,
and the catalogue that records each of them as PROV.

A document is committed when its catalogue entry is: small documents are written with
their entry in one transaction; big ones (bulk path, see :mod:`provld.store.oxigraph`)
get an entry marked ``loading`` first and are committed by one update at the end. A failed
load removes what it wrote; an entry still ``loading`` when a store is opened is the trace
of a crash, and :meth:`Catalogue.recover` removes it with its graph.

The catalogue graph says, for each document, when it was loaded and by whom (a
``prov:Activity`` associated with the user and with provld as software agent), its source
format and name, its size and the SHA-256 of the bytes received.
"""

from __future__ import annotations

import getpass
import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import PurePath
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, Store

from provld import __version__, iris
from provld.errors import (
    InputError,
    NotFoundError,
    ProvldError,
    StoreError,
    ValidationError,
    translate,
)
from provld.formats import Format
from provld.ingest import document_quads, native_load_possible
from provld.resources import named_query
from provld.store.base import Backend, LocalBlanks
from provld.vocab import DCTERMS, PROVLD, RDF_TYPE, RDFS_LABEL, XSD_DATETIME, prov

_XSD_LONG = NamedNode("http://www.w3.org/2001/XMLSchema#long")
_DOCUMENT = NamedNode(PROVLD + "Document")
_STATUS = NamedNode(PROVLD + "status")
_SIZE = NamedNode(PROVLD + "byteSize")
_SHA256 = NamedNode(PROVLD + "sha256")
_SOURCE = NamedNode(PROVLD + "source")
_TRIPLES = NamedNode(PROVLD + "tripleCount")
_RECORDS = NamedNode(PROVLD + "recordCount")
_FORMAT = NamedNode(DCTERMS + "format")
#: Bytes of PROV-JSON per quad it maps to, about (the synthetic CTA set: 53).
_JSON_QUAD = 50
#: Seconds after which a load still marked as loading in a shared store is taken for one
#: that a crash cut short (see Catalogue.recover).
STALE_AFTER = 6 * 3600.0


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """What the catalogue knows of one document."""

    graph: NamedNode
    format: str
    triples: int
    records: int
    size: int
    sha256: str
    source: str | None
    loaded: str


def _stored_document(
    graph: NamedNode,
    fmt: Format,
    stats: dict[str, int],
    data: bytes,
    digest: str,
    source: str | None,
    started: Literal,
) -> StoredDocument:
    return StoredDocument(
        graph,
        fmt.media_type,
        stats.get("quads", 0),
        stats.get("records", 0),
        len(data),
        digest,
        source,
        started.value,
    )


def _now() -> Literal:
    return Literal(
        datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        datatype=XSD_DATETIME,
    )


class Catalogue:
    """The documents of one store, under one base IRI."""

    def __init__(self, store: Backend, base: str) -> None:
        self.store = store
        self.base = iris.check_base(base)
        self.graph = iris.catalogue_graph(self.base)

    # -- reading ------------------------------------------------------------------------

    def documents(self) -> list[StoredDocument]:
        """Every committed document, newest first."""
        result = self.store.query(named_query("graphs"), bindings={"catalogue": self.graph})
        assert isinstance(result, QuerySolutions)
        out = []
        for row in result:
            out.append(
                StoredDocument(
                    graph=row["graph"],
                    format=row["format"].value if row["format"] else "",
                    triples=int(row["triples"].value) if row["triples"] else 0,
                    records=0,
                    size=int(row["size"].value) if row["size"] else 0,
                    sha256=row["sha256"].value if row["sha256"] else "",
                    source=row["source"].value if row["source"] else None,
                    loaded=row["loaded"].value,
                )
            )
        return out

    def exists(self, graph: NamedNode) -> bool:
        """True when ``graph`` is a committed document (not one still loading)."""
        result = self.store.query(
            "SELECT ?c ?g ?doc ?status ?s "
            "WHERE { GRAPH ?c { ?g a ?doc OPTIONAL { ?g ?status ?s } } }",
            bindings={"c": self.graph, "g": graph, "doc": _DOCUMENT, "status": _STATUS},
        )
        rows = list(result)  # type: ignore[arg-type]
        return bool(rows) and all(row["s"] is None for row in rows)

    def require(self, graph: NamedNode) -> None:
        if not self.exists(graph):
            raise NotFoundError(f"no document {graph.value} in the store")

    # -- writing ------------------------------------------------------------------------

    def load(
        self,
        data: bytes,
        fmt: Format,
        *,
        source: str | None = None,
        graph: NamedNode | None = None,
        agent: str | None = None,
        validate: Callable[..., Any] | None = None,
    ) -> StoredDocument:
        """Store ``data`` as one new named graph; all of it or, on any error, nothing.

        With ``validate`` (:func:`provld.validate.validate`, or a partial of it choosing
        the profile), the document is checked before it is committed: a violation raises
        :class:`ValidationError` carrying the report, and nothing is stored. The PROV
        record of the validation run joins the document's catalogue entry.
        """
        if graph is None:
            graph, key = iris.new_document(self.base)
        else:
            key = (
                iris.document_key(self.base, graph)
                or hashlib.sha256(graph.value.encode()).hexdigest()[:32]
            )
            if graph == self.graph:
                raise InputError(f"{graph.value} is the catalogue graph; choose another name")
            if self.store.has_graph(graph):
                raise InputError(f"a document is already stored as {graph.value}")
        stats: dict[str, int] = {}
        started = _now()
        digest = hashlib.sha256(data).hexdigest()
        base = iris.local_base(self.base, key)
        activity = iris.random_id(self.base, "load")
        user = agent or _user()
        record: list[Quad] = []  # the PROV of the validation run, for the catalogue

        def check(target: object) -> None:
            if validate is None:
                return
            from provld.validate import validation_quads

            if callable(target):  # a stored graph, made only now (provld.validate is big)
                target = target()

            began = _now()
            report = validate(target, document=source or graph.value)
            if not report.conforms:
                n = report.count("Violation")
                raise ValidationError(
                    f"{source or graph.value}: {n} violation{'s' * (n != 1)} of the "
                    f"{report.profile} profile (run 'provld validate' for the report)",
                    report,
                )
            record.extend(validation_quads(report, graph, self.graph, self.base, started=began))

        # The catalogue entry, built when it is written: by then the content is counted
        # and the validation run recorded (both generators read their inputs lazily).
        entry = itertools.chain(
            self._entry(graph, activity, started, fmt, stats, len(data), digest, source, user),
            record,
        )
        # size first: the RDF/XML entity check runs once, on the path that is taken
        if self.store.bulk_allowed(len(data) // 60) and native_load_possible(data, fmt, source):
            # Big RDF files go to the store's own loader, unparsed in Python.
            self.store.update(_journal(self.graph, graph))
            try:
                assert fmt.rdf is not None
                self.store.load_graph(graph, data, fmt.rdf, base_iri=base)
                self.store.update(named_query("complete-plain", "ru").replace("?graph", str(graph)))
                stats["quads"] = stats["records"] = self._count(graph)
                check(partial(_stored, self.store, graph))  # in place, behind the journal
                self._commit(graph, entry)
            except Exception as exc:
                self._discard(graph)
                raise translate(exc, source=source) from None
            return _stored_document(graph, fmt, stats, data, digest, source, started)
        # A PROV-JSON document big enough for the bulk path is mapped as it is read, and
        # written meanwhile (ingest.document_quads).
        stream = fmt.name == "provjson" and self.store.bulk_allowed(len(data) // _JSON_QUAD)
        # The relations' blank nodes come in runs: the store may write each run apart.
        local = LocalBlanks()
        quads = document_quads(
            data,
            fmt,
            graph,
            source=source,
            local_base=base,
            stats=stats,
            stream=stream,
            blank=local,
        )
        first = list(itertools.islice(quads, 1))  # fail on unreadable input before writing
        quads = itertools.chain(first, quads)

        # PROV records give about four quads each; RDF about one triple per 60 bytes.
        if stream:
            estimated = len(data) // _JSON_QUAD
        else:
            estimated = stats["records"] * 4 if "records" in stats else len(data) // 60
        try:
            if self.store.bulk_allowed(estimated):
                self._bulk_load(graph, quads, check, estimated, local)
                # counted as stored: a source may give a triple twice, a mapping make one twice
                stats["quads"] = self._count(graph)
                if fmt.rdf is not None:
                    stats["records"] = stats["quads"]
                self._commit(graph, entry)
            else:
                quads = _distinct(quads, stats, rdf=fmt.rdf is not None)
                if validate is not None:
                    # Small enough for memory: checked in a scratch store, then written.
                    scratch = Store()
                    scratch.extend(quads)
                    check(scratch)
                    quads = iter(scratch.quads_for_pattern(None, None, None, graph))
                self.store.add_graph(graph, itertools.chain(quads, entry), size=0)
        except ProvldError:
            self._discard(graph)
            raise
        except Exception as exc:
            self._discard(graph)
            raise translate(exc, source=source) from None
        return _stored_document(graph, fmt, stats, data, digest, source, started)

    def _bulk_load(
        self,
        graph: NamedNode,
        quads: Iterator[Quad],
        check: object,
        size: int,
        local: LocalBlanks,
    ) -> None:
        # Journal first: a crash from here on leaves an entry marked loading.
        self.store.update(_journal(self.graph, graph))
        # The size estimate tells the store to write in bulk from the first quad (without
        # it, the store reads a transaction's worth ahead to choose, and then cannot
        # write while the rest is made).
        self.store.add_graph(graph, quads, size=size, local=local)
        check(partial(_stored, self.store, graph))  # type: ignore[operator]

    def _commit(self, graph: NamedNode, entry: Iterator[Quad]) -> None:
        """Replace a journal entry by the document's catalogue entry, in one update."""
        lines = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in entry)
        self.store.update(
            f"DELETE WHERE {{ GRAPH {self.graph} {{ {graph} {_STATUS} ?s }} }} ;\n"
            f"INSERT DATA {{ GRAPH {self.graph} {{\n{lines}\n}} }}"
        )

    def _count(self, graph: NamedNode) -> int:
        result = self.store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            bindings={"g": graph},
        )
        rows = list(result)  # type: ignore[arg-type]
        return int(rows[0]["n"].value) if rows else 0

    def replace(
        self,
        graph: NamedNode,
        data: bytes,
        fmt: Format,
        *,
        source: str | None = None,
        agent: str | None = None,
    ) -> StoredDocument:
        """Swap a stored document for a new version, in one transaction."""
        self.require(graph)
        key = iris.document_key(self.base, graph) or "replaced"
        stats: dict[str, int] = {}
        started = _now()
        digest = hashlib.sha256(data).hexdigest()
        quads = list(
            _distinct(
                document_quads(
                    data,
                    fmt,
                    graph,
                    source=source,
                    local_base=iris.local_base(self.base, key),
                    stats=stats,
                ),
                stats,
                rdf=fmt.rdf is not None,
            )
        )
        activity = iris.random_id(self.base, "load")
        entry = self._entry(
            graph, activity, started, fmt, stats, len(data), digest, source, agent or _user()
        )
        content = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
        meta = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in entry)
        self.store.update(
            f"{self._drop_update(graph)} ;\n"
            f"INSERT DATA {{ GRAPH {graph} {{\n{content}\n}}\n GRAPH {self.graph} {{\n{meta}\n}} }}"
        )
        return _stored_document(graph, fmt, stats, data, digest, source, started)

    def remove(self, graph: NamedNode) -> None:
        """Remove a document and its catalogue entry, in one transaction."""
        self.require(graph)
        self._drop(graph)

    def recover(self, older_than: float | None = None) -> list[NamedNode]:
        """Remove the traces of loads that a crash cut short; return their graphs.

        On a store that other processes share (a SPARQL server behind several workers), a
        load begun less than ``older_than`` seconds ago (default :data:`STALE_AFTER`) may
        still be running elsewhere, and is left alone.
        """
        if older_than is None:
            older_than = STALE_AFTER if self.store.shared else 0.0
        result = self.store.query(
            'SELECT ?c ?status ?time ?g ?since WHERE { GRAPH ?c { ?g ?status "loading" '
            "OPTIONAL { ?g ?status ?since FILTER(datatype(?since) = ?time) } } }",
            bindings={"c": self.graph, "status": _STATUS, "time": XSD_DATETIME},
        )
        assert isinstance(result, QuerySolutions)
        now = datetime.now(UTC).timestamp()
        broken: dict[NamedNode, None] = {}
        for row in result:
            since = row["since"]
            begun = _timestamp(since.value) if since is not None else None
            if begun is None or now - begun >= older_than:
                broken[row["g"]] = None
        for graph in broken:
            self.store.discard(graph)  # first: the journal entry names what to discard
            self._drop(graph)
        return list(broken)

    def _discard(self, graph: NamedNode) -> None:
        try:
            self.store.discard(graph)  # first: the journal entry names what to discard
            self._drop(graph)
        except ProvldError:
            pass  # the original error is the one to report; recover() finishes the job

    def _drop(self, graph: NamedNode) -> None:
        self.store.update(self._drop_update(graph))

    def _drop_update(self, graph: NamedNode) -> str:
        """SPARQL Update removing a document, its catalogue entry and its load activity."""
        return (
            f"DROP SILENT GRAPH {graph} ;\n"
            f"DELETE {{ GRAPH {self.graph} {{ ?act ?ap ?ao }} }} WHERE {{ GRAPH {self.graph} "
            f"{{ {graph} {prov('wasGeneratedBy')} ?act . ?act ?ap ?ao }} }} ;\n"
            f"DELETE WHERE {{ GRAPH {self.graph} {{ {graph} ?p ?o }} }}"
        )

    def _entry(
        self,
        graph: NamedNode,
        activity: NamedNode,
        started: Literal,
        fmt: Format,
        stats: dict[str, int],
        size: int,
        digest: str,
        source: str | None,
        user: str,
    ) -> Iterator[Quad]:
        c = self.graph
        person = iris.minted(self.base, "agent", user)
        software = iris.minted(self.base, "software", f"provld {__version__}")
        yield Quad(graph, RDF_TYPE, _DOCUMENT, c)
        yield Quad(graph, RDF_TYPE, prov("Bundle"), c)
        yield Quad(graph, prov("wasGeneratedBy"), activity, c)
        yield Quad(graph, prov("generatedAtTime"), _now(), c)
        yield Quad(graph, _FORMAT, Literal(fmt.media_type), c)
        yield Quad(graph, _SIZE, Literal(str(size), datatype=_XSD_LONG), c)
        yield Quad(graph, _SHA256, Literal(digest), c)
        yield Quad(graph, _TRIPLES, Literal(str(stats.get("quads", 0)), datatype=_XSD_LONG), c)
        yield Quad(graph, _RECORDS, Literal(str(stats.get("records", 0)), datatype=_XSD_LONG), c)
        if source:
            yield Quad(graph, _SOURCE, Literal(PurePath(source).name), c)
        yield Quad(activity, RDF_TYPE, prov("Activity"), c)
        yield Quad(activity, RDFS_LABEL, Literal(f"load of {source or 'a document'}"), c)
        yield Quad(activity, prov("startedAtTime"), started, c)
        yield Quad(activity, prov("endedAtTime"), _now(), c)
        yield Quad(activity, prov("wasAssociatedWith"), person, c)
        yield Quad(activity, prov("wasAssociatedWith"), software, c)
        yield Quad(person, RDF_TYPE, prov("Agent"), c)
        yield Quad(person, RDFS_LABEL, Literal(user), c)
        yield Quad(software, RDF_TYPE, prov("SoftwareAgent"), c)
        yield Quad(software, RDFS_LABEL, Literal(f"provld {__version__}"), c)


def _distinct(quads: Iterator[Quad], stats: dict[str, int], *, rdf: bool) -> Iterator[Quad]:
    """``quads`` without repeats, counted into ``stats`` (an RDF document's records are
    its triples) once they are all read: a source may give a triple twice, or a record
    twice (in two bundles), or a relation in both forms, of which the plain one is also
    completed (ingest)."""
    seen: set[Quad] = set()
    for quad in quads:
        if quad not in seen:
            seen.add(quad)
            yield quad
    stats["quads"] = len(seen)
    if rdf:
        stats["records"] = len(seen)


def _journal(catalogue: NamedNode, graph: NamedNode) -> str:
    # The time is a second status: whatever removes the status removes it too.
    return (
        f'INSERT DATA {{ GRAPH {catalogue} {{ {graph} {_STATUS} "loading", {_now()} ; '
        f"a {_DOCUMENT} }} }}"
    )


def _timestamp(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _stored(store: Backend, graph: NamedNode) -> object:
    from provld.validate import StoredGraph

    return StoredGraph(store, graph)


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


__all__ = ["Catalogue", "StoredDocument", "StoreError"]
