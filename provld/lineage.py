"""The lineage walk of provenance access (ProvSAP): from some nodes, what they came from
(``BACK``) or what came from them (``FORTH``), as a set of PROV-O triples.

The walk is a breadth-first search over relation *hops*, one SPARQL query per level
(``sparql/lineage-back.rq``, ``lineage-forth.rq``) with the level's nodes as ``VALUES``,
so its cost grows with the answer, not with the store. Each node is visited once, so
cycles end. ``depth`` counts hops; ``None`` is ALL, capped at ``max_depth``.

The hops, from a node to the next (``FORTH`` follows each of them the other way):

====================  ================================================  ==============
from                  to (``BACK``)                                     when
====================  ================================================  ==============
entity                its generating activity (wasGeneratedBy), its     always
                      sources (wasDerivedFrom and its subproperties,
                      voprov:hadReference)
activity              what it used, its informants (wasInformedBy),     always
                      its triggers (wasStartedBy, wasEndedBy)
activity              its parameters and config files                   CONFIGURATION
                      (voprov:wasConfiguredBy)
collection            its members (hadMember)                           MEMBERS
activity, entity      its agents (wasAssociatedWith, wasAttributedTo)   AGENT
agent                 the activities it was associated with, the        AGENT, or the
                      entities attributed to it, the agents it acted    agent is one of
                      for and those acting for it, whatever the         the IDs
                      direction: its other responsibilities
====================  ================================================  ==============

Agents are always *shown*: the agents associated with every activity returned and those
of every entity returned come with the result (with their relations and descriptions),
at any depth, but without AGENT they end the walk there. With AGENT they are walked
through like any node, so the other work of the same person or software comes in: from a
pipeline's software agent, that is every run it made.

What a node brings (its *description triples*): every triple whose subject it is (types,
labels, attributes), except relations to nodes outside the result; the qualified-relation
node of each relation returned, with its attributes (qualified nodes are not counted as
hops); and the blank nodes it points at. So a relation between two returned nodes is in
the result even when the walk reached them by other paths.

DESCRIPTIONS adds the IVOA description nodes with their attributes: ``1`` the activity
descriptions of the activities returned; ``2`` also the entity, usage, generation,
parameter and config-file descriptions, and every part of the activity descriptions
(``voprov:hasUsageDescription``..., ``voprov:expectedEntityDescription``). Descriptions
are not hops. MODEL=W3C rewrites the result as plain PROV (:mod:`provld.w3c`).

>>> options = parse_options({"id": "ex:x", "Direction": "forward", "DEPTH": "2"})
>>> options.direction, options.depth, options.agent
(<Direction.FORTH: 'FORTH'>, 2, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolution, Triple

from provld import iris
from provld.errors import InputError
from provld.identifiers import resolve_id
from provld.model import PROV, VOPROV
from provld.resources import named_query
from provld.store.base import Backend
from provld.w3c import plain_prov

Node = NamedNode | BlankNode
Term = NamedNode | BlankNode | Literal

#: DEPTH=ALL stops after this many hops unless the caller sets another maximum.
MAX_DEPTH = 50
#: Nodes per query: VALUES blocks stay a few hundred kilobytes at most.
CHUNK = 1000
#: The parameters of :func:`parse_options`, in the order error messages list them.
PARAMETERS = (
    "ID",
    "DEPTH",
    "DIRECTION",
    "MODEL",
    "AGENT",
    "MEMBERS",
    "DESCRIPTIONS",
    "CONFIGURATION",
)


class Direction(StrEnum):
    BACK = "BACK"
    FORTH = "FORTH"


class Model(StrEnum):
    IVOA = "IVOA"
    W3C = "W3C"


@dataclass(frozen=True, slots=True)
class LineageOptions:
    """What to walk: from ``ids`` (texts for :func:`resolve_id`, or IRIs), which way, how
    far (``depth`` hops, ``None`` for ALL up to ``max_depth``) and what else to follow."""

    ids: tuple[str | NamedNode, ...]
    direction: Direction = Direction.BACK
    depth: int | None = None
    agent: bool = False
    members: bool = False
    descriptions: int = 0
    configuration: bool = False
    model: Model = Model.IVOA
    max_depth: int = MAX_DEPTH

    def __post_init__(self) -> None:
        # Plain strings are accepted for the enumerations, as the CLI gives them.
        ids = (self.ids,) if isinstance(self.ids, str | NamedNode) else tuple(self.ids)
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "direction", _direction(str(self.direction)))
        object.__setattr__(self, "model", _model(str(self.model)))
        if self.depth is not None and self.depth < 0:
            raise InputError(f"DEPTH: {self.depth} is negative; give 0 or more, or ALL")
        if self.descriptions not in (0, 1, 2):
            raise InputError(f"DESCRIPTIONS: {self.descriptions} is not 0, 1 or 2")
        if self.max_depth < 0:
            raise InputError(f"the maximum depth {self.max_depth} is negative")

    @property
    def limit(self) -> int:
        """The number of hops the walk may make."""
        return self.max_depth if self.depth is None else min(self.depth, self.max_depth)


def parse_options(
    params: Mapping[str, str | Sequence[str]] | Iterable[tuple[str, str]],
    *,
    max_depth: int = MAX_DEPTH,
    extra: Iterable[str] = (),
) -> LineageOptions:
    """Options from ProvSAP parameters: names in any case, ``ID`` repeatable, ``DEPTH`` a
    number or ``ALL``, ``DIRECTION`` ``BACK`` or ``FORTH`` (``FORWARD`` accepted),
    ``MODEL`` ``IVOA`` or ``W3C``, booleans ``1``/``0``/``true``/``false``,
    ``DESCRIPTIONS`` ``0``, ``1`` or ``2``. Names in ``extra`` (``RESPONSEFORMAT``...) are
    the caller's and skipped; any other name is refused with an :class:`InputError`
    naming it, as is every bad value.

    >>> parse_options([("ID", "a"), ("id", "b"), ("depth", "all")]).ids
    ('a', 'b')
    >>> parse_options({"ID": "a", "DEPTH": "-1"})
    Traceback (most recent call last):
    ...
    provld.errors.InputError: DEPTH: '-1' is negative; give 0 or more, or ALL
    """
    items = params.items() if isinstance(params, Mapping) else params
    skipped = {name.upper() for name in extra}
    values: dict[str, list[str]] = {}
    for name, value in items:
        key = name.strip().upper()
        if key in skipped:
            continue
        if key not in PARAMETERS:
            raise InputError(f"unknown parameter {name!r} (known: {', '.join(PARAMETERS)})")
        given = [value] if isinstance(value, str) else list(value)
        values.setdefault(key, []).extend(given)
    for key, given in values.items():
        if key != "ID" and len(given) > 1:
            raise InputError(f"{key} is given {len(given)} times; give it once")
    ids = tuple(v.strip() for v in values.get("ID", ()))
    if not ids:
        raise InputError("ID is required: the identifier of an entity, activity or agent")
    if not all(ids):
        raise InputError("ID: an identifier is empty")
    one = {key: given[0].strip() for key, given in values.items() if key != "ID"}
    return LineageOptions(
        ids=ids,
        direction=_direction(one.get("DIRECTION", "BACK")),
        depth=_depth(one.get("DEPTH", "ALL"), max_depth),
        agent=_boolean("AGENT", one.get("AGENT", "false")),
        members=_boolean("MEMBERS", one.get("MEMBERS", "false")),
        descriptions=_descriptions(one.get("DESCRIPTIONS", "0")),
        configuration=_boolean("CONFIGURATION", one.get("CONFIGURATION", "false")),
        model=_model(one.get("MODEL", "IVOA")),
        max_depth=max_depth,
    )


def _direction(text: str) -> Direction:
    key = text.upper()
    if key in ("BACK", "BACKWARD", "BACKWARDS"):
        return Direction.BACK
    if key in ("FORTH", "FORWARD", "FORWARDS"):
        return Direction.FORTH
    raise InputError(f"DIRECTION: {text!r} is not BACK or FORTH")


_INTEGER = re.compile(r"-?[0-9]+\Z")


def _depth(text: str, max_depth: int) -> int | None:
    if text.upper() == "ALL":
        return None
    if not _INTEGER.match(text):
        raise InputError(f"DEPTH: {text!r} is not a number of hops or ALL")
    depth = int(text)
    if depth < 0:
        raise InputError(f"DEPTH: {text!r} is negative; give 0 or more, or ALL")
    if depth > max_depth:
        raise InputError(f"DEPTH: {depth} is more than this service's maximum, {max_depth}")
    return depth


def _boolean(name: str, text: str) -> bool:
    key = text.lower()
    if key in ("1", "true"):
        return True
    if key in ("0", "false"):
        return False
    raise InputError(f"{name}: {text!r} is not a boolean (1, 0, true or false)")


def _descriptions(text: str) -> int:
    key = text.lower()
    if key in ("0", "1", "2"):
        return int(key)
    if key in ("true", "false"):
        return 1 if key == "true" else 0
    raise InputError(f"DESCRIPTIONS: {text!r} is not 0, 1 or 2")


def _model(text: str) -> Model:
    key = text.upper()
    if key in ("IVOA", "W3C"):
        return Model(key)
    raise InputError(f"MODEL: {text!r} is not IVOA or W3C")


# -- the walk ---------------------------------------------------------------------------


@dataclass(slots=True)
class Lineage:
    """The result of a walk: its triples (iterating a lineage gives them), the IRIs it
    started from, the depth of every node walked or shown (agents included, description
    nodes not), and ``truncated`` when relations were left to follow at the depth limit."""

    options: LineageOptions
    starts: tuple[NamedNode, ...]
    nodes: dict[Node, int] = field(default_factory=dict)
    triples: list[Triple] = field(default_factory=list)
    truncated: bool = False

    @property
    def capped(self) -> bool:
        """True when DEPTH=ALL stopped at the maximum depth with more to follow."""
        return self.truncated and self.options.depth is None

    def __iter__(self) -> Iterator[Triple]:
        return iter(self.triples)

    def __len__(self) -> int:
        return len(self.triples)


def _p(local: str) -> NamedNode:
    return NamedNode(PROV + local)


def _v(local: str) -> NamedNode:
    return NamedNode(VOPROV + local)


_ATTACH = {_p("wasAssociatedWith"), _p("wasAttributedTo")}
_DELEGATION = _p("actedOnBehalfOf")
_MEMBER = _p("hadMember")
_CONFIGURED = _v("wasConfiguredBy")

#: Properties that relate PROV nodes: a node's triple with one of them is kept only when
#: the other end is in the result too.
LINKS = {
    _p(local)
    for local in (
        "used wasGeneratedBy wasInvalidatedBy wasStartedBy wasEndedBy wasInformedBy "
        "wasDerivedFrom wasRevisionOf wasQuotedFrom hadPrimarySource wasAttributedTo "
        "wasAssociatedWith actedOnBehalfOf wasInfluencedBy alternateOf specializationOf "
        "mentionOf hadMember generated invalidated influenced"
    ).split()
} | {
    _v(local)
    for local in (
        "wasConfiguredBy hadReference isDescribedBy activityDescription entityDescription "
        "usageDescription generationDescription parameterDescription configFileDescription "
        "isRelatedTo hasUsageDescription hasGenerationDescription hasParameterDescription "
        "hasConfigFileDescription expectedEntityDescription"
    ).split()
}
#: Properties from a node to its qualified-relation nodes.
QUALIFIED = {
    _p(local)
    for local in (
        "qualifiedUsage qualifiedGeneration qualifiedInvalidation qualifiedStart qualifiedEnd "
        "qualifiedCommunication qualifiedDerivation qualifiedRevision qualifiedQuotation "
        "qualifiedPrimarySource qualifiedAttribution qualifiedAssociation qualifiedDelegation "
        "qualifiedInfluence"
    ).split()
} | {_v("qualifiedConfiguration")}
#: Properties from a qualified node to the thing the relation points at.
_INFLUENCERS = {_p("entity"), _p("activity"), _p("agent"), _p("influencer")} | {
    _v("parameter"),
    _v("configFile"),
}
#: Description links followed at DESCRIPTIONS=1, and the ones added at 2.
_DESCRIBED_1 = {_v("activityDescription")}
_DESCRIBED_2 = _DESCRIBED_1 | {
    _v(local)
    for local in (
        "isDescribedBy entityDescription usageDescription generationDescription "
        "parameterDescription configFileDescription isRelatedTo hasUsageDescription "
        "hasGenerationDescription hasParameterDescription hasConfigFileDescription "
        "expectedEntityDescription"
    ).split()
}


def walk(
    store: Backend,
    options: LineageOptions,
    *,
    base: str = iris.DEFAULT_BASE,
    prefixes: Mapping[str, str] | None = None,
) -> Lineage:
    """Walk the lineage that ``options`` ask for (module docstring: the rules).

    ``ids`` that are texts are resolved with :func:`resolve_id` (``base``, ``prefixes``);
    the catalogue graph of ``base`` is never part of a lineage.
    """
    if not options.ids:
        raise InputError("ID is required: the identifier of an entity, activity or agent")
    base = iris.check_base(base)
    catalogue = iris.catalogue_graph(base)
    starts: list[NamedNode] = []
    for ident in options.ids:
        if isinstance(ident, NamedNode):
            starts.append(ident)
        else:
            starts.extend(resolve_id(store, ident, base, prefixes))
    lineage = Lineage(options, tuple(dict.fromkeys(starts)))
    _hops(store, lineage, catalogue)
    triples = _describe(store, lineage, catalogue)
    lineage.triples = plain_prov(triples) if options.model == Model.W3C else triples
    return lineage


def _hops(store: Backend, lineage: Lineage, catalogue: NamedNode) -> None:
    """The breadth-first search: fills ``lineage.nodes`` with each node's depth."""
    options = lineage.options
    query = named_query("lineage-back" if options.direction == Direction.BACK else "lineage-forth")
    starts = set(lineage.starts)
    nodes = lineage.nodes
    for start in lineage.starts:
        nodes[start] = 0
    frontier: list[Node] = list(lineage.starts)
    depth = 0
    while frontier:
        expand = depth < options.limit
        following: list[Node] = []
        for _, node, link, nxt, flag in _select(store, query, frontier, catalogue):
            if not isinstance(nxt, NamedNode | BlankNode):
                continue
            out = flag.value == "true"
            if link in _ATTACH and out:
                # An activity's or entity's agent: always shown, walked through with AGENT.
                follow = options.agent
                if nxt not in nodes:
                    nodes[nxt] = depth + 1
                    if follow and expand:
                        following.append(nxt)
                    elif follow:
                        lineage.truncated = True
                continue
            if link in _ATTACH or link == _DELEGATION:
                follow = options.agent or node in starts  # an agent's responsibilities
            elif link == _MEMBER:
                follow = options.members
            elif link == _CONFIGURED:
                follow = options.configuration
            else:
                follow = True
            if not follow or nxt in nodes:
                continue
            if not expand:
                lineage.truncated = True
                continue
            nodes[nxt] = depth + 1
            following.append(nxt)
        frontier = following
        depth += 1


def _select(
    store: Backend, query: str, nodes: Iterable[Term], catalogue: NamedNode
) -> Iterator[QuerySolution]:
    """Run ``query`` with ``$frontier`` replaced by ``nodes``, in chunks.

    Blank nodes cannot be written in a query, so they are described through the nodes
    that point at them (``lineage-triples.rq``) but not walked through.
    """
    named = [n for n in nodes if isinstance(n, NamedNode)]
    for i in range(0, len(named), CHUNK):
        # str() of a NamedNode is its N-Triples form, escaped: safe to paste.
        text = query.replace("$frontier", " ".join(str(n) for n in named[i : i + CHUNK]))
        yield from store.query(text, bindings={"catalogue": catalogue})  # type: ignore[misc]


def _describe(store: Backend, lineage: Lineage, catalogue: NamedNode) -> list[Triple]:
    """The description triples of the nodes of a walk and of the descriptions it asks for."""
    level = lineage.options.descriptions
    described = _DESCRIBED_2 if level >= 2 else _DESCRIBED_1 if level == 1 else set()
    own_query, inner_query = named_query("lineage-triples"), named_query("lineage-qualified")
    # subject -> its (predicate, object) pairs; qualified and blank nodes -> theirs.
    own: dict[Term, dict[tuple[Term, Term], None]] = {}
    inner: dict[Term, dict[tuple[Term, Term], None]] = {}
    everything: set[Term] = set(lineage.nodes)
    todo: list[Node] = list(lineage.nodes)
    while todo:
        found: list[NamedNode] = []
        for _, s, p, o in _select(store, own_query, todo, catalogue):
            own.setdefault(s, {})[(p, o)] = None
            if p in described and isinstance(o, NamedNode):
                found.append(o)
        for _, o, p, v in _select(store, inner_query, todo, catalogue):
            inner.setdefault(o, {})[(p, v)] = None
            if p in described and isinstance(v, NamedNode):
                found.append(v)  # the description of a usage or a generation
        todo = [n for n in dict.fromkeys(found) if n not in everything]
        everything.update(todo)
    return _keep(own, inner, everything)


def _keep(
    own: dict[Term, dict[tuple[Term, Term], None]],
    inner: dict[Term, dict[tuple[Term, Term], None]],
    everything: set[Term],
) -> list[Triple]:
    """The triples of the result: relations only between returned nodes."""
    out: dict[Triple, None] = {}

    def add_inner(node: Term) -> None:
        for p, o in inner.get(node, ()):
            if p in LINKS and o not in everything:
                continue  # a description link to a description not asked for
            out[Triple(node, p, o)] = None  # type: ignore[arg-type]

    for s, pairs in own.items():
        for p, o in pairs:
            if p in QUALIFIED:
                targets = [v for q, v in inner.get(o, ()) if q in _INFLUENCERS]
                if targets and not any(t in everything for t in targets):
                    continue
            elif p in LINKS and o not in everything:
                continue
            out[Triple(s, p, o)] = None  # type: ignore[arg-type]
            if o in inner:
                add_inner(o)
    return list(out)


__all__ = [
    "Direction",
    "Lineage",
    "LineageOptions",
    "MAX_DEPTH",
    "Model",
    "PARAMETERS",
    "parse_options",
    "resolve_id",
    "walk",
]


def neighbourhood(store: Backend, resource: NamedNode, *, base: str = iris.DEFAULT_BASE) -> Lineage:
    """What is one hop from ``resource`` either way (its activity descriptions and, for an
    agent, its other work included): the picture on a resource's page."""
    back = walk(store, LineageOptions((resource,), depth=1, descriptions=1), base=base)
    forth = walk(
        store,
        LineageOptions((resource,), Direction.FORTH, depth=1, descriptions=1),
        base=base,
    )
    back.nodes = {**forth.nodes, **back.nodes}
    back.triples = list(dict.fromkeys([*back.triples, *forth.triples]))
    back.truncated = back.truncated or forth.truncated
    return back
