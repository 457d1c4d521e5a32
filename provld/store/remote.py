"""The remote backend: any SPARQL 1.1 server, over the SPARQL 1.1 Protocol (queries and
updates) and the Graph Store HTTP Protocol (whole graphs in and out).

``PROVLD_STORE=http://host:port/...`` opens it: the URL of the query endpoint or of the
server's dataset; the update and Graph Store URLs follow from the kind of server
(:mod:`provld.store.servers`), or from PROVLD_STORE_UPDATE and PROVLD_STORE_GRAPHS.
Credentials (PROVLD_STORE_USER and PASSWORD, basic or digest as PROVLD_STORE_AUTH says, or
a bearer PROVLD_STORE_TOKEN) go with every write. The README lists every setting ("The
settings of a SPARQL store").

Results are the pyoxigraph objects the embedded store gives: SELECT and ASK results are
read by :func:`pyoxigraph.parse_query_results`; CONSTRUCT and DESCRIBE results, N-Triples
or Turtle, are loaded into a scratch in-memory store whose ``CONSTRUCT WHERE`` query hands
back a real :class:`~pyoxigraph.QueryTriples`. A response is received whole (spooled to a
temporary file past a few megabytes, so memory stays flat) before it is given to the
caller: a connection lost half-way is a :class:`StoreError` here, not a parse error later.

Writing a document stays all or nothing. A small one is one ``INSERT DATA`` request, which
the server runs as one transaction. A big one goes as one Graph Store ``PUT`` of N-Triples
streamed from a temporary file (one request: a blank node label means the same node within
one request only). Where that PUT is one transaction (Oxigraph), it goes straight into
place; elsewhere into a staging graph, moved in by ``ADD <staging> TO <graph>`` and then
dropped. A failure before the move leaves the target untouched; a staging graph is dropped
at once or, if the server cannot be reached, by :meth:`provld.documents.Catalogue.recover`
through the catalogue's journal (:meth:`discard`). While a big document is staged its
triples are visible to queries on the union graph, as a bulk load's are on the embedded
store; the catalogue lists it only once it is committed.

Its HTTP side (pooled session, credentials, timeouts, retries only where harmless) is
:mod:`provld.store.connection`; what differs between servers, :mod:`provld.store.servers`.
"""

from __future__ import annotations

import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from hashlib import sha256
from typing import IO, Any, BinaryIO

import pyoxigraph
import requests
from pyoxigraph import (
    BlankNode,
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
)

from provld.errors import QueryError, StoreError
from provld.store import servers
from provld.store.base import Backend, Bindings, LocalBlanks, QueryResult
from provld.store.connection import RESULTS, TRIPLES, Connection, Reader, fixer
from provld.store.sparqltext import (
    mask,
    quad_block,
    query_form,
    relative_iri,
    silent_services,
    with_values,
    without_silent_service,
)

#: Most quads of a document written by one INSERT DATA; bigger ones go by the Graph Store.
SINGLE_UPDATE_LIMIT = 50_000
#: Prefix of staging graphs' IRIs (one per target graph: see :meth:`RemoteBackend.discard`).
STAGING = "urn:provld:staging:"
_SERVICE = re.compile(r"(?i)\bSERVICE\s+(?:SILENT\s+)?<([^>]*)>")


def staging_graph(graph: NamedNode) -> NamedNode:
    """The staging graph of a document being written to ``graph``."""
    return NamedNode(STAGING + sha256(graph.value.encode()).hexdigest()[:40])


class RemoteBackend(Backend):
    """A store kept by a SPARQL server (see the module docstring)."""

    shared = True

    def __init__(self, location: str, options: Mapping[str, str] | None = None) -> None:
        self.http = Connection(location, options or {})
        self.location = self.http.location  # never credentials: it goes into messages

    @property
    def server(self) -> servers.Server:
        """The kind of server (from PROVLD_STORE_SERVER, or its ``Server`` header)."""
        return self.http.server

    @property
    def endpoints(self) -> servers.Endpoints:
        """Where queries, updates and whole graphs go."""
        self.http.server  # noqa: B018 - known once the kind of server is
        return self.http.endpoints

    @property
    def retries(self) -> int:
        return self.http.retries

    # -- the Backend interface --------------------------------------------------------------

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
        form = query_form(sparql)
        relative = relative_iri(sparql)
        if relative is not None:
            # As pyoxigraph: a server would resolve it against its own URL, not provld's.
            raise QueryError(f"malformed query: the relative IRI <{relative}> needs a BASE")
        server = self.server
        text = with_values(sparql, bindings, server.blank) if bindings else sparql
        fields: dict[str, Any] = {"query": server.fix_query(text)}
        if graphs is not None or named is not None:
            # As the Protocol says (and unlike pyoxigraph's named_graphs=None), naming
            # default graphs and no named ones leaves GRAPH nothing to match.
            fields["default-graph-uri"] = [g.value for g in graphs or []]
            fields["named-graph-uri"] = [g.value for g in named or []]
        elif union:
            fields.update(server.union)
        if timeout and server.timeout_param:
            fields[server.timeout_param] = str(max(1, int(timeout * 1000)))
        accept = RESULTS if form in ("SELECT", "ASK") else TRIPLES
        try:
            response, spool = self.http.post_query(fields, accept, timeout)
        except StoreError as exc:
            response, spool = self._service_failed(exc, text, fields, accept, timeout)
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        lazy = False  # solutions are read from the spool as they are asked for
        try:
            if form in ("SELECT", "ASK"):
                results_format = QueryResultsFormat.from_media_type(media)
                if results_format is None:
                    raise StoreError(f"answered a query with {media!r}", store=self.location)
                solutions = pyoxigraph.parse_query_results(spool, results_format)
                lazy = isinstance(solutions, QuerySolutions)
                return solutions
            rdf = RdfFormat.N_TRIPLES if media == "text/plain" else RdfFormat.from_media_type(media)
            if rdf is None:
                raise StoreError(f"answered a {form} with {media!r}", store=self.location)
            # The server's blank node labels are kept: a description reads the same twice.
            scratch = pyoxigraph.Store()
            scratch.extend(pyoxigraph.parse(spool, rdf))  # type: ignore[arg-type]
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        except SyntaxError as exc:
            raise StoreError(f"unreadable answer ({media}): {exc}", store=self.location) from None
        finally:
            if not lazy:
                spool.close()

    def _service_failed(
        self,
        exc: StoreError,
        sparql: str,
        fields: dict[str, Any],
        accept: str,
        timeout: float | None,
    ) -> tuple[requests.Response, IO[bytes]]:
        """A query whose SERVICE call failed on a server that makes the call itself
        (Virtuoso: ``HTCLI`` or ``SPARQL_REXEC`` errors)."""
        text = str(exc)
        partners = _SERVICE.findall(mask(sparql, iris=True))
        if not partners or ("HTCLI" not in text and "REXEC" not in text):
            raise exc
        # Virtuoso fails the whole query when a SERVICE SILENT partner fails: asked again
        # with that clause as what a failed silent SERVICE gives, {}. Its message names
        # the partner for some errors only: with one silent partner, it is that one.
        silent = set(silent_services(sparql))
        named = {p for p in partners if p in text}
        failed = named or (silent if len(silent) == 1 else set())
        if failed and failed <= silent:
            for partner in failed:
                sparql = without_silent_service(sparql, partner)
            fields = {**fields, "query": self.server.fix_query(sparql)}
            return self.http.post_query(fields, accept, timeout)
        which = ", ".join(f"<{p}>" for p in dict.fromkeys(partners))
        raise StoreError(f"SERVICE {which} failed: {exc}") from None

    def update(self, sparql: str) -> None:
        self._update(sparql, safe=False)

    def _update(self, sparql: str, *, safe: bool) -> None:
        relative = relative_iri(sparql)
        if relative is not None:
            raise QueryError(f"malformed update: the relative IRI <{relative}> needs a BASE")
        server = self.server
        text = server.fix_update(sparql)
        if server.update_form:
            kwargs: dict[str, Any] = {"data": {"update": text}}
        else:
            kwargs = {
                "data": text.encode("utf-8"),
                "headers": {"Content-Type": "application/sparql-update; charset=utf-8"},
            }
        self.http.send("POST", self.endpoints.update, safe=safe, what="update", **kwargs).close()

    def add_graph(
        self,
        graph: NamedNode,
        quads: Iterable[Quad],
        *,
        size: int | None = None,
        local: LocalBlanks | None = None,
    ) -> None:
        it = iter(quads)
        head = list(itertools.islice(it, SINGLE_UPDATE_LIMIT + 1))
        if len(head) <= SINGLE_UPDATE_LIMIT:
            self._update(_insert_data(head), safe=False)
            return
        self._write_big(graph, itertools.chain(head, it))

    def _write_big(self, graph: NamedNode, quads: Iterator[Quad]) -> None:
        """A graph too big for one update: one Graph Store PUT of N-Triples streamed from a
        temporary file, straight into place on a server whose PUT is one transaction,
        else into a staging graph then moved in."""
        others: list[Quad] = []  # quads of other graphs (a catalogue entry): few
        server, gsp = self.server, self.endpoints.graphs
        direct = gsp is not None and server.atomic_put
        staging = graph if direct else staging_graph(graph)
        with tempfile.TemporaryFile() as body:
            if gsp is None:
                body.write(f"INSERT DATA {{ GRAPH {staging} {{\n".encode())
            for q in quads:
                if q.graph_name == graph:
                    body.write(f"{q.subject} {q.predicate} {q.object} .\n".encode())
                else:
                    others.append(q)
            blank = any(isinstance(t, BlankNode) for q in others for t in q)
            try:
                if gsp is None:
                    body.write(b"} }\n")
                    self._stage_by_update(body)
                else:
                    self.http.send(
                        "PUT",
                        gsp,
                        safe=True,  # a PUT replaces the graph: sending it twice is harmless
                        params={"graph": staging.value},
                        data=body,
                        headers={"Content-Type": "application/n-triples"},
                    ).close()
                if direct:
                    if others:
                        self._update(_insert_data(others), safe=not blank)
                    return
                # One update moves it in; the second time it finds nothing more to add.
                # The DROP is another: in the same, Oxigraph would hold both in one
                # transaction, three times slower than apart (benchmarks/scale.py).
                commit = f"ADD SILENT {staging} TO {graph}"
                if others:
                    commit += " ;\n" + _insert_data(others)
                self._update(commit, safe=not blank)
            except BaseException:
                try:
                    self.discard(graph)
                except StoreError:
                    pass  # the journal has it: Catalogue.recover() drops it later
                raise
        self.discard(graph)

    def _stage_by_update(self, body: BinaryIO) -> None:
        if self.server.update_form:
            body.seek(0)
            self.http.send("POST", self.endpoints.update, safe=True, data={"update": body.read()})
            return
        headers = {"Content-Type": "application/sparql-update; charset=utf-8"}
        # INSERT DATA into a graph nobody reads: a second time changes nothing.
        self.http.send("POST", self.endpoints.update, safe=True, data=body, headers=headers)

    def bulk_allowed(self, size: int) -> bool:
        return size > SINGLE_UPDATE_LIMIT

    def discard(self, graph: NamedNode) -> None:
        """Drop what a cut-short :meth:`add_graph` of ``graph`` may have staged."""
        self._update(f"DROP SILENT GRAPH {staging_graph(graph)}", safe=True)

    def remove_graph(self, graph: NamedNode) -> None:
        self._update(f"DROP SILENT GRAPH {graph}", safe=True)

    def has_graph(self, graph: NamedNode) -> bool:
        return bool(self.query("ASK { GRAPH ?g { ?s ?p ?o } }", bindings={"g": graph}))

    def graph_quads(self, graph: NamedNode) -> Iterator[Quad]:
        triples = self._graph_triples(graph)
        return (Quad(t.subject, t.predicate, t.object, graph) for t in triples)

    def _graph_triples(self, graph: NamedNode) -> Iterator[Any]:
        if self.endpoints.graphs is None:
            return iter(
                self.query(  # type: ignore[arg-type]
                    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                    bindings={"g": graph},
                )
            )
        response = self.http.send(
            "GET",
            self.endpoints.graphs,
            safe=True,
            check=False,
            params={"graph": graph.value},
            headers={"Accept": TRIPLES},
            stream=True,
        )
        if response.status_code == 404:
            response.close()
            return iter(())
        if response.status_code >= 400:
            raise self.http.refused(response, self.endpoints.graphs)
        return self._stream(response, "triples")

    def _stream(self, response: requests.Response, kind: str) -> Iterator[Any]:
        """Parse a streamed response as it arrives (a dump is too big to hold)."""
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        fmt = RdfFormat.N_TRIPLES if media == "text/plain" else RdfFormat.from_media_type(media)
        if fmt is None:
            response.close()
            raise StoreError(f"sent {kind} as {media!r}", store=self.location)
        reader = Reader(response, self.location, fixer(self.server, response))
        try:
            yield from pyoxigraph.parse(reader, fmt)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise StoreError(f"unreadable {kind}: {exc}", store=self.location) from None
        finally:
            response.close()

    def dump(
        self,
        output: BinaryIO,
        fmt: RdfFormat,
        graph: NamedNode | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        items: Iterable[Any]
        if graph is not None:
            # One graph is written as the default graph, as the embedded store does.
            items = self._graph_triples(graph)
        else:
            quads = self._all_quads()
            items = quads if fmt.supports_datasets else (q.triple for q in quads)
        pyoxigraph.serialize(items, output, fmt, prefixes=prefixes)

    def _all_quads(self) -> Iterator[Quad]:
        """Every quad of every named graph but staging graphs, streamed."""
        if self.server is servers.OXIGRAPH and self.endpoints.graphs is not None:
            response = self.http.send(
                "GET",
                self.endpoints.graphs,
                safe=True,
                headers={"Accept": "application/n-quads"},
                stream=True,
            )
            found: Iterator[Quad] = self._stream(response, "the dataset")
        else:
            result = self.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", union=False)
            found = (Quad(r[0], r[1], r[2], r[3]) for r in result)  # type: ignore[union-attr,index]
        return (
            q
            for q in found
            if not (isinstance(q.graph_name, NamedNode) and q.graph_name.value.startswith(STAGING))
        )

    def close(self) -> None:
        self.http.close()


def _insert_data(quads: Iterable[Quad]) -> str:
    """One INSERT DATA for quads of any graphs."""
    return "INSERT DATA {\n" + quad_block(quads) + "\n}"
