"""PROV-XML reader and writer: conformance corpus, round trips, the IVOA flavour, hostile XML."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode

from provld.errors import FormatError, ParseError
from provld.model import PROV, VOPROV, XSD, Document, Record
from provld.readers.provxml import read_provxml
from provld.writers.provxml import write_provxml

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SUITE = SHARED / "testsuites" / "prov-constraints-provtoolbox"
DATA = Path(__file__).resolve().parent / "data" / "provxml"
MALFORMED = DATA / "malformed"
PC1 = SHARED / "w3c-prov" / "pc1.xml"
PRIMER = SHARED / "w3c-prov" / "prov_primer_complete_example.xml"
STACKING = SHARED / "voprov" / "image_stacking.xml"
NO_SHARED = f"shared test data not found at {SHARED}"

#: Suite files that cannot be read, and why (each must still fail cleanly, where stated).
EXPECTED_FAILURES = {
    "pc1-full.xml": (
        5,
        "not namespace-well-formed: ProvToolbox wrote xml:lang as "
        "org.openprovenance.prov.xml:lang, an unbound prefix (the prov package fails too)",
    ),
}


def _suite_params() -> list:
    files = sorted([*SUITE.rglob("*.xml"), *SUITE.rglob("*.provx")]) if SUITE.is_dir() else []
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_SHARED), id="no-suite")]
    return [pytest.param(f, id=str(f.relative_to(SUITE))) for f in files]


def _shared(path: Path) -> bytes:
    if not path.is_file():
        pytest.skip(NO_SHARED)
    return path.read_bytes()


def _canonical(doc: Document) -> dict[str, list[tuple]]:
    """Per bundle, the sorted (kind, id, args, attrs) of each record; blank nodes by order
    of first appearance, so that two readings of one document compare equal."""
    blanks: dict[BlankNode, str] = {}

    def term(t: object) -> str:
        if t is None:
            return ""
        if isinstance(t, BlankNode):
            return blanks.setdefault(t, f"_:b{len(blanks)}")
        return str(t)

    def records(d: Document) -> list[tuple]:
        return sorted(
            (
                r.kind,
                term(r.id),
                tuple(sorted((k, term(v)) for k, v in r.args.items())),
                tuple(sorted((term(a), term(v)) for a, v in r.attrs)),
            )
            for r in d.records
        )

    out = {"": records(doc)}
    for bundle_id, bundle in doc.bundles.items():
        out[bundle_id.value] = records(bundle)
    return out


def _by_kind(doc: Document, kind: str) -> list[Record]:
    return [r for r in doc.all_records() if r.kind == kind]


def _attr(record: Record, iri: str) -> list:
    return [v for a, v in record.attrs if a.value == iri]


# -- the conformance corpus --------------------------------------------------------------


@pytest.mark.parametrize("path", _suite_params())
def test_suite_file_reads_and_round_trips(path: Path) -> None:
    data = path.read_bytes()
    if path.name in EXPECTED_FAILURES:
        line, reason = EXPECTED_FAILURES[path.name]
        with pytest.raises(ParseError) as err:
            read_provxml(data, path.name)
        assert err.value.line == line, reason
        return
    doc = read_provxml(data, path.name)
    assert doc.all_records() or path.stat().st_size < 600, "a document of substance read empty"
    again = read_provxml(write_provxml(doc))
    assert _canonical(again) == _canonical(doc)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(PC1, id="pc1"),
        pytest.param(PRIMER, id="primer"),
        pytest.param(STACKING, id="voprov-image-stacking"),
        pytest.param(DATA / "features.provx", id="features"),
    ],
)
def test_round_trip(path: Path) -> None:
    doc = read_provxml(path.read_bytes() if path.parent == DATA else _shared(path))
    written = write_provxml(doc)
    assert written.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<prov:document')
    again = read_provxml(written)
    assert _canonical(again) == _canonical(doc)
    assert write_provxml(again) == written  # writing is deterministic


# -- the W3C files -----------------------------------------------------------------------


def test_pc1() -> None:
    doc = read_provxml(_shared(PC1), "pc1.xml")
    counts = Counter(r.kind for r in doc.all_records())
    assert counts["activity"] == 15 and counts["used"] == 40 and counts["wasDerivedFrom"] == 49
    a1 = next(r for r in doc.records if r.id == NamedNode("http://www.ipaw.info/pc1/00000p1"))
    assert _attr(a1, PROV + "label") == [Literal("align_warp 1")]
    assert _attr(a1, PROV + "type") == [
        NamedNode("http://openprovenance.org/primitives#align_warp")
    ]
    a5 = next(r for r in doc.records if r.id == NamedNode("http://www.ipaw.info/pc1/a5"))
    reslice = Literal(
        "http://openprovenance.org/primitives#reslice", datatype=NamedNode(XSD + "anyURI")
    )
    assert _attr(a5, PROV + "type") == [reslice]
    e1 = next(r for r in doc.records if r.id == NamedNode("http://www.ipaw.info/pc1/e1"))
    assert _attr(e1, "http://www.ipaw.info/pc1/url") == [
        Literal("http://www.ipaw.info/challenge/reference.img")
    ]
    assert doc.namespaces["pc1"] == "http://www.ipaw.info/pc1/"
    assert doc.namespaces["xsd"] == XSD  # declared without '#', as PROV-XML does
    assert "xsi" not in doc.namespaces


def test_primer() -> None:
    doc = read_provxml(_shared(PRIMER), "primer.xml")
    article = next(r for r in doc.records if r.id == NamedNode("http://example-n.org/article"))
    assert _attr(article, "http://purl.org/dc/terms/title") == [Literal("Crime rises in cities")]
    assert len(_by_kind(doc, "specializationOf")) == 2
    assert len(_by_kind(doc, "alternateOf")) == 1
    started = _by_kind(doc, "wasStartedBy")[0]
    assert started.args["time"].datatype == NamedNode(XSD + "dateTime")


def _stdlib_counts(path: Path) -> Counter:
    """Record kinds counted from the element names alone (trusted file: no DOCTYPE)."""
    subtypes = {"person": "agent", "organization": "agent", "softwareAgent": "agent"}
    subtypes |= {"plan": "entity", "collection": "entity", "emptyCollection": "entity"}
    subtypes |= {k: "wasDerivedFrom" for k in ("wasRevisionOf", "wasQuotedFrom")}
    counts: Counter = Counter()
    for element in ET.fromstring(path.read_bytes()):
        if not isinstance(element.tag, str):
            continue
        local = element.tag.rsplit("}", 1)[-1]
        members = sum(1 for c in element if c.tag == f"{{{PROV}}}entity")
        counts[subtypes.get(local, local)] += members if local == "hadMember" else 1
    return counts


@pytest.mark.parametrize("path", [pytest.param(PC1, id="pc1"), pytest.param(PRIMER, id="primer")])
def test_counts_match_the_element_names(path: Path) -> None:
    doc = read_provxml(_shared(path))
    assert Counter(r.kind for r in doc.all_records()) == _stdlib_counts(path)


def test_counts_match_the_prov_package() -> None:
    pytest.importorskip("lxml", reason="prov's PROV-XML reader needs the prov[xml] extra (lxml)")
    from prov.constants import PROV_N_MAP
    from prov.model import ProvDocument

    data = _shared(PC1)
    theirs = ProvDocument.deserialize(content=data, format="xml")
    ours = read_provxml(data)
    assert Counter(PROV_N_MAP[r.get_type()] for r in theirs.get_records()) == Counter(
        r.kind for r in ours.all_records()
    )
    # and the prov package reads what we write
    back = ProvDocument.deserialize(content=write_provxml(ours), format="xml")
    assert len(back.get_records()) == len(theirs.get_records())


# -- the IVOA flavour --------------------------------------------------------------------


@pytest.fixture(scope="module")
def stacking() -> Document:
    return read_provxml(_shared(STACKING), "image_stacking.xml")


def test_voprov_description(stacking: Document) -> None:
    bundle = stacking.bundles[NamedNode("urn:provld:local:%23description%23stack")]
    stack = next(r for r in bundle.records if r.kind == "activityDescription")
    assert stack.id == NamedNode("http://myobservatory.com/processes/stack")
    assert _attr(stack, VOPROV + "type") == [Literal("Combination")]
    assert _attr(stack, PROV + "name") == [Literal("stack")]
    usage = next(r for r in bundle.records if r.kind == "usageDescription")
    assert _attr(usage, VOPROV + "multiplicity") == [Literal("*")]


def test_voprov_parameter_and_configuration(stacking: Document) -> None:
    params = {r.id.value: r for r in _by_kind(stacking, "parameter")}
    method = params["http://myobservatory.com/processes/393764/method"]
    assert _attr(method, PROV + "value") == [Literal("mean")]
    configured = [
        r for r in _by_kind(stacking, "wasConfiguredBy") if r.args["configurator"] == method.id
    ]
    assert len(configured) == 1
    assert configured[0].args["configured"] == NamedNode(
        "http://myobservatory.com/processes/393764"
    )
    assert configured[0].args["artefactType"] == Literal("Parameter")
    config = {r.args["artefactType"].value for r in _by_kind(stacking, "wasConfiguredBy")}
    assert config == {"Parameter", "ConfigFile"}


def test_voprov_descriptions_and_references(stacking: Document) -> None:
    described = _by_kind(stacking, "isDescribedBy")
    assert len(described) == 34
    raw = NamedNode("http://myobservatory.com/instrument#image1.fits")
    assert any(
        r.args
        == {
            "described": raw,
            "descriptor": NamedNode("http://myobservatory.com/descriptions/raw_image"),
        }
        for r in described
    )
    used = _by_kind(stacking, "used")[0]
    assert _attr(used, VOPROV + "descriptor") == [
        NamedNode("http://myobservatory.com/processes/bias_subtraction/usage/image")
    ]
    usage = next(r for r in stacking.all_records() if r.kind == "usageDescription")
    assert _attr(usage, VOPROV + "multiplicity") == [Literal("1", datatype=NamedNode(XSD + "int"))]
    assert len(stacking.bundles) == 9
    assert stacking.namespaces[""] == VOPROV


def test_voprov_xml_reads_as_its_json_twin(stacking: Document) -> None:
    """voprov wrote one pipeline as PROV-XML and PROV-JSON: both readers give one document."""
    from provld.readers.provjson import read_provjson

    twin = read_provjson(_shared(STACKING.with_suffix(".json")), "image_stacking.json")
    assert _canonical(stacking) == _canonical(twin)


# -- constructs, one by one --------------------------------------------------------------


@pytest.fixture(scope="module")
def features() -> Document:
    return read_provxml((DATA / "features.provx").read_bytes(), "features.provx")


def _get(doc: Document, local: str) -> Record:
    return next(r for r in doc.records if r.id == NamedNode("http://example.org/" + local))


def test_attribute_values(features: Document) -> None:
    article = _get(features, "article")
    assert _attr(article, PROV + "label") == [
        Literal("Crime rises in cities", language="en"),
        Literal("  padded label  "),
    ]
    assert _attr(article, PROV + "type") == [
        NamedNode("http://example.org/Article"),
        NamedNode("http://example.org/Document"),
    ]
    assert _attr(article, PROV + "value") == [Literal("42", datatype=NamedNode(XSD + "int"))]
    assert _attr(article, "http://example.org/version") == [
        Literal("1.5", datatype=NamedNode(XSD + "double"))
    ]
    assert _attr(article, "http://example.org/note") == [Literal("")]
    assert _attr(article, "http://example.org/escaped") == [Literal('a <b> & "c"')]


@pytest.mark.parametrize(
    ("local", "kind", "type_"),
    [
        ("recipe", "entity", "Plan"),
        ("coll", "entity", "Collection"),
        ("empty", "entity", "EmptyCollection"),
        ("b1", "entity", "Bundle"),
        ("derek", "agent", "Person"),
        ("chartgen", "agent", "Organization"),
        ("tool", "agent", "SoftwareAgent"),
    ],
)
def test_subtype_elements(features: Document, local: str, kind: str, type_: str) -> None:
    record = _get(features, local)
    assert record.kind == kind
    assert NamedNode(PROV + type_) in _attr(record, PROV + "type")


def test_relations(features: Document) -> None:
    derived = {
        v.value.rsplit("#", 1)[1]
        for r in _by_kind(features, "wasDerivedFrom")
        for v in _attr(r, PROV + "type")
    }
    assert derived == {"Revision", "Quotation", "PrimarySource"}
    assert len(_by_kind(features, "hadMember")) == 2  # one element listing two entities
    used = _get(features, "u1")
    assert used.kind == "used" and used.args["entity"] == NamedNode("http://example.org/dataset")
    assert _get(features, "dataset").attrs == [
        (NamedNode(PROV + "type"), NamedNode("http://example.org/Dataset"))
    ]
    unprefixed = NamedNode("http://example.org/default/unprefixed")
    assert any(r.id == unprefixed for r in features.records)
    bundle = features.bundles[NamedNode("http://example.org/bundle")]
    assert [r.kind for r in bundle.records] == ["entity", "parameter", "wasConfiguredBy"]
    assert bundle.namespaces == {"b": "http://example.org/bundle/"}


def test_bnode_namespace_reads_as_blank_node(features: Document) -> None:
    blank = next(r for r in features.records if isinstance(r.id, BlankNode))
    derived = [r for r in _by_kind(features, "wasDerivedFrom") if not r.attrs]
    assert derived[0].args["generatedEntity"] == blank.id


def test_old_bundle_element_holding_records() -> None:
    data = _shared(SUITE / "unification" / "bundle-fail1.xml")
    doc = read_provxml(data)
    assert [r.kind for r in doc.records] == ["entity"]
    assert {b.value for b in doc.bundles} == {
        "http://example.org/bundle1",
        "http://example.org/bundle2",
    }


def test_reads_a_binary_stream_in_chunks() -> None:
    data = (DATA / "features.provx").read_bytes()
    assert _canonical(read_provxml(io.BytesIO(data))) == _canonical(read_provxml(data))


def test_dictionary_relations_are_unsupported() -> None:
    data = b"""<prov:document xmlns:prov="http://www.w3.org/ns/prov#" xmlns:ex="http://ex.org/">
      <prov:derivedByInsertionFrom><prov:newDictionary prov:ref="ex:d2"/>
      </prov:derivedByInsertionFrom></prov:document>"""
    with pytest.raises(FormatError, match="PROV-Dictionary"):
        read_provxml(data)


# -- hostile and malformed input ---------------------------------------------------------

MALFORMED_CASES = [
    ("billion_laughs.xml", "DOCTYPE", 2),
    ("xxe.xml", "DOCTYPE", 2),
    ("xxe_parameter_entity.xml", "DOCTYPE", 2),
    ("doctype_only.xml", "DOCTYPE", 2),
    ("unclosed_tag.xml", "mismatched tag", 5),
    ("wrong_root.xml", "root element is <rdf:RDF>", 2),
    ("unknown_record.xml", "<prov:wasFrobnicatedBy>", 4),
    ("invalid_utf8.xml", "not valid UTF-8", 3),
    ("empty.xml", "empty document", 1),
    ("undeclared_prefix.xml", "undeclared prefix 'nope'", 5),
    ("bad_time.xml", "not an xsd:dateTime", 4),
    ("nested_bundle.xml", "cannot be nested", 4),
]


@pytest.mark.parametrize(
    ("name", "message", "line"), MALFORMED_CASES, ids=[c[0] for c in MALFORMED_CASES]
)
def test_malformed_input_is_refused(name: str, message: str, line: int) -> None:
    with pytest.raises(ParseError) as err:
        read_provxml((MALFORMED / name).read_bytes(), name)
    assert message in err.value.reason
    assert err.value.source == name and err.value.line == line
    assert err.value.column is not None and err.value.column >= 1
    assert "root:" not in str(err.value) and "lollol" not in str(err.value)


def test_every_malformed_file_has_a_case() -> None:
    assert {p.name for p in MALFORMED.iterdir()} == {c[0] for c in MALFORMED_CASES}


def test_unclosed_tag_position() -> None:
    with pytest.raises(ParseError) as err:
        read_provxml((MALFORMED / "unclosed_tag.xml").read_bytes())
    # expat points into the closing tag that does not match <prov:label> (column 1-based)
    assert (err.value.line, err.value.column) == (5, 5)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>', id="xxe"),
        pytest.param(
            b"<prov:document xmlns:prov='http://www.w3.org/ns/prov#'>&e;</prov:document>",
            id="undefined-entity",
        ),
    ],
)
def test_entities_never_expand(data: bytes) -> None:
    with pytest.raises(ParseError) as err:
        read_provxml(data)
    assert "DOCTYPE" in err.value.reason or "entity" in err.value.reason


def test_attribute_with_element_content_is_refused() -> None:
    data = b"""<prov:document xmlns:prov="http://www.w3.org/ns/prov#" xmlns:ex="http://ex.org/">
      <prov:entity prov:id="ex:e"><ex:a><ex:b/></ex:a></prov:entity></prov:document>"""
    with pytest.raises(ParseError, match="unexpected element <ex:b>") as err:
        read_provxml(data)
    assert err.value.line == 2


# -- the writer --------------------------------------------------------------------------


def test_writer_layout_and_types() -> None:
    ex = "http://ex.org/"
    blank = BlankNode()
    doc = Document({"ex": ex})
    doc.add(
        Record(
            "activity",
            NamedNode(ex + "a"),
            {"startTime": Literal("2024-01-01T00:00:00Z", datatype=NamedNode(XSD + "dateTime"))},
            [
                (NamedNode(ex + "count"), Literal("3", datatype=NamedNode(XSD + "int"))),
                (NamedNode(PROV + "type"), NamedNode(ex + "Run")),
                (NamedNode(PROV + "label"), Literal("run <1> & \r co")),
            ],
        )
    )
    doc.add(Record("used", blank, {"activity": NamedNode(ex + "a"), "entity": NamedNode(ex + "e")}))
    doc.add(
        Record(
            "wasConfiguredBy",
            None,
            {
                "configured": NamedNode(ex + "a"),
                "configurator": NamedNode(ex + "p"),
                "artefactType": Literal("Parameter"),
            },
        )
    )
    text = write_provxml(doc).decode()
    assert text.index("<prov:label>") < text.index("<prov:type") < text.index("<ex:count")
    assert "<prov:label>run &lt;1&gt; &amp; &#13; co</prov:label>" in text
    assert '<ex:count xsi:type="xsd:int">3</ex:count>' in text
    assert '<prov:type xsi:type="xsd:QName">ex:Run</prov:type>' in text
    assert 'xmlns:bnode="urn:provld:bnode:"' in text and 'prov:id="bnode:b1"' in text
    assert '<voprov:configured prov:ref="ex:a"/>' in text
    again = read_provxml(text.encode())
    assert _canonical(again) == _canonical(doc)


def test_writer_attribute_names_must_be_xml_names() -> None:
    doc = Document({"ex": "http://ex.org/"})
    doc.add(
        Record(
            "entity",
            NamedNode("http://ex.org/e"),
            attrs=[(NamedNode("http://ex.org/attr/2x"), Literal("v"))],
        )
    )
    text = write_provxml(doc).decode()
    assert 'xmlns:ns1="http://ex.org/attr/2"' in text and "<ns1:x>v</ns1:x>" in text
    assert read_provxml(text.encode()).records[0].attrs[0][0] == NamedNode("http://ex.org/attr/2x")


def test_writer_keeps_the_fixed_prefixes() -> None:
    doc = Document({"prov": "http://not-prov.org/", "ex": "http://ex.org/"})
    doc.add(Record("entity", NamedNode("http://not-prov.org/e")))
    text = write_provxml(doc).decode()
    assert 'xmlns:prov="http://www.w3.org/ns/prov#"' in text
    assert read_provxml(text.encode()).records[0].id == NamedNode("http://not-prov.org/e")


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(
            Record(
                "entity",
                NamedNode("http://ex.org/e"),
                attrs=[(NamedNode("http://ex.org/a"), Literal("bell\x07"))],
            ),
            id="control-char",
        ),
        pytest.param(Record("activityFlow", NamedNode("http://ex.org/f")), id="unknown-kind"),
        pytest.param(
            Record("used", None, {"plan": NamedNode("http://ex.org/p")}), id="unknown-arg"
        ),
        pytest.param(
            Record(
                "entity",
                NamedNode("http://ex.org/e"),
                attrs=[(NamedNode("http://ex.org/1/"), Literal("x"))],
            ),
            id="no-xml-name",
        ),
    ],
)
def test_writer_refuses_what_xml_cannot_hold(record: Record) -> None:
    doc = Document()
    doc.add(record)
    with pytest.raises(FormatError):
        write_provxml(doc)
