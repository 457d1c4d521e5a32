"""What the store says about one resource: its description, the relations pointing at
it, readable labels, and the documents it appears in.

>>> from provld.store import open_store
>>> from pyoxigraph import NamedNode
>>> describe(open_store("memory:"), NamedNode("http://ex.org/nothing"))
[]
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import pyoxigraph
from pyoxigraph import Literal, NamedNode, QuerySolutions, Triple

from provld.resources import data_file, named_query
from provld.store.base import Backend
from provld.store.oxigraph import quads_about
from provld.vocab import LABELS


def describe(store: Backend, resource: NamedNode) -> list[Triple]:
    """The concise bounded description of ``resource`` over every stored graph; for a
    term of the ontology or its vocabularies, its definition."""
    return about(store, resource)[0]


def about(
    store: Backend, resource: NamedNode, *, leave_out: NamedNode | None = None
) -> tuple[list[Triple], list[NamedNode]]:
    """The description of ``resource`` (as :func:`describe`) and the documents it is
    described in, in store order, ``leave_out`` (the catalogue) excepted."""
    quads = store.about(resource)
    if not quads:
        return _defined(resource), []
    # A blank node pointed at twice, or a triple stated in two documents: once is enough.
    triples = list(dict.fromkeys(q.triple for q in quads))
    graphs = dict.fromkeys(
        q.graph_name
        for q in quads
        if isinstance(q.graph_name, NamedNode) and q.graph_name != leave_out
    )
    return triples, list(graphs)


def _defined(resource: NamedNode) -> list[Triple]:
    """The definition of a term of the ontology or its vocabularies (none otherwise)."""
    return list(dict.fromkeys(q.triple for q in quads_about(ontology(), resource)))


@cache
def ontology() -> pyoxigraph.Store:
    """The ontology and its SKOS vocabularies, in a store of their own (read-only use)."""
    store = pyoxigraph.Store()
    for name in ("provdm.ttl", "vocabularies.ttl"):
        store.load(data_file("ontology", name).read_bytes(), pyoxigraph.RdfFormat.TURTLE)
    return store


def ontology_triples() -> list[Triple]:
    return [q.triple for q in ontology()]


def incoming(store: Backend, resource: NamedNode) -> list[tuple[NamedNode, NamedNode]]:
    """(subject, predicate) of the triples whose object is ``resource``."""
    result = store.query(named_query("incoming"), bindings={"resource": resource})
    assert isinstance(result, QuerySolutions)
    return [(row["subject"], row["predicate"]) for row in result]  # type: ignore[misc]


def label(store: Backend, resource: NamedNode) -> str | None:
    """The rdfs:label (else voprov:name) of a resource, if it has one."""
    result = store.query(named_query("labels"), bindings={"resource": resource})
    assert isinstance(result, QuerySolutions)
    for row in result:
        return row["label"].value  # type: ignore[union-attr]
    return None


def labels_in(triples: Iterable[Triple]) -> dict[str, str]:
    """Labels found in some triples, by subject IRI or blank node label (one never
    takes the other: an IRI has a colon, a label never), rdfs:label before voprov:name."""
    rank = {iri: i for i, iri in enumerate(LABELS)}
    best: dict[str, tuple[int, str]] = {}
    for t in triples:
        r = rank.get(t.predicate.value)
        s = t.subject
        if r is None or isinstance(s, Triple) or not isinstance(t.object, Literal):
            continue
        if s.value not in best or r < best[s.value][0]:
            best[s.value] = (r, t.object.value)
    return {iri: text for iri, (_, text) in best.items()}


def counts(store: Backend, catalogue: NamedNode) -> dict[str, int]:
    """How many documents, entities, activities and agents are stored (in the documents,
    not in the ``catalogue`` graph)."""
    result = store.query(named_query("counts"), bindings={"catalogue": catalogue}, union=False)
    assert isinstance(result, QuerySolutions)
    names = ("documents", "entities", "activities", "agents")
    for row in result:
        return {name: int(row[name].value) for name in names}  # type: ignore[union-attr]
    return dict.fromkeys(names, 0)  # an empty store: no group at all
