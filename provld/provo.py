"""PROV records to PROV-O and ProvenanceDM triples.

Every relation is written in both forms PROV-O defines: the plain triple
(``:a prov:used :e``), always, so that simple queries find it; and a qualified node
(``:a prov:qualifiedUsage [ a prov:Usage ; prov:entity :e ; prov:atTime ... ]``) when
the relation has an identifier, a time, attributes or optional arguments. The node is the
relation's identifier when it has one, a fresh blank node otherwise.

The IVOA records become the ontology's terms: ``datasetEntity`` is a
``voprov:DatasetEntity`` (and, written out, a ``prov:Entity``: the store does no
inference), ``isDescribedBy`` picks the description link that fits the kinds of its
ends (``voprov:activityDescription``, ``voprov:usageDescription``...), and
``wasConfiguredBy`` becomes ``voprov:wasConfiguredBy`` with a qualified
``voprov:WasConfiguredBy`` node carrying the artefact type.

>>> from provld.model import Document, Record, NamedNode
>>> doc = Document()
>>> a, e = NamedNode("http://ex.org/a"), NamedNode("http://ex.org/e")
>>> doc.add(Record("used", None, {"activity": a, "entity": e}))
>>> [str(q.predicate) for q in document_quads(doc)]
['<http://www.w3.org/ns/prov#used>']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad

from provld.errors import FormatError
from provld.model import PROV, VOPROV, XSD, Document, Node, Record, Term
from provld.vocab import (
    A_LABEL,
    A_LOCATION,
    A_ROLE,
    A_TYPE,
    AGENT_TYPES,
    ATTRIBUTE_RENAMES,
    DERIVATION_SUBTYPES,
    DESCRIPTION_LINKS,
    ELEMENT_CLASSES,
    ENTITY_KINDS,
    EXPECTED_ENTITY,
    PART_LINKS,
    RDF_TYPE,
    RDFS_LABEL,
    RELATIONS,
    TIME_PROPERTIES,
    XSD_DATETIME,
    prov,
    voprov,
)

_GraphName = NamedNode | BlankNode | DefaultGraph

_CLASS_NODES = {kind: [NamedNode(c) for c in classes] for kind, classes in ELEMENT_CLASSES.items()}
_PROV_BUNDLE, _PROV_ENTITY = prov("Bundle"), prov("Entity")
_STARTED, _ENDED = prov("startedAtTime"), prov("endedAtTime")
_LOCATION, _AT_LOCATION = voprov("location"), prov("atLocation")
_ROLE, _HAD_ROLE = voprov("role"), prov("hadRole")
_VO_TYPE, _VO_ID, _VO_DESCRIPTOR = VOPROV + "type", VOPROV + "id", VOPROV + "descriptor"
_ARTEFACT = voprov("artefactType")
_PARAMETER, _CONFIG_FILE = voprov("parameter"), voprov("configFile")
_IS_DESCRIBED_BY, _IS_RELATED_TO = voprov("isDescribedBy"), voprov("isRelatedTo")
_ENTITY_DESCRIPTION = voprov("entityDescription")
_DESCRIPTOR_KIND_LINKS = {
    "activityDescription": voprov("activityDescription"),
    "entityDescription": _ENTITY_DESCRIPTION,
    "valueDescription": _ENTITY_DESCRIPTION,
    "datasetDescription": _ENTITY_DESCRIPTION,
    "usageDescription": voprov("usageDescription"),
    "generationDescription": voprov("generationDescription"),
    "parameterDescription": voprov("parameterDescription"),
    "configFileDescription": voprov("configFileDescription"),
}
_VALUED = {"parameter", "valueEntity"}
_PROV_VALUE, _VO_VALUE = prov("value"), voprov("value")
_MULTIPLICITY = VOPROV + "multiplicity"
_ENTITY_DESCRIPTION_KINDS = {"entityDescription", "valueDescription", "datasetDescription"}


def document_quads(
    doc: Document,
    graph: _GraphName | None = None,
    *,
    drain: bool = False,
    blank: Callable[[], BlankNode] = BlankNode,
) -> Iterator[Quad]:
    """The PROV-O quads of ``doc`` (its bundles flattened into the same graph).

    With ``drain``, records are taken out of ``doc`` as they are mapped, so that a big
    document's records and its quads are not both whole in memory. ``blank`` makes the
    node of a record without an identifier (a relation's qualified node, mostly); the
    quads of each come one after another (see :class:`provld.store.base.LocalBlanks`).
    """
    g = graph if graph is not None else DefaultGraph()
    kinds = record_kinds(doc)
    yield from _bundle_quads(doc, g)
    for record in _drained(doc) if drain else doc.all_records():
        yield from _record_quads(record, kinds, g, blank)


#: Relations whose mapping depends on the kind of what they link (a description link's
#: property, a configuration's): with records read one by one, mapped last.
_KIND_DEPENDENT = frozenset({"isDescribedBy", "isRelatedTo", "wasConfiguredBy"})


def stream_quads(
    doc: Document,
    records: Iterable[Record],
    graph: _GraphName | None = None,
    *,
    blank: Callable[[], BlankNode] = BlankNode,
) -> Iterator[Quad]:
    """The PROV-O quads of a document read record by record (``records``; ``doc`` has
    its bundles once they are all read): the same quads as :func:`document_quads`, made
    as the records come. The few relations that need the kind of every record are mapped
    after the last one."""
    g = graph if graph is not None else DefaultGraph()
    kinds: dict[Node, str] = {}
    later: list[Record] = []
    for record in records:
        _note_kind(kinds, record)
        if record.kind in _KIND_DEPENDENT:
            later.append(record)
        else:
            yield from _record_quads(record, kinds, g, blank)
    for record in later:
        yield from _relation(record, kinds, g, blank)
    yield from _bundle_quads(doc, g)


def _record_quads(
    record: Record, kinds: dict[Node, str], g: _GraphName, blank: Callable[[], BlankNode]
) -> Iterator[Quad]:
    if record.kind in RELATIONS:
        yield from _relation(record, kinds, g, blank)
    elif record.kind in ELEMENT_CLASSES:
        yield from _element(record, g, blank)
    else:
        raise FormatError(f"record kind {record.kind!r} has no PROV-O mapping")


def _bundle_quads(doc: Document, g: _GraphName) -> Iterator[Quad]:
    for bundle_id in _bundle_ids(doc):
        yield Quad(bundle_id, RDF_TYPE, _PROV_BUNDLE, g)
        yield Quad(bundle_id, RDF_TYPE, _PROV_ENTITY, g)


def _drained(doc: Document) -> Iterator[Record]:
    while doc.records:
        yield doc.records.pop()
    for bundle in doc.bundles.values():
        yield from _drained(bundle)


def record_kinds(doc: Document) -> dict[Node, str]:
    """Kind of every identified record (elements and relations) of a document."""
    kinds: dict[Node, str] = {}
    for record in doc.all_records():
        _note_kind(kinds, record)
    return kinds


def _note_kind(kinds: dict[Node, str], record: Record) -> None:
    # An element declared twice keeps its most specific (IVOA) kind.
    if record.id is not None and kinds.get(record.id) in (None, "entity", "agent"):
        kinds[record.id] = record.kind


def _bundle_ids(doc: Document) -> Iterator[NamedNode]:
    for bundle_id, bundle in doc.bundles.items():
        yield bundle_id
        yield from _bundle_ids(bundle)


def _element(record: Record, g: _GraphName, blank: Callable[[], BlankNode]) -> Iterator[Quad]:
    s = record.id if record.id is not None else blank()
    for cls in _CLASS_NODES[record.kind]:
        yield Quad(s, RDF_TYPE, cls, g)
    if record.args:
        start = record.args.get("startTime")
        if start is not None:
            yield Quad(s, _STARTED, _as_time(start), g)
        end = record.args.get("endTime")
        if end is not None:
            yield Quad(s, _ENDED, _as_time(end), g)
    is_agent = record.kind == "agent"
    valued = record.kind in _VALUED
    for attr, value in record.attrs:
        if attr not in _SPECIAL:
            yield Quad(s, attr, value, g)  # most attributes: as they are
            continue
        if valued and attr == _PROV_VALUE:
            attr = _VO_VALUE  # the REC's Parameter.value and ValueEntity.value
        yield from _attribute(s, attr, value, g, is_agent=is_agent)


def _relation(
    record: Record, kinds: dict[Node, str], g: _GraphName, blank: Callable[[], BlankNode]
) -> Iterator[Quad]:
    kind = record.kind
    args = record.args
    if kind == "isDescribedBy":
        yield from _description_link(args, kinds, g)
        return
    if kind == "isRelatedTo":
        yield from _part_link(args, kinds, g)
        return
    terms = RELATIONS[kind]
    s = args.get(terms.subject)
    o = args.get(terms.object)
    plain = terms.plain
    qualified, cls = terms.qualified, terms.cls
    if kind == "wasDerivedFrom":
        sub = _derivation_subtype(record)
        if sub is not None:
            plain_sub, qualified_sub = DERIVATION_SUBTYPES[sub]
            if s is not None and o is not None:
                yield Quad(s, prov(plain_sub), o, g)  # type: ignore[arg-type]
            qualified = prov(qualified_sub)
    if s is not None and o is not None:
        yield Quad(s, plain, o, g)  # type: ignore[arg-type]
    needs_node = (
        record.id is not None
        or bool(record.attrs)
        or len(args) > (s is not None) + (o is not None)
        or kind == "wasConfiguredBy"
    )
    if not needs_node or qualified is None or s is None:
        if kind == "mentionOf" and s is not None and "bundle" in args:
            yield Quad(s, prov("asInBundle"), args["bundle"], g)  # type: ignore[arg-type]
        return
    node = record.id if record.id is not None else blank()
    yield Quad(s, qualified, node, g)  # type: ignore[arg-type]
    yield Quad(node, RDF_TYPE, cls, g)  # type: ignore[arg-type]
    if o is not None:
        if kind == "wasConfiguredBy":
            yield Quad(node, _configurator_property(args, o, kinds), o, g)
        else:
            yield Quad(node, terms.influencer, o, g)  # type: ignore[arg-type]
    for arg, prop in terms.extra:
        value = args.get(arg)
        if value is not None:
            yield Quad(node, prop, _as_time(value) if arg == "time" else value, g)
    if kind == "wasConfiguredBy":
        artefact = args.get("artefactType")
        if artefact is not None:
            yield Quad(node, _ARTEFACT, _as_string(artefact), g)
    for attr, value in record.attrs:
        if attr not in _SPECIAL:
            yield Quad(node, attr, value, g)
        elif attr == _DESCRIPTOR and kind in DESCRIPTION_LINKS:
            yield Quad(node, DESCRIPTION_LINKS[kind], value, g)
        elif attr == A_TYPE and kind == "wasDerivedFrom" and value.value in DERIVATION_SUBTYPES:
            yield Quad(node, RDF_TYPE, value, g)
        else:
            yield from _attribute(node, attr, value, g, relation=kind)


#: Attributes that are not written as they are (see _attribute).
_DESCRIPTOR = NamedNode(_VO_DESCRIPTOR)
_SPECIAL = {
    NamedNode(iri)
    for iri in (
        *ATTRIBUTE_RENAMES,
        *TIME_PROPERTIES,
        _VO_TYPE,
        _VO_ID,
        _VO_DESCRIPTOR,
        _MULTIPLICITY,
        PROV + "value",
    )
} | {A_LABEL, A_TYPE, A_LOCATION, A_ROLE}


def _derivation_subtype(record: Record) -> str | None:
    for attr, value in record.attrs:
        if attr == A_TYPE and isinstance(value, NamedNode) and value.value in DERIVATION_SUBTYPES:
            return value.value
    return None


def _configurator_property(args: dict[str, Term], o: Term, kinds: dict[Node, str]) -> NamedNode:
    artefact = args.get("artefactType")
    text = artefact.value.lower() if artefact is not None else ""
    if "config" in text or kinds.get(o) == "configFile":  # type: ignore[arg-type]
        return _CONFIG_FILE
    return _PARAMETER


def _description_link(
    args: dict[str, Term], kinds: dict[Node, str], g: _GraphName
) -> Iterator[Quad]:
    described, descriptor = args.get("described"), args.get("descriptor")
    if described is None or descriptor is None:
        return
    kind = kinds.get(described)  # type: ignore[arg-type]
    prop = DESCRIPTION_LINKS.get(kind or "")
    if prop is None and kind in ENTITY_KINDS:
        prop = _ENTITY_DESCRIPTION
    if prop is None:
        prop = _DESCRIPTOR_KIND_LINKS.get(kinds.get(descriptor) or "")  # type: ignore[arg-type]
        if prop is _ENTITY_DESCRIPTION and kind not in (None, *ENTITY_KINDS):
            prop = None
    yield Quad(described, prop or _IS_DESCRIBED_BY, descriptor, g)  # type: ignore[arg-type]


def _part_link(args: dict[str, Term], kinds: dict[Node, str], g: _GraphName) -> Iterator[Quad]:
    related, relator = args.get("related"), args.get("relator")
    if related is None or relator is None:
        return
    related_kind = kinds.get(related)  # type: ignore[arg-type]
    relator_kind = kinds.get(relator)  # type: ignore[arg-type]
    if related_kind in PART_LINKS and relator_kind in (None, "activityDescription"):
        yield Quad(relator, PART_LINKS[related_kind], related, g)  # type: ignore[arg-type]
    elif related_kind in _ENTITY_DESCRIPTION_KINDS and relator_kind in (
        "usageDescription",
        "generationDescription",
    ):
        yield Quad(relator, EXPECTED_ENTITY, related, g)  # type: ignore[arg-type]
    else:
        yield Quad(related, _IS_RELATED_TO, relator, g)  # type: ignore[arg-type]


def _attribute(
    s: Node,
    attr: NamedNode,
    value: Term,
    g: _GraphName,
    *,
    is_agent: bool = False,
    relation: str | None = None,
) -> Iterator[Quad]:
    iri = attr.value
    renamed = ATTRIBUTE_RENAMES.get(iri)
    if renamed is not None:
        iri = renamed
        attr = NamedNode(iri)
    if attr == A_LABEL:
        yield Quad(s, RDFS_LABEL, value, g)
    elif attr == A_TYPE or (is_agent and iri == _VO_TYPE):
        if isinstance(value, NamedNode):
            yield Quad(s, RDF_TYPE, value, g)
        elif is_agent and _agent_type(value.value) is not None:
            yield Quad(s, RDF_TYPE, NamedNode(_agent_type(value.value)), g)  # type: ignore[arg-type]
        else:
            yield Quad(s, attr, value, g)
    elif attr == A_LOCATION:
        yield Quad(s, _AT_LOCATION if isinstance(value, NamedNode) else _LOCATION, value, g)
    elif attr == A_ROLE:
        if isinstance(value, NamedNode) and relation != "wasAttributedTo":
            yield Quad(s, _HAD_ROLE, value, g)
        else:
            yield Quad(s, _ROLE, _as_string(value), g)
    elif iri in TIME_PROPERTIES:
        yield Quad(s, attr, _as_time(value), g)
    elif iri == _MULTIPLICITY:
        yield Quad(s, attr, _as_string(value), g)  # VO-DML syntax: "1", "*", "0..1"
    elif iri == _VO_ID:
        return  # the drafts' copy of the record's own identifier
    else:
        yield Quad(s, attr, value, g)


def _agent_type(text: str) -> str | None:
    """The PROV-O class of a ProvDM agent type (``Person``, ``voprov:Organization``...)."""
    return AGENT_TYPES.get(text.rsplit(":", 1)[-1].replace(" ", "").lower())


def _as_time(value: Term) -> Term:
    if isinstance(value, Literal) and value.datatype != XSD_DATETIME:
        return Literal(value.value, datatype=XSD_DATETIME)
    return value


def _as_string(value: Term) -> Literal:
    if isinstance(value, Literal):
        if value.language is None and value.datatype.value != XSD + "string":
            return Literal(value.value)
        return value
    return Literal(value.value)


__all__ = ["document_quads", "record_kinds", "PROV"]
