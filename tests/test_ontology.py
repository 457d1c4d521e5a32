"""The ProvenanceDM ontology: it covers the REC's VO-DML model and stays within OWL 2 DL.

The VO-DML file of the Recommendation is normative for names and multiplicities, so the
coverage tests read it rather than a list copied here: a class, attribute or relation added
to the model without a term in ``ontology/provdm.ttl`` fails with its name. Names that
PROV-O already covers are mapped explicitly below; every other name must be a ``voprov:``
term. The files are found through :mod:`importlib.resources`, as the package finds them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import RdfFormat, Store
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
VODML = DATA / "ivoa" / "Provenance.vo-dml.xml"
PROV_O = DATA / "w3c-prov" / "prov-o.ttl"

VOPROV = rdflib.Namespace("http://www.ivoa.net/documents/ProvenanceDM/index.html#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
ONTOLOGY = rdflib.URIRef("http://www.ivoa.net/documents/ProvenanceDM/index.html")
PROV_O_IRI = rdflib.URIRef("http://www.w3.org/ns/prov-o#")
# A plain namespace: rdflib's XSD object warns when pytest probes its attributes.
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")
ONTOLOGY_FILES = ("provdm.ttl", "vocabularies.ttl")

#: Stands for the VO-DML ``id`` attributes: the identifier is the resource's IRI itself.
OWN_IRI = rdflib.URIRef("urn:provld:test:own-iri")

#: VO-DML types that PROV-O already defines, and the types that are values, not classes.
TYPE_TERMS: dict[str, rdflib.URIRef] = {
    "Entity": PROV.Entity,
    "Activity": PROV.Activity,
    "Agent": PROV.Agent,
    "Used": PROV.Usage,
    "WasGeneratedBy": PROV.Generation,
    "WasAssociatedWith": PROV.Association,
    "WasAttributedTo": PROV.Attribution,
    # Not classes of the REC's VO-DML (plain relations there), listed for the drafts.
    "WasDerivedFrom": PROV.Derivation,
    "WasInformedBy": PROV.Communication,
    "HadMember": PROV.hadMember,
    # The agent type enumeration is the choice among PROV-O's agent subclasses.
    "AgentType": PROV.Agent,
    "TypeOfConfigArtefact": VOPROV.artefactType,
    "VotableFieldFormat": VOPROV.valueType,
}
#: Enumeration literals, by enumeration.
LITERAL_TERMS: dict[tuple[str, str], rdflib.URIRef] = {
    ("AgentType", "Person"): PROV.Person,
    ("AgentType", "Organization"): PROV.Organization,
    ("AgentType", "SoftwareAgent"): PROV.SoftwareAgent,
    ("TypeOfConfigArtefact", "Parameter"): VOPROV.Parameter,
    ("TypeOfConfigArtefact", "Configfile"): VOPROV.ConfigFile,
}
#: Attributes and relations that PROV-O covers, whatever class has them.
MEMBER_TERMS: dict[str, rdflib.URIRef] = {
    "id": OWN_IRI,
    "startTime": PROV.startedAtTime,
    "endTime": PROV.endedAtTime,
    "generatedAtTime": PROV.generatedAtTime,
    "invalidatedAtTime": PROV.invalidatedAtTime,
    "time": PROV.atTime,
    "agent": PROV.agent,
    "entity": PROV.entity,
    "activity": PROV.activity,
    "informant": PROV.wasInformedBy,
    "usedEntity": PROV.wasDerivedFrom,
    "wasGeneratedBy": PROV.qualifiedGeneration,
    "wasAttributedTo": PROV.qualifiedAttribution,
    "wasAssociatedWith": PROV.qualifiedAssociation,
    "used": PROV.qualifiedUsage,
}
#: Members whose term depends on the class that has them.
OWNED_TERMS: dict[tuple[str, str], rdflib.URIRef] = {
    ("Agent", "type"): RDF.type,
    ("Collection", "entity"): PROV.hadMember,
    ("Activity", "wasConfiguredBy"): VOPROV.qualifiedConfiguration,
    ("ActivityDescription", "usageDescription"): VOPROV.hasUsageDescription,
    ("ActivityDescription", "generationDescription"): VOPROV.hasGenerationDescription,
    ("ActivityDescription", "parameterDescription"): VOPROV.hasParameterDescription,
    ("ActivityDescription", "configFileDescription"): VOPROV.hasConfigFileDescription,
    ("UsageDescription", "entityDescription"): VOPROV.expectedEntityDescription,
    ("GenerationDescription", "entityDescription"): VOPROV.expectedEntityDescription,
    ("Parameter", "valueEntity"): VOPROV.hadReference,
}
#: The REC's suggested terms (tables of agent roles, activity types, usage/generation types).
VOCABULARIES: dict[str, set[str]] = {
    "http://www.ivoa.net/rdf/provld/agent-role": set(
        "author contributor coordinator creator curator editor funder investigator observer"
        " operator provider publisher".split()
    ),
    "http://www.ivoa.net/rdf/provld/activity-type": set(
        "Observation Simulation Reduction Calibration Reconstruction Selection Analysis".split()
    ),
    "http://www.ivoa.net/rdf/provld/usage-type": set(
        "Main Calibration Preview Setup Quality Log Context".split()
    ),
}
DL_BUILTINS = (str(RDF), str(RDFS), str(OWL), str(XSD))


# --- reading the VO-DML model ---------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One attribute, reference or composition of a VO-DML type."""

    owner: str
    name: str
    kind: str  # attribute, reference or composition
    min: int
    max: int  # -1 for unbounded


@dataclass(frozen=True)
class Model:
    types: dict[str, str]  # name -> objectType, dataType, enumeration, primitiveType
    members: list[Member]
    literals: list[tuple[str, str]]  # (enumeration, literal)


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if _local(c) == name), None)


def _text(element: ET.Element, name: str) -> str:
    child = _child(element, name)
    assert child is not None and child.text, f"VO-DML element without {name}"
    return child.text.strip()


def read_vodml(path: Path) -> Model:
    """Type, member and literal names of a VO-DML file, matched by local element names."""
    types: dict[str, str] = {}
    members: list[Member] = []
    literals: list[tuple[str, str]] = []
    for element in ET.parse(path).getroot().iter():
        kind = _local(element)
        if kind not in ("objectType", "dataType", "enumeration", "primitiveType"):
            continue
        owner = _text(element, "name")
        types[owner] = kind
        for child in element:
            child_kind = _local(child)
            if child_kind == "literal":
                literals.append((owner, _text(child, "name")))
            elif child_kind in ("attribute", "reference", "composition"):
                mult = _child(child, "multiplicity")
                low = int(_text(mult, "minOccurs")) if mult is not None else 1
                high = int(_text(mult, "maxOccurs")) if mult is not None else 1
                members.append(Member(owner, _text(child, "name"), child_kind, low, high))
    return Model(types, members, literals)


# --- fixtures --------------------------------------------------------------------------


def ontology_file(name: str) -> Traversable:
    return resources.files("provld.ontology").joinpath(name)


def _parse(name: str) -> rdflib.Graph:
    with resources.as_file(ontology_file(name)) as path:
        return rdflib.Graph().parse(path, format="turtle")


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return _parse("provdm.ttl")


@pytest.fixture(scope="module")
def vocab() -> rdflib.Graph:
    return _parse("vocabularies.ttl")


@pytest.fixture(scope="module")
def with_prov(onto: rdflib.Graph) -> rdflib.Graph:
    """The ontology together with the PROV-O it imports."""
    if not PROV_O.is_file():
        pytest.skip(f"PROV-O not found at {PROV_O}")
    graph = rdflib.Graph()
    graph.parse(PROV_O, format="turtle")
    for triple in onto:
        graph.add(triple)
    return graph


@pytest.fixture(scope="module")
def model() -> Model:
    if not VODML.is_file():
        pytest.skip(f"VO-DML model not found at {VODML}")
    return read_vodml(VODML)


# --- helpers over the graphs -----------------------------------------------------------


def declared(graph: rdflib.Graph, term: rdflib.URIRef) -> bool:
    return (term, RDF.type, None) in graph


def is_voprov(term: rdflib.term.Node) -> bool:
    return isinstance(term, rdflib.URIRef) and str(term).startswith(str(VOPROV))


def type_term(name: str) -> rdflib.URIRef:
    return TYPE_TERMS.get(name, VOPROV[name])


def member_term(graph: rdflib.Graph, member: Member) -> rdflib.URIRef:
    term = OWNED_TERMS.get((member.owner, member.name)) or MEMBER_TERMS.get(member.name)
    if term is not None:
        return term
    # Attributes are lower camel case; accept the name as written if the model deviates.
    for local in (member.name[:1].lower() + member.name[1:], member.name):
        if declared(graph, VOPROV[local]):
            return VOPROV[local]
    return VOPROV[member.name]


def class_members(graph: rdflib.Graph, cls: rdflib.term.Node) -> list[rdflib.term.Node]:
    """The classes of a union expression, or the class itself."""
    union = graph.value(cls, OWL.unionOf)
    return list(Collection(graph, union)) if union is not None else [cls]


def superclasses(graph: rdflib.Graph, cls: rdflib.URIRef) -> set[rdflib.term.Node]:
    return {c for c in graph.transitive_objects(cls, RDFS.subClassOf) if c is not None}


def restrictions(graph: rdflib.Graph, cls: rdflib.URIRef) -> dict[rdflib.term.Node, dict[str, int]]:
    """Cardinality restrictions stated on a class: property -> {min, max}."""
    out: dict[rdflib.term.Node, dict[str, int]] = {}
    for node in graph.objects(cls, RDFS.subClassOf):
        prop = graph.value(node, OWL.onProperty)
        if prop is None:
            continue
        bounds = out.setdefault(prop, {})
        for predicate, keys in (
            (OWL.cardinality, ("min", "max")),
            (OWL.minCardinality, ("min",)),
            (OWL.maxCardinality, ("max",)),
        ):
            value = graph.value(node, predicate)
            if value is not None:
                for key in keys:
                    bounds[key] = int(str(value))
    return out


def voprov_subjects(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    return {s for s in graph.subjects() if is_voprov(s)}  # type: ignore[misc]


# --- the files ship and load -----------------------------------------------------------


@pytest.mark.parametrize("name", ONTOLOGY_FILES)
def test_ships_in_the_package(name: str) -> None:
    assert ontology_file(name).is_file()


@pytest.mark.parametrize("name", ONTOLOGY_FILES)
def test_loads_in_rdflib_and_pyoxigraph(name: str) -> None:
    graph = _parse(name)
    store = Store()
    with resources.as_file(ontology_file(name)) as path:
        store.load(path=path, format=RdfFormat.TURTLE)
    assert len(graph) > 0
    assert len(store) == len(graph)


def test_header(onto: rdflib.Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in onto
    assert (ONTOLOGY, OWL.imports, PROV_O_IRI) in onto
    assert onto.value(ONTOLOGY, OWL.versionInfo) is not None
    for prop in ("title", "description"):
        assert onto.value(ONTOLOGY, rdflib.URIRef("http://purl.org/dc/terms/" + prop))
    source = onto.value(ONTOLOGY, rdflib.URIRef("http://purl.org/dc/terms/source"))
    assert str(source) == "https://www.ivoa.net/documents/ProvenanceDM/20200411/"


def test_imports_the_prov_o_that_is_loaded(with_prov: rdflib.Graph) -> None:
    assert (PROV_O_IRI, RDF.type, OWL.Ontology) in with_prov


# --- coverage of the VO-DML model ------------------------------------------------------


def test_every_vodml_type_has_a_term(model: Model, with_prov: rdflib.Graph) -> None:
    missing = sorted(
        f"{name} -> {type_term(name)}"
        for name in model.types
        if not declared(with_prov, type_term(name))
    )
    assert not missing, "VO-DML types without a term:\n" + "\n".join(missing)


def test_every_object_type_is_a_class(model: Model, with_prov: rdflib.Graph) -> None:
    wrong = sorted(
        name
        for name, kind in model.types.items()
        if kind in ("objectType", "dataType")
        and (type_term(name), RDF.type, OWL.Class) not in with_prov
    )
    assert not wrong, f"VO-DML object types that are not OWL classes: {wrong}"


def test_every_enumeration_literal_is_mapped(model: Model, with_prov: rdflib.Graph) -> None:
    unmapped = sorted(f"{e}.{lit}" for e, lit in model.literals if (e, lit) not in LITERAL_TERMS)
    assert not unmapped, f"enumeration literals without a mapping: {unmapped}"
    undeclared = sorted(
        str(term) for term in LITERAL_TERMS.values() if not declared(with_prov, term)
    )
    assert not undeclared, f"mapped literals without a class: {undeclared}"


def test_every_vodml_member_has_a_term(model: Model, with_prov: rdflib.Graph) -> None:
    missing = sorted(
        f"{m.owner}.{m.name} -> {member_term(with_prov, m)}"
        for m in model.members
        if member_term(with_prov, m) not in (OWN_IRI, RDF.type)
        and not declared(with_prov, member_term(with_prov, m))
    )
    assert not missing, "VO-DML attributes and relations without a term:\n" + "\n".join(missing)


def test_member_kinds_match(model: Model, with_prov: rdflib.Graph) -> None:
    """Attributes are datatype properties; references and compositions object properties."""
    wrong = []
    for m in model.members:
        term = member_term(with_prov, m)
        if term in (OWN_IRI, RDF.type):
            continue
        want = OWL.DatatypeProperty if m.kind == "attribute" else OWL.ObjectProperty
        if (term, RDF.type, want) not in with_prov:
            wrong.append(f"{m.owner}.{m.name} ({m.kind}) -> {term} is not a {want}")
    assert not wrong, "\n".join(wrong)


def test_voprov_domains_cover_their_vodml_classes(model: Model, with_prov: rdflib.Graph) -> None:
    """A voprov property used by a class of the model must accept that class as subject."""
    uncovered = []
    for m in model.members:
        term = member_term(with_prov, m)
        if not is_voprov(term):
            continue
        owner = type_term(m.owner)
        accepted = superclasses(with_prov, owner) | {owner}
        for domain in with_prov.objects(term, RDFS.domain):
            if not accepted & set(class_members(with_prov, domain)):
                uncovered.append(f"{m.owner}.{m.name}: {owner} not in the domain of {term}")
    assert not uncovered, "\n".join(uncovered)


def test_multiplicities_of_ivoa_classes(model: Model, onto: rdflib.Graph) -> None:
    """VO-DML multiplicities of members of voprov classes are cardinality restrictions."""
    wrong = []
    for m in model.members:
        owner, term = type_term(m.owner), member_term(onto, m)
        if not is_voprov(owner):
            continue
        want = {}
        if m.min > 0:
            want["min"] = m.min
        if m.max > 0:
            want["max"] = m.max
        got = restrictions(onto, owner).get(term, {})
        if got != want:
            wrong.append(f"{m.owner}.{m.name} [{m.min}..{m.max}]: restrictions {got}")
    assert not wrong, "\n".join(wrong)


# --- documentation of every term -------------------------------------------------------


def test_every_voprov_term_is_documented(onto: rdflib.Graph) -> None:
    undocumented = sorted(
        f"{term} lacks {prop.n3(onto.namespace_manager)}"
        for term in voprov_subjects(onto)
        for prop in (RDFS.label, RDFS.comment, RDFS.isDefinedBy)
        if onto.value(term, prop) is None
    )
    assert not undocumented, "\n".join(undocumented)
    wrong_source = sorted(
        str(t) for t in voprov_subjects(onto) if onto.value(t, RDFS.isDefinedBy) != ONTOLOGY
    )
    assert not wrong_source, f"rdfs:isDefinedBy is not the ontology: {wrong_source}"


def test_every_voprov_property_has_domain_and_range(onto: rdflib.Graph) -> None:
    incomplete = sorted(
        str(term)
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for term in onto.subjects(RDF.type, kind)
        if is_voprov(term)
        and (onto.value(term, RDFS.domain) is None or onto.value(term, RDFS.range) is None)
    )
    assert not incomplete, f"properties without rdfs:domain or rdfs:range: {incomplete}"


def test_prov_o_terms_are_not_redefined(onto: rdflib.Graph) -> None:
    redefined = sorted({str(s) for s in onto.subjects() if str(s).startswith(str(PROV))})
    assert not redefined, f"PROV-O terms given statements here: {redefined}"


# --- OWL 2 DL sanity, on the ontology with PROV-O ---------------------------------------


def test_no_property_is_both_object_and_datatype(with_prov: rdflib.Graph) -> None:
    objects = set(with_prov.subjects(RDF.type, OWL.ObjectProperty))
    datatypes = set(with_prov.subjects(RDF.type, OWL.DatatypeProperty))
    assert not objects & datatypes


def test_voprov_terms_are_not_punned(onto: rdflib.Graph) -> None:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    punned = sorted(
        str(t)
        for t in voprov_subjects(onto)
        if sum((t, RDF.type, kind) in onto for kind in kinds) != 1
    )
    assert not punned, f"voprov terms without exactly one OWL entity type: {punned}"


def test_voprov_classes_are_declared(onto: rdflib.Graph) -> None:
    """Every voprov IRI used in a class position is declared owl:Class."""
    used: set[rdflib.term.Node] = set()
    for predicate in (RDFS.subClassOf, RDFS.domain, RDFS.range):
        for s, o in onto.subject_objects(predicate):
            if predicate == RDFS.subClassOf:
                used.add(s)
            used.update(class_members(onto, o))
    undeclared = sorted(
        str(c) for c in used if is_voprov(c) and (c, RDF.type, OWL.Class) not in onto
    )
    assert not undeclared, f"voprov classes not declared owl:Class: {undeclared}"


def test_properties_are_used_as_declared(with_prov: rdflib.Graph, onto: rdflib.Graph) -> None:
    """Sub-properties, restrictions and ranges respect object/datatype separation."""
    objects = set(with_prov.subjects(RDF.type, OWL.ObjectProperty))
    datatypes = set(with_prov.subjects(RDF.type, OWL.DatatypeProperty))
    problems = []
    for sub, sup in onto.subject_objects(RDFS.subPropertyOf):
        if not ({sub, sup} <= objects or {sub, sup} <= datatypes):
            problems.append(f"{sub} subPropertyOf {sup} mixes property kinds")
    for prop in onto.objects(None, OWL.onProperty):
        if prop not in objects | datatypes:
            problems.append(f"restriction on undeclared property {prop}")
    for prop, rng in onto.subject_objects(RDFS.range):
        is_datatype = isinstance(rng, rdflib.URIRef) and (
            str(rng).startswith(str(XSD)) or rng == RDFS.Literal
        )
        if (prop in datatypes) != is_datatype:
            problems.append(f"{prop} has range {rng}, wrong for its kind")
    assert not problems, "\n".join(problems)


def test_every_predicate_is_builtin_or_declared(
    with_prov: rdflib.Graph, onto: rdflib.Graph
) -> None:
    undeclared = sorted(
        str(p)
        for p in set(onto.predicates())
        if not str(p).startswith(DL_BUILTINS) and not declared(with_prov, p)  # type: ignore[arg-type]
    )
    assert not undeclared, f"predicates used without a declaration: {undeclared}"


# --- the vocabularies ----------------------------------------------------------------------


@pytest.mark.parametrize("scheme", sorted(VOCABULARIES), ids=lambda s: s.rsplit("/", 1)[-1])
def test_vocabulary_has_the_rec_terms(vocab: rdflib.Graph, scheme: str) -> None:
    scheme_iri = rdflib.URIRef(scheme)
    assert (scheme_iri, RDF.type, SKOS.ConceptScheme) in vocab
    concepts = set(vocab.subjects(SKOS.inScheme, scheme_iri))
    assert {str(c).rsplit("#", 1)[-1] for c in concepts} == VOCABULARIES[scheme]
    assert set(vocab.objects(scheme_iri, SKOS.hasTopConcept)) == concepts
    for concept in concepts:
        assert (concept, RDF.type, SKOS.Concept) in vocab
        assert (concept, SKOS.topConceptOf, scheme_iri) in vocab
        label = vocab.value(concept, SKOS.prefLabel)
        assert str(label).lower() == str(concept).rsplit("#", 1)[-1].lower()
        assert vocab.value(concept, SKOS.definition) is not None, concept


def test_vocabularies_point_at_ontology_terms(vocab: rdflib.Graph, onto: rdflib.Graph) -> None:
    targets = {o for o in vocab.objects(None, RDFS.seeAlso) if is_voprov(o)}
    assert targets
    assert all(declared(onto, t) for t in targets)  # type: ignore[arg-type]
