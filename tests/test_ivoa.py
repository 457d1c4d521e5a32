"""The IVOA flavour read as ProvenanceDM: voprov's three serialisations agree, the IVOA
records become ontology terms, the drafts' namespaces and names are brought to the REC."""

from __future__ import annotations

import pytest
import rdflib
from pyoxigraph import NamedNode
from rdflib.compare import isomorphic

from provld import formats
from provld.documents import Catalogue
from provld.ingest import document_quads

from .conftest import shared

VOPROV = "http://www.ivoa.net/documents/ProvenanceDM/index.html#"
PREFIXES = (
    "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
    f"PREFIX voprov: <{VOPROV}>\n"
    "PREFIX ps: <http://myobservatory.com/processes/>\n"
    "PREFIX obs: <http://myobservatory.com/instrument#>\n"
)
GRAPH = NamedNode("http://localhost:5000/graph/test")
LOCAL = "http://localhost:5000/id/test/"


def _rdf(relative: str) -> rdflib.Graph:
    path = shared(relative)
    data = path.read_bytes()
    fmt = formats.guess(path=str(path), content=data)
    text = "".join(
        f"{q.subject} {q.predicate} {q.object} .\n"
        for q in document_quads(data, fmt, GRAPH, source=path.name, local_base=LOCAL)
    )
    return rdflib.Graph().parse(data=text, format="nt")


@pytest.mark.parametrize("other", ["voprov/image_stacking.xml", "voprov/image_stacking.provn"])
def test_voprov_serialisations_give_the_same_graph(other: str) -> None:
    assert isomorphic(_rdf("voprov/image_stacking.json"), _rdf(other))


@pytest.fixture
def stacking(catalogue: Catalogue) -> Catalogue:
    path = shared("voprov/image_stacking.json")
    catalogue.load(path.read_bytes(), formats.lookup("provjson"), source=path.name)
    return catalogue


def _ask(catalogue: Catalogue, pattern: str) -> bool:
    return bool(catalogue.store.query(PREFIXES + f"ASK {{ {pattern} }}"))


@pytest.mark.parametrize(
    "pattern",
    [
        # IVOA elements are ontology classes, and PROV entities for queries without reasoning
        "obs:image1.fits a voprov:DatasetEntity, prov:Entity ; voprov:name 'image1'",
        "ps:stack a voprov:ActivityDescription, prov:Plan ; voprov:version '0.9'",
        "ps:393764 voprov:activityDescription ps:stack",
        "obs:image1.fits voprov:entityDescription ?d . ?d a voprov:EntityDescription",
        # usage descriptions hang on the qualified usage, and the plain triple is there
        "ps:245931 prov:used obs:image1.fits ; prov:qualifiedUsage ?u ."
        " ?u prov:entity obs:image1.fits ; voprov:role 'image' ;"
        " voprov:usageDescription <http://myobservatory.com/processes/bias_subtraction/usage/image>",
        "ps:stack voprov:hasUsageDescription ?ud ."
        " ?ud voprov:role 'image' ; voprov:multiplicity '*'",
        "ps:stack voprov:hasParameterDescription ?pd . ?pd voprov:name 'method'",
        # configuration: plain and qualified
        "ps:393764 voprov:wasConfiguredBy ?p ; voprov:qualifiedConfiguration ?c ."
        " ?c a voprov:WasConfiguredBy ; voprov:artefactType 'Parameter' ; voprov:parameter ?p ."
        " ?p a voprov:Parameter ; voprov:value 'mean'",
        "?c voprov:artefactType 'ConfigFile' ; voprov:configFile ?f . ?f a voprov:ConfigFile",
        # agents: ProvDM types become PROV-O classes; attribution roles are free text
        "?a a prov:Person ; voprov:email 'emma@myobservatory.com'",
        "obs:pipeline a prov:SoftwareAgent",
        "obs:image1.fits prov:qualifiedAttribution ?q . ?q voprov:role 'observer'",
        "?x prov:startedAtTime ?t FILTER(datatype(?t) = <http://www.w3.org/2001/XMLSchema#dateTime>)",
    ],
)
def test_ivoa_records_become_ontology_terms(stacking: Catalogue, pattern: str) -> None:
    assert _ask(stacking, pattern), pattern


def test_no_prov_name_or_draft_namespace_is_left(stacking: Catalogue) -> None:
    assert not _ask(stacking, "?s <http://www.w3.org/ns/prov#name> ?o")


def test_draft_document_is_read_as_the_rec(catalogue: Catalogue) -> None:
    path = shared("ivoa/example-parameters-ivoa.json")
    catalogue.load(path.read_bytes(), formats.lookup("provjson"), source=path.name)
    drafts = "|".join(
        [
            "ivoa.net/documents/ProvenanceDM/ns/voprov/",
            "2000/10/XMLSchema",
            "documents/dm/provdm",
        ]
    )
    leftover = catalogue.store.query(
        "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER(REGEX(STR(?s), '{drafts}') || REGEX(STR(?p), '{drafts}') || "
        f"REGEX(STR(?o), '{drafts}') || REGEX(STR(DATATYPE(?o)), '{drafts}')) }}"
    )
    assert list(leftover) == []  # type: ignore[arg-type]
    # draft names: annotation → comment, activityFlow → typed activity, hadStep → influence,
    # parameters attached to their activity and description as the REC models them
    assert _ask(catalogue, "?a a prov:Activity, voprov:ActivityFlow ; voprov:comment ?c")
    assert _ask(catalogue, "?flow prov:wasInfluencedBy ?step . ?step a prov:Activity")
    assert _ask(
        catalogue,
        "?act voprov:wasConfiguredBy ?p . ?p a voprov:Parameter ;"
        " voprov:parameterDescription ?d . ?d a voprov:ParameterDescription",
    )


def test_draft_namespaces_in_rdf_input_are_rewritten(catalogue: Catalogue) -> None:
    ttl = (
        b"@prefix vp: <http://www.ivoa.net/documents/dm/provdm/voprov/> .\n"
        b"@prefix old: <http://www.w3.org/2000/10/XMLSchema#> .\n"
        b'<http://ex.org/p> a vp:Parameter ; vp:value "3"^^old:int .\n'
    )
    catalogue.load(ttl, formats.lookup("turtle"))
    assert _ask(
        catalogue,
        '<http://ex.org/p> a voprov:Parameter ; voprov:value "3"^^<http://www.w3.org/2001/XMLSchema#int>',
    )


def test_the_ctapipe_log_becomes_provdm(catalogue: Catalogue) -> None:
    path = shared("ctapipe/ctapipe-quickstart.provenance.log")
    data = path.read_bytes()
    catalogue.load(data, formats.guess(path=str(path), content=data), source=path.name)
    result = catalogue.store.query(
        PREFIXES
        + "SELECT ?a ?start ?status WHERE { ?a a prov:Activity ; prov:startedAtTime ?start ;"
        " voprov:status ?status ; prov:wasAssociatedWith ?sw . ?sw a prov:SoftwareAgent }"
    )
    rows = list(result)  # type: ignore[arg-type]
    assert len(rows) == 2
    assert all(row["a"].value.startswith("urn:uuid:") for row in rows)
    assert _ask(catalogue, "?a voprov:wasConfiguredBy ?p . ?p a voprov:Parameter ; voprov:name ?n")
