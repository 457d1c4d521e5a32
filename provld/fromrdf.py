"""PROV-O and ProvenanceDM triples back to PROV records, for writing PROV-JSON, -XML, -N.

The inverse of :mod:`provld.provo`: a qualified node and its plain triple become one
relation record (with the node as identifier when it is an IRI), typed nodes become
element records of the most specific kind, and the other triples become attributes.
``provo.document_quads(to_document(G))`` gives back ``G`` for any ``G`` that
``provo`` wrote; what plain RDF cannot bring back is listed in the README.

>>> from pyoxigraph import Triple, NamedNode
>>> from provld.vocab import RDF_TYPE, prov
>>> a, e = NamedNode("http://ex.org/a"), NamedNode("http://ex.org/e")
>>> doc = to_document([Triple(a, RDF_TYPE, prov("Activity")), Triple(a, prov("used"), e)])
>>> [(r.kind, sorted(r.args)) for r in doc.records]
[('activity', []), ('used', ['activity', 'entity'])]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

from provld.model import PROV, VOPROV, Document, Node, Record, Term
from provld.vocab import (
    A_LABEL,
    A_LOCATION,
    A_ROLE,
    A_TYPE,
    AGENT_CLASSES,
    CLASS_KINDS,
    DERIVATION_SUBTYPES,
    DESCRIPTION_LINKS,
    ELEMENT_CLASSES,
    EXPECTED_ENTITY,
    IMPLIED_TYPES,
    PART_LINKS,
    RDF_TYPE,
    RDFS_LABEL,
    RELATIONS,
    voprov,
)

_ACTIVITY, _AGENT, _ENTITY = PROV + "Activity", PROV + "Agent", PROV + "Entity"
_STARTED, _ENDED = PROV + "startedAtTime", PROV + "endedAtTime"
_QUALIFIED: dict[str, str] = {}
_PLAIN: dict[str, str] = {}
for _kind, _terms in RELATIONS.items():
    if _terms.qualified is not None:
        _QUALIFIED[_terms.qualified.value] = _kind
    if _kind not in ("isDescribedBy", "isRelatedTo"):
        _PLAIN[_terms.plain.value] = _kind
_SUBTYPE_OF_QUALIFIED = {PROV + q: PROV + t for t, (_p, q) in DERIVATION_SUBTYPES.items()}
_SUBTYPE_OF_PLAIN = {PROV + p: PROV + t for t, (p, _q) in DERIVATION_SUBTYPES.items()}
for _q in _SUBTYPE_OF_QUALIFIED:
    _QUALIFIED[_q] = "wasDerivedFrom"
_CLASSES = {t.cls.value for t in RELATIONS.values() if t.cls is not None}
_DESCRIBED_BY = {p.value for p in DESCRIPTION_LINKS.values()} | {
    VOPROV + "entityDescription",
    VOPROV + "isDescribedBy",
}
_PARTS = {p.value for p in PART_LINKS.values()}
_DESCRIPTOR_ON_NODE = {p.value for p in DESCRIPTION_LINKS.values()}
_CONFIGURATORS = {VOPROV + "parameter", VOPROV + "configFile"}
_ASINBUNDLE = PROV + "asInBundle"
_MENTION = PROV + "mentionOf"
_ROLE, _HAD_ROLE = VOPROV + "role", PROV + "hadRole"
_AT_LOCATION = PROV + "atLocation"
_DESCRIPTOR = voprov("descriptor")
# Kinds in the order a node's types are tried: the IVOA ones are the most specific.
_KIND_ORDER = [k for k in ELEMENT_CLASSES if k not in ("entity", "activity", "agent")]


def to_document(
    statements: Iterable[Triple | Quad], namespaces: dict[str, str] | None = None
) -> Document:
    """PROV records for the triples (or quads, graph names ignored) given."""
    by_subject: dict[Node, list[tuple[NamedNode, Term]]] = defaultdict(list)
    for st in statements:
        by_subject[st.subject].append((st.predicate, st.object))  # type: ignore[index, arg-type]

    doc = Document(namespaces=dict(namespaces or {}))
    consumed: set[tuple[Node, str, Term]] = set()
    qualified_nodes: dict[Node, tuple[Node, str, str]] = {}
    for s, pairs in by_subject.items():
        for p, o in pairs:
            kind = _QUALIFIED.get(p.value)
            if kind is not None and isinstance(o, NamedNode | BlankNode):
                qualified_nodes[o] = (s, kind, p.value)

    relations: list[Record] = []
    for node, (s, kind, qprop) in qualified_nodes.items():
        relations.append(_qualified(node, s, kind, qprop, by_subject.get(node, []), consumed))

    mentions: dict[Node, list[Term]] = defaultdict(list)
    elements: list[Record] = []
    for s, pairs in by_subject.items():
        if s in qualified_nodes:
            continue
        attrs: list[tuple[NamedNode, Term]] = []
        types: list[str] = []
        for p, o in pairs:
            iri = p.value
            if p == RDF_TYPE and isinstance(o, NamedNode):
                types.append(o.value)
            elif iri in _PLAIN or iri in _SUBTYPE_OF_PLAIN:
                if (s, iri, o) in consumed:
                    continue
                relations.append(_plain(s, iri, o, pairs, consumed))
            elif iri in _QUALIFIED:
                continue
            elif iri in _DESCRIBED_BY:
                relations.append(Record("isDescribedBy", None, {"described": s, "descriptor": o}))
            elif iri in _PARTS:
                relations.append(Record("isRelatedTo", None, {"related": o, "relator": s}))
            elif iri == EXPECTED_ENTITY.value:
                relations.append(Record("isRelatedTo", None, {"related": o, "relator": s}))
            elif iri == VOPROV + "isRelatedTo":
                relations.append(Record("isRelatedTo", None, {"related": s, "relator": o}))
            elif iri == _ASINBUNDLE:
                mentions[s].append(o)
            else:
                attrs.append((p, o))
        if not types and not attrs:
            continue
        elements.append(_element(s, types, attrs))
    for record in relations:
        if record.kind == "mentionOf":
            bundles = mentions.get(record.args["specificEntity"], [])  # type: ignore[arg-type]
            if len(bundles) == 1:
                record.args["bundle"] = bundles[0]
    doc.records = elements + relations
    return doc


def _element(s: Node, types: list[str], attrs: list[tuple[NamedNode, Term]]) -> Record:
    kind = None
    for candidate in _KIND_ORDER:
        if ELEMENT_CLASSES[candidate][0] in types:
            kind = candidate
            break
    if kind is None:
        if _ACTIVITY in types:
            kind = "activity"
        elif _AGENT in types or AGENT_CLASSES.intersection(types):
            kind = "agent"
        else:
            kind = "entity"
    record = Record(kind, s)
    implied = IMPLIED_TYPES[kind]
    for t in types:
        if t not in implied and CLASS_KINDS.get(t) != kind:
            record.attrs.append((A_TYPE, NamedNode(t)))
    for p, o in attrs:
        iri = p.value
        if kind == "activity" and iri == _STARTED and "startTime" not in record.args:
            record.args["startTime"] = o
        elif kind == "activity" and iri == _ENDED and "endTime" not in record.args:
            record.args["endTime"] = o
        else:
            record.attrs.append(_attribute(p, o))
    return record


def _attribute(p: NamedNode, o: Term) -> tuple[NamedNode, Term]:
    if p == RDFS_LABEL:
        return A_LABEL, o
    if p.value == _AT_LOCATION:
        return A_LOCATION, o
    if p.value in (_HAD_ROLE, _ROLE):
        return A_ROLE, o
    return p, o


def _qualified(
    node: Node,
    s: Node,
    kind: str,
    qprop: str,
    pairs: list[tuple[NamedNode, Term]],
    consumed: set[tuple[Node, str, Term]],
) -> Record:
    terms = RELATIONS[kind]
    record = Record(kind, node if isinstance(node, NamedNode) else None)
    record.args[terms.subject] = s
    extra = {prop.value: arg for arg, prop in terms.extra}
    influencer = terms.influencer.value if terms.influencer is not None else None
    for p, o in pairs:
        iri = p.value
        if iri == influencer or (kind == "wasConfiguredBy" and iri in _CONFIGURATORS):
            if terms.object not in record.args:
                record.args[terms.object] = o
                continue
        if iri in extra and extra[iri] not in record.args:
            record.args[extra[iri]] = o
        elif kind == "wasConfiguredBy" and iri == VOPROV + "artefactType":
            record.args["artefactType"] = o
        elif p == RDF_TYPE and isinstance(o, NamedNode) and o.value in _CLASSES:
            continue
        elif iri in _DESCRIPTOR_ON_NODE:
            record.attrs.append((_DESCRIPTOR, o))
        else:
            typed = p == RDF_TYPE and isinstance(o, NamedNode)
            record.attrs.append((A_TYPE, o) if typed else _attribute(p, o))
    target = record.args.get(terms.object)
    if target is not None:
        consumed.add((s, terms.plain.value, target))
        subtype = _SUBTYPE_OF_QUALIFIED.get(qprop)
        if subtype is not None:
            for plain, sub in _SUBTYPE_OF_PLAIN.items():
                if sub == subtype:
                    consumed.add((s, plain, target))
    return record


def _plain(
    s: Node,
    iri: str,
    o: Term,
    pairs: list[tuple[NamedNode, Term]],
    consumed: set[tuple[Node, str, Term]],
) -> Record:
    subtype = _SUBTYPE_OF_PLAIN.get(iri)
    if subtype is not None:
        consumed.add((s, PROV + "wasDerivedFrom", o))
        consumed.add((s, iri, o))
        record = Record("wasDerivedFrom", None, {"generatedEntity": s, "usedEntity": o})
        record.attrs.append((A_TYPE, NamedNode(subtype)))
        return record
    kind = _PLAIN[iri]
    terms = RELATIONS[kind]
    if kind == "wasDerivedFrom":
        # A plain wasDerivedFrom beside a plain wasRevisionOf is the same statement.
        for plain, _sub in _SUBTYPE_OF_PLAIN.items():
            if any(p.value == plain and other == o for p, other in pairs):
                consumed.add((s, iri, o))
                return _plain(s, plain, o, pairs, consumed)
    return Record(kind, None, {terms.subject: s, terms.object: o})


__all__ = ["to_document", "Literal"]
