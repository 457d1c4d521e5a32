"""The SHACL shapes: every rule has a document that passes and one that fails only it,
the shapes load in rdflib and pyshacl, and they name only terms that exist.

Corpus: ``tests/data/shapes/<Shape>.pass[-n].ttl`` and ``<Shape>.fail[-n].ttl``. A shape of
the basic profile is checked with the basic profile, any other with release; a passing
document gives no result at all, a failing one results of exactly its shape.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
import rdflib
from pyoxigraph import RdfFormat, parse
from rdflib import RDF, RDFS, URIRef

from provld.resources import data_file
from provld.validate import PROFILES, shapes_graph, shipped_shape_files, validate

from .conftest import DATA, SHARED

CORPUS = DATA / "shapes"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SHP = "https://w3id.org/provld/shapes#"
PROV = "http://www.w3.org/ns/prov#"
VOPROV = "http://www.ivoa.net/documents/ProvenanceDM/index.html#"


def _named_shapes(profile: str) -> set[str]:
    g = shapes_graph(profile)
    return {
        str(s)[len(SHP) :]
        for s in set(g.subjects(RDF.type, SH.NodeShape))
        | set(g.subjects(RDF.type, SH.PropertyShape))
        if isinstance(s, URIRef) and str(s).startswith(SHP)
    }


BASIC = _named_shapes("basic")
ALL = _named_shapes("release")
DOCS = sorted(CORPUS.glob("*.ttl"))


def _shape_of(path: Path) -> tuple[str, bool]:
    shape, kind = path.name.split(".")[:2]
    return shape, kind.startswith("fail")


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_corpus_document_fails_exactly_its_shape(path: Path) -> None:
    shape, fails = _shape_of(path)
    assert shape in ALL, f"{path.name} names no shape"
    profile = "basic" if shape in BASIC else "release"
    triples = list(parse(path=str(path), format=RdfFormat.TURTLE))
    report = validate(triples, profile, document=path.name)
    failed = {r.shape.value[len(SHP) :] for r in report.results}  # type: ignore[union-attr]
    assert failed == ({shape} if fails else set()), report.text()


@pytest.mark.parametrize("shape", sorted(ALL))
def test_every_shape_has_a_passing_and_a_failing_document(shape: str) -> None:
    kinds = {_shape_of(p)[1] for p in DOCS if _shape_of(p)[0] == shape}
    assert kinds == {True, False}, f"{shape}: needs {shape}.pass.ttl and {shape}.fail.ttl"


@pytest.mark.parametrize("name", shipped_shape_files())
def test_shapes_load_in_rdflib_and_pyshacl(name: str) -> None:
    text = data_file("shapes", name).read_bytes()
    g = rdflib.Graph().parse(data=text, format="turtle")
    assert len(g) > 0
    # pyshacl checks the shapes against SHACL's own shapes (meta-SHACL) before it runs.
    conforms, _, report = pyshacl.validate(rdflib.Graph(), shacl_graph=g, meta_shacl=True)
    assert conforms, report


def test_every_shipped_file_is_in_a_profile_and_release_has_them_all() -> None:
    files = set(shipped_shape_files())
    assert set(PROFILES["release"]) == files
    assert set(PROFILES["basic"]) <= set(PROFILES["release"])


def test_every_shape_speaks_to_people_and_cites_the_recommendation() -> None:
    g = shapes_graph("release")
    shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    assert shapes
    for shape in shapes:
        assert g.value(shape, SH.name) is not None, shape
        assert g.value(shape, SH.message) is not None, shape
        assert g.value(shape, RDFS.seeAlso) is not None or g.value(shape, RDFS.comment), shape
        for prop in g.objects(shape, SH.property):
            assert g.value(prop, SH.name) is not None, (shape, prop)
            assert g.value(prop, SH.message) is not None, (shape, prop)
        for constraint in g.objects(shape, SH.sparql):
            assert g.value(constraint, SH.message) is not None, (shape, constraint)


def test_recommendations_never_block_a_release() -> None:
    g = rdflib.Graph().parse(
        data=data_file("shapes", "provdm-recommendations.ttl").read_bytes(), format="turtle"
    )
    severities = {
        g.value(s, SH.severity) for s in g.subjects(SH.name, None) if isinstance(s, URIRef)
    }
    assert severities == {SH.Warning, SH.Info}


def _terms_named(g: rdflib.Graph) -> set[str]:
    """Every prov: and voprov: IRI a shape names, in its triples or its SPARQL."""
    terms = {str(t) for triple in g for t in triple if isinstance(t, URIRef)}
    prefixes = {"prov": PROV, "voprov": VOPROV}
    for text in g.objects(None, SH.select):
        for prefix, local in re.findall(r"\b(prov|voprov):(\w+)", str(text)):
            terms.add(prefixes[prefix] + local)
    return {t for t in terms if t.startswith((PROV, VOPROV))}


def test_every_class_and_property_a_shape_names_exists() -> None:
    prov_o = SHARED / "w3c-prov" / "prov-o.ttl"
    if not prov_o.exists():
        pytest.skip(f"PROV-O not available at {prov_o}")
    known = rdflib.Graph().parse(prov_o)
    known.parse(data=data_file("ontology", "provdm.ttl").read_bytes(), format="turtle")
    defined = {str(s) for s in known.subjects(RDF.type, None)}
    missing = sorted(_terms_named(shapes_graph("release")) - defined)
    assert not missing, f"named by the shapes but defined nowhere: {missing}"
