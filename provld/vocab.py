"""The IRIs provld writes, and the tables that relate PROV records to PROV-O terms.

Both directions of the mapping (:mod:`provld.provo` from records to RDF,
:mod:`provld.fromrdf` back) read these tables, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode

from provld.model import PROV, RDF, RDFS, VOPROV, XSD

DCTERMS = "http://purl.org/dc/terms/"
#: provld's own small vocabulary, for the catalogue of stored documents.
PROVLD = "https://w3id.org/provld/ns#"


def prov(local: str) -> NamedNode:
    return NamedNode(PROV + local)


def voprov(local: str) -> NamedNode:
    return NamedNode(VOPROV + local)


RDF_TYPE = NamedNode(RDF + "type")
RDFS_LABEL = NamedNode(RDFS + "label")
XSD_STRING = NamedNode(XSD + "string")
XSD_DATETIME = NamedNode(XSD + "dateTime")
XSD_QNAME = NamedNode(XSD + "QName")
PROV_QUALIFIED_NAME = prov("QUALIFIED_NAME")

# PROV attribute IRIs as they appear in records.
A_LABEL = prov("label")
A_TYPE = prov("type")
A_LOCATION = prov("location")
A_ROLE = prov("role")
A_VALUE = prov("value")


@dataclass(frozen=True, slots=True)
class RelationTerms:
    """How one relation kind is written in PROV-O.

    ``subject`` and ``object`` name the record arguments that become the plain triple's
    ends; ``influencer`` is the property from the qualified node to the object; ``extra``
    maps the optional arguments to their properties on the qualified node.
    """

    kind: str
    subject: str
    object: str
    plain: NamedNode
    qualified: NamedNode | None
    cls: NamedNode | None
    influencer: NamedNode | None
    extra: tuple[tuple[str, NamedNode], ...] = ()


def _rel(
    kind: str,
    subject: str,
    obj: str,
    plain: str,
    qualified: str | None,
    cls: str | None,
    influencer: str | None,
    extra: tuple[tuple[str, str], ...] = (),
    ns: str = PROV,
) -> RelationTerms:
    return RelationTerms(
        kind,
        subject,
        obj,
        NamedNode(ns + plain),
        NamedNode(ns + qualified) if qualified else None,
        NamedNode(ns + cls) if cls else None,
        NamedNode(PROV + influencer) if influencer else None,
        tuple((arg, NamedNode(PROV + prop)) for arg, prop in extra),
    )


RELATIONS: dict[str, RelationTerms] = {
    r.kind: r
    for r in (
        _rel(
            "used",
            "activity",
            "entity",
            "used",
            "qualifiedUsage",
            "Usage",
            "entity",
            (("time", "atTime"),),
        ),
        _rel(
            "wasGeneratedBy",
            "entity",
            "activity",
            "wasGeneratedBy",
            "qualifiedGeneration",
            "Generation",
            "activity",
            (("time", "atTime"),),
        ),
        _rel(
            "wasInvalidatedBy",
            "entity",
            "activity",
            "wasInvalidatedBy",
            "qualifiedInvalidation",
            "Invalidation",
            "activity",
            (("time", "atTime"),),
        ),
        _rel(
            "wasStartedBy",
            "activity",
            "trigger",
            "wasStartedBy",
            "qualifiedStart",
            "Start",
            "entity",
            (("starter", "hadActivity"), ("time", "atTime")),
        ),
        _rel(
            "wasEndedBy",
            "activity",
            "trigger",
            "wasEndedBy",
            "qualifiedEnd",
            "End",
            "entity",
            (("ender", "hadActivity"), ("time", "atTime")),
        ),
        _rel(
            "wasInformedBy",
            "informed",
            "informant",
            "wasInformedBy",
            "qualifiedCommunication",
            "Communication",
            "activity",
        ),
        _rel(
            "wasDerivedFrom",
            "generatedEntity",
            "usedEntity",
            "wasDerivedFrom",
            "qualifiedDerivation",
            "Derivation",
            "entity",
            (("activity", "hadActivity"), ("generation", "hadGeneration"), ("usage", "hadUsage")),
        ),
        _rel(
            "wasAttributedTo",
            "entity",
            "agent",
            "wasAttributedTo",
            "qualifiedAttribution",
            "Attribution",
            "agent",
        ),
        _rel(
            "wasAssociatedWith",
            "activity",
            "agent",
            "wasAssociatedWith",
            "qualifiedAssociation",
            "Association",
            "agent",
            (("plan", "hadPlan"),),
        ),
        _rel(
            "actedOnBehalfOf",
            "delegate",
            "responsible",
            "actedOnBehalfOf",
            "qualifiedDelegation",
            "Delegation",
            "agent",
            (("activity", "hadActivity"),),
        ),
        _rel(
            "wasInfluencedBy",
            "influencee",
            "influencer",
            "wasInfluencedBy",
            "qualifiedInfluence",
            "Influence",
            "influencer",
        ),
        _rel("alternateOf", "alternate1", "alternate2", "alternateOf", None, None, None),
        _rel(
            "specializationOf",
            "specificEntity",
            "generalEntity",
            "specializationOf",
            None,
            None,
            None,
        ),
        _rel(
            "mentionOf",
            "specificEntity",
            "generalEntity",
            "mentionOf",
            None,
            None,
            None,
            (("bundle", "asInBundle"),),
        ),
        _rel("hadMember", "collection", "entity", "hadMember", None, None, None),
        # ProvenanceDM's configuration relation: the influencer property depends on the
        # artefact type (voprov:parameter or voprov:configFile), see provo.py.
        _rel(
            "wasConfiguredBy",
            "configured",
            "configurator",
            "wasConfiguredBy",
            "qualifiedConfiguration",
            "WasConfiguredBy",
            None,
            ns=VOPROV,
        ),
        _rel(
            "isDescribedBy", "described", "descriptor", "isDescribedBy", None, None, None, ns=VOPROV
        ),
        _rel("isRelatedTo", "related", "relator", "isRelatedTo", None, None, None, ns=VOPROV),
    )
}

#: Derivation subtypes: prov:type value on a wasDerivedFrom → the PROV-O specialisation.
DERIVATION_SUBTYPES = {
    PROV + "Revision": ("wasRevisionOf", "qualifiedRevision"),
    PROV + "Quotation": ("wasQuotedFrom", "qualifiedQuotation"),
    PROV + "PrimarySource": ("hadPrimarySource", "qualifiedPrimarySource"),
}

#: Element kinds → (rdf:type, implied super types written too so queries need no reasoner).
ELEMENT_CLASSES: dict[str, tuple[str, ...]] = {
    "entity": (PROV + "Entity",),
    "activity": (PROV + "Activity",),
    "agent": (PROV + "Agent",),
    "collection": (VOPROV + "Collection", PROV + "Collection", PROV + "Entity"),
    "valueEntity": (VOPROV + "ValueEntity", PROV + "Entity"),
    "datasetEntity": (VOPROV + "DatasetEntity", PROV + "Entity"),
    "parameter": (VOPROV + "Parameter", PROV + "Entity"),
    "configFile": (VOPROV + "ConfigFile", PROV + "Entity"),
    "activityDescription": (VOPROV + "ActivityDescription", PROV + "Plan", PROV + "Entity"),
    "entityDescription": (VOPROV + "EntityDescription", PROV + "Entity"),
    "valueDescription": (
        VOPROV + "ValueDescription",
        VOPROV + "EntityDescription",
        PROV + "Entity",
    ),
    "datasetDescription": (
        VOPROV + "DatasetDescription",
        VOPROV + "EntityDescription",
        PROV + "Entity",
    ),
    "usageDescription": (VOPROV + "UsageDescription", PROV + "Entity"),
    "generationDescription": (VOPROV + "GenerationDescription", PROV + "Entity"),
    "parameterDescription": (VOPROV + "ParameterDescription", PROV + "Entity"),
    "configFileDescription": (VOPROV + "ConfigFileDescription", PROV + "Entity"),
}
#: rdf:type IRI → element kind, for reading RDF back (most specific class first).
CLASS_KINDS: dict[str, str] = {classes[0]: kind for kind, classes in ELEMENT_CLASSES.items()}
#: Types implied by an element kind, left out when writing a record back.
IMPLIED_TYPES: dict[str, frozenset[str]] = {
    kind: frozenset(classes) for kind, classes in ELEMENT_CLASSES.items()
}
#: PROV-O classes that make a node an agent or entity of a subtype (kept as prov:type).
AGENT_CLASSES = {PROV + "Person", PROV + "Organization", PROV + "SoftwareAgent"}
ENTITY_SUBCLASSES = {PROV + "Plan", PROV + "Collection", PROV + "EmptyCollection", PROV + "Bundle"}
#: The IVOA description classes (ActivityDescription, UsageDescription...).
DESCRIPTION_CLASSES = frozenset(
    classes[0] for kind, classes in ELEMENT_CLASSES.items() if kind.endswith("Description")
)
#: Properties that give a resource a readable name, the preferred first.
LABELS = (RDFS + "label", VOPROV + "name")

#: isDescribedBy: (kind of the described thing, kind of the descriptor) → property.
DESCRIPTION_LINKS: dict[str, NamedNode] = {
    "activity": voprov("activityDescription"),
    "used": voprov("usageDescription"),
    "wasGeneratedBy": voprov("generationDescription"),
    "parameter": voprov("parameterDescription"),
    "configFile": voprov("configFileDescription"),
}
ENTITY_KINDS = {"entity", "collection", "valueEntity", "datasetEntity"}
#: isRelatedTo: kind of the related part → property from the ActivityDescription to it.
PART_LINKS: dict[str, NamedNode] = {
    "usageDescription": voprov("hasUsageDescription"),
    "generationDescription": voprov("hasGenerationDescription"),
    "parameterDescription": voprov("hasParameterDescription"),
    "configFileDescription": voprov("hasConfigFileDescription"),
}
#: Description of a usage/generation pointing at the EntityDescription it expects.
EXPECTED_ENTITY = voprov("expectedEntityDescription")

#: Draft and non-PROV attribute names → ProvenanceDM 1.0 / PROV-O properties.
ATTRIBUTE_RENAMES: dict[str, str] = {
    PROV + "name": VOPROV + "name",
    VOPROV + "annotation": VOPROV + "comment",
    VOPROV + "doculink": VOPROV + "docurl",
    VOPROV + "rights": DCTERMS + "accessRights",
    VOPROV + "startTime": PROV + "startedAtTime",
    VOPROV + "endTime": PROV + "endedAtTime",
    VOPROV + "generatedAtTime": PROV + "generatedAtTime",
    VOPROV + "invalidatedAtTime": PROV + "invalidatedAtTime",
    VOPROV + "label": RDFS + "label",
}
#: Times, written as xsd:dateTime whatever the source gave.
TIME_PROPERTIES = {
    PROV + "startedAtTime",
    PROV + "endedAtTime",
    PROV + "generatedAtTime",
    PROV + "invalidatedAtTime",
    PROV + "atTime",
}
#: Agent types of ProvDM (and of the drafts) → PROV-O agent classes.
AGENT_TYPES = {
    "person": PROV + "Person",
    "individual": PROV + "Person",
    "organization": PROV + "Organization",
    "organisation": PROV + "Organization",
    "softwareagent": PROV + "SoftwareAgent",
    "software": PROV + "SoftwareAgent",
}
