"""The PROV record model that every PROV serialisation is read into and written from.

PROV-JSON, PROV-XML and PROV-N all describe the same thing: a list of *records*
(``entity``, ``used``, ``wasConfiguredBy``...), each with an optional identifier, its
formal arguments and free attributes, grouped in a document and its bundles. The
readers produce a :class:`Document`; :mod:`provld.provo` turns it into PROV-O quads and
back; the writers serialise it. Terms are pyoxigraph terms so that the mapping to the
store costs no conversion.

Record kinds use the PROV-JSON key names, IVOA kinds included. Formal arguments are
keyed by their local name (``activity``, ``entity``, ``time``...).

>>> doc = Document()
>>> doc.add(Record("entity", NamedNode("http://ex.org/e1")))
>>> doc.records[0].kind
'entity'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode

PROV = "http://www.w3.org/ns/prov#"
VOPROV = "http://www.ivoa.net/documents/ProvenanceDM/index.html#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

#: Namespaces of the ProvenanceDM drafts, rewritten to :data:`VOPROV` on ingest.
DRAFT_VOPROV = (
    "http://www.ivoa.net/documents/dm/provdm/voprov/",
    "http://www.ivoa.net/documents/ProvenanceDM/ns/voprov/",
    "http://www.ivoa.net/documents/ProvenanceDM/voprov/",
    "http://www.ivoa.net/documents/dm/provdm/voprov#",
    "http://www.ivoa.net/documents/ProvenanceDM#",
    "http://ivoa.net/ns/voprov#",
)
#: The XML Schema namespace of 2000, still found in old documents (RAVE examples).
OLD_XSD = ("http://www.w3.org/2000/10/XMLSchema#", "http://www.w3.org/2001/XMLSchema")

Term = NamedNode | BlankNode | Literal
Node = NamedNode | BlankNode

# Formal arguments of each record kind, in PROV-N order. The first one or two are the
# mandatory ends of a relation; the kinds with ``time`` accept it as the last argument.
PROV_ELEMENTS = {"entity", "activity", "agent"}
RELATION_ARGS: dict[str, tuple[str, ...]] = {
    "used": ("activity", "entity", "time"),
    "wasGeneratedBy": ("entity", "activity", "time"),
    "wasInvalidatedBy": ("entity", "activity", "time"),
    "wasStartedBy": ("activity", "trigger", "starter", "time"),
    "wasEndedBy": ("activity", "trigger", "ender", "time"),
    "wasInformedBy": ("informed", "informant"),
    "wasDerivedFrom": ("generatedEntity", "usedEntity", "activity", "generation", "usage"),
    "wasAttributedTo": ("entity", "agent"),
    "wasAssociatedWith": ("activity", "agent", "plan"),
    "actedOnBehalfOf": ("delegate", "responsible", "activity"),
    "wasInfluencedBy": ("influencee", "influencer"),
    "alternateOf": ("alternate1", "alternate2"),
    "specializationOf": ("specificEntity", "generalEntity"),
    "mentionOf": ("specificEntity", "generalEntity", "bundle"),
    "hadMember": ("collection", "entity"),
    # IVOA ProvenanceDM relations, as voprov and OPUS write them.
    "wasConfiguredBy": ("configured", "configurator", "artefactType"),
    "isDescribedBy": ("described", "descriptor"),
    "isRelatedTo": ("related", "relator"),
}
#: Arguments of IVOA relations live in the voprov namespace, the others in prov.
VOPROV_RELATIONS = {"wasConfiguredBy", "isDescribedBy", "isRelatedTo"}
#: Element kinds of ProvenanceDM, each a subclass of a PROV element.
IVOA_ELEMENTS: dict[str, str] = {
    "valueEntity": "entity",
    "datasetEntity": "entity",
    "collection": "entity",
    "parameter": "entity",
    "configFile": "entity",
    "activityDescription": "entity",
    "entityDescription": "entity",
    "valueDescription": "entity",
    "datasetDescription": "entity",
    "usageDescription": "entity",
    "generationDescription": "entity",
    "parameterDescription": "entity",
    "configFileDescription": "entity",
}
#: Element kinds whose PROV-N form takes start and end times as arguments.
ELEMENT_ARGS: dict[str, tuple[str, ...]] = {"activity": ("startTime", "endTime")}
#: Record kinds of the ProvenanceDM drafts and their arguments (see provld.drafts).
DRAFT_ARGS: dict[str, tuple[str, ...]] = {
    "activityFlow": ("startTime", "endTime"),
    "hadStep": ("activity", "activityFlow"),
}
#: The lexical form of xsd:dateTime that PROV times must have.
DATETIME = re.compile(
    r"-?[0-9]{4,}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-4]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)


def arg_namespace(kind: str) -> str:
    """The namespace of the formal arguments of a record kind.

    >>> arg_namespace("used") == PROV, arg_namespace("isDescribedBy") == VOPROV
    (True, True)
    """
    return VOPROV if kind in VOPROV_RELATIONS else PROV


def is_relation(kind: str) -> bool:
    """True for relation kinds (``used``...), False for elements (``entity``...)."""
    return kind in RELATION_ARGS


@dataclass(slots=True)
class Record:
    """One PROV statement: its kind, identifier, formal arguments and attributes.

    ``attrs`` keeps repeated attributes (several ``prov:type``) in order.
    """

    kind: str
    id: Node | None = None
    args: dict[str, Term] = field(default_factory=dict)
    attrs: list[tuple[NamedNode, Term]] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    """A PROV document: prefixes, top-level records and named bundles."""

    namespaces: dict[str, str] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    bundles: dict[NamedNode, Document] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        self.records.append(record)

    def all_records(self) -> list[Record]:
        """Records of the document and of its bundles, the document's first."""
        out = list(self.records)
        for bundle in self.bundles.values():
            out.extend(bundle.all_records())
        return out


def rewrite_namespace(iri: str) -> str:
    """Map an IRI in a draft ProvenanceDM or old XSD namespace to the current one.

    >>> rewrite_namespace("http://ivoa.net/ns/voprov#Parameter") == VOPROV + "Parameter"
    True
    >>> rewrite_namespace("http://www.w3.org/2001/XMLSchema-instance")
    'http://www.w3.org/2001/XMLSchema-instance'
    >>> rewrite_namespace("http://www.w3.org/2000/10/XMLSchema#int") == XSD + "int"
    True
    """
    for draft in DRAFT_VOPROV:
        if iri.startswith(draft):
            return VOPROV + iri[len(draft) :]
    for old in OLD_XSD:
        if iri.startswith(old):
            rest = iri[len(old) :]
            if not rest.startswith("-"):
                # XMLSchema-instance is another namespace; "XMLSchema" without '#' (as
                # PROV-XML declares it) gets its '#' back
                return XSD + rest.lstrip("#")
    return iri


__all__ = [
    "BlankNode",
    "Document",
    "Literal",
    "NamedNode",
    "Record",
    "PROV",
    "VOPROV",
    "XSD",
]
