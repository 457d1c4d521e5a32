"""The interface of a store backend (see :mod:`provld.store`)."""

from __future__ import annotations

import itertools
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from typing import BinaryIO

import pyoxigraph
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
    Variable,
)

from provld.errors import StoreError
from provld.resources import named_query

QueryResult = QuerySolutions | QueryBoolean | QueryTriples
Bindings = Mapping[str, NamedNode | BlankNode | Literal]


class StoreTimeout(StoreError):
    """The store stopped a query, or gave up waiting for it, at its time limit."""


class LocalBlanks:
    """Blank nodes for a writer of quads that gives all the quads of each node one after
    another, in one run, and never two such nodes in one quad: the qualified node of a
    PROV relation, written with its record (:mod:`provld.provo`).

    A store's bulk writer, told of them (``add_graph(..., local=...)``), may then write
    each run apart from the rest of the document (:class:`OxigraphBackend` gives its
    loader slices cut between runs). They are known by their labels: a prefix drawn at
    random for each document, so that no label of the document itself can take it, and a
    count, so that a node met again after its run is caught rather than split in two.

    >>> blanks = LocalBlanks()
    >>> blanks.number(blanks()), blanks.number(blanks()), blanks.number(BlankNode("x"))
    (0, 1, None)
    """

    def __init__(self) -> None:
        self.prefix = f"r{secrets.token_hex(8)}n"
        self._count = itertools.count()

    def __call__(self) -> BlankNode:
        return BlankNode(f"{self.prefix}{next(self._count)}")

    def number(self, node: BlankNode) -> int | None:
        """The count of a node made here; None for any other blank node."""
        label = node.value
        return int(label[len(self.prefix) :]) if label.startswith(self.prefix) else None


class Backend(ABC):
    """A quad store that provld can keep documents in."""

    #: What the user gave to open it (a path, ``memory:``, a URL), for messages.
    location: str
    #: True when other processes may use the store at the same time (a SPARQL server):
    #: then a load another process has begun is not a crash's trace (see
    #: :meth:`provld.documents.Catalogue.recover`).
    shared: bool = False
    #: A number that changes with every write, where this process makes every write
    #: (the embedded store); None where others may write too. Caches key on it.
    generation: int | None = None

    @abstractmethod
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
        """Run a query. The default graph is the union of every graph (``union``), or
        the merge of ``graphs`` when given; ``named`` limits the graphs GRAPH can see;
        ``bindings`` are bound values of variables
        (never pasted into the text). As pyoxigraph follows SEP-0007, a bound variable
        of a SELECT query must be in its projection.

        ``timeout`` is the most seconds the query may take: past it, the backend raises
        :class:`StoreTimeout`. A backend that cannot stop a query ignores it (the
        embedded store: :mod:`provld.limits` runs public queries in a worker process)."""

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL Update in one transaction."""

    @abstractmethod
    def add_graph(
        self,
        graph: NamedNode,
        quads: Iterable[Quad],
        *,
        size: int | None = None,
        local: LocalBlanks | None = None,
    ) -> None:
        """Write the quads of a new named graph: all of them, or none. ``size`` is the
        number of quads expected, where the caller knows it; ``local`` made the blank
        nodes of ``quads`` that come in runs (a backend may ignore both)."""

    def load_graph(
        self, graph: NamedNode, data: bytes, fmt: RdfFormat, *, base_iri: str | None = None
    ) -> None:
        """Load an RDF document of a triple format into ``graph`` as it is."""
        parsed = pyoxigraph.parse(data, fmt, base_iri=base_iri, rename_blank_nodes=True)
        self.add_graph(graph, (Quad(t.subject, t.predicate, t.object, graph) for t in parsed))

    def bulk_allowed(self, size: int) -> bool:
        """True when a graph of about ``size`` quads is better written in bulk, outside
        one transaction (the caller then keeps it all or nothing with a journal)."""
        return False

    def discard(self, graph: NamedNode) -> None:
        """Forget what an :meth:`add_graph` of ``graph`` cut short may have left outside
        ``graph`` itself (a remote store's staging graph); ``graph`` is not touched."""
        return None

    @abstractmethod
    def remove_graph(self, graph: NamedNode) -> None:
        """Remove a named graph and its quads (nothing happens if it is absent)."""

    @abstractmethod
    def has_graph(self, graph: NamedNode) -> bool: ...

    def about(self, resource: NamedNode) -> list[Quad]:
        """The quads whose subject is ``resource``, and those of the blank nodes they point
        at, in every named graph: what a description of ``resource`` is made of, with the
        documents it comes from."""
        result = self.query(named_query("about"), bindings={"resource": resource})
        assert isinstance(result, QuerySolutions)
        return [
            Quad(row["s"], row["p"], row["o"], row["g"])  # type: ignore[arg-type]
            for row in result
        ]

    @abstractmethod
    def graph_quads(self, graph: NamedNode) -> Iterator[Quad]:
        """The quads of one named graph."""

    @abstractmethod
    def dump(
        self,
        output: BinaryIO,
        fmt: RdfFormat,
        graph: NamedNode | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """Write one graph (or every graph, for dataset formats) to ``output``."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def variables(
    bindings: Bindings | None,
) -> dict[Variable, NamedNode | BlankNode | Literal | Triple] | None:
    if not bindings:
        return None
    return {Variable(k): v for k, v in bindings.items()}
