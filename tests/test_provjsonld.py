"""PROV-JSONLD reader: the shared examples, agreement with PROV-N and with the prov
package's own PROV-JSONLD writer, the dialects met in the wild, and malformed input."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode

from provld import provo
from provld.errors import ParseError
from provld.model import PROV, VOPROV, XSD, Document, Record
from provld.readers.provjson import read_provjson
from provld.readers.provjsonld import is_provjsonld, read_provjsonld
from provld.readers.provn import read_provn

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
W3C = SHARED / "w3c-prov"
SUBMISSION = W3C / "submission-example-3.jsonld"
MINI_PRIMER = W3C / "provtoolbox-mini-primer.jsonld"
PRIMER = W3C / "primer.provn"
DATA = Path(__file__).resolve().parent / "data" / "provjsonld"
MALFORMED = DATA / "malformed"
NO_SHARED = f"shared test data not found at {SHARED}"

EX = "http://example/"
FOAF = "http://xmlns.com/foaf/0.1/"
CONTEXT_URL = "https://openprovenance.org/prov-jsonld/context.jsonld"


def _shared(path: Path) -> bytes:
    if not path.is_file():
        pytest.skip(NO_SHARED)
    return path.read_bytes()


#: A record as comparable strings: kind, identifier, arguments, attributes.
Canon = tuple[str, str | None, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


def _term(t: object) -> str:
    return "_:blank" if isinstance(t, BlankNode) else str(t)


def _canon(r: Record) -> Canon:
    return (
        r.kind,
        _term(r.id) if r.id is not None else None,
        tuple(sorted((k, _term(v)) for k, v in r.args.items())),
        tuple(sorted((_term(a), _term(v)) for a, v in r.attrs)),
    )


def _records(doc: Document) -> set[Canon]:
    return {_canon(r) for r in doc.records}


def _content(doc: Document) -> dict[str | None, set[Canon]]:
    """Records as sets per bundle, blank identifiers normalised, to compare documents."""
    out: dict[str | None, set[Canon]] = {None: _records(doc)}
    for bundle_id, bundle in doc.bundles.items():
        out[bundle_id.value] = _records(bundle)
    return out


def _without_mbox(record: Canon) -> Canon:
    return (*record[:3], tuple(a for a in record[3] if a[0] != f"<{FOAF}mbox>"))


def _doc(graph: list[dict], prefixes: dict | None = None) -> Document:
    context = [prefixes or {"ex": "http://example.org/"}, CONTEXT_URL]
    return read_provjsonld(json.dumps({"@context": context, "@graph": graph}))


def _one(graph: list[dict], prefixes: dict | None = None) -> Record:
    (record,) = _doc(graph, prefixes).records
    return record


# -- the shared examples ------------------------------------------------------------------


def test_submission_example() -> None:
    doc = read_provjsonld(_shared(SUBMISSION), source=SUBMISSION.name)
    assert doc.namespaces["ex"] == EX and doc.namespaces["dcterms"] == "http://purl.org/dc/terms/"
    by_kind: dict[str, list[Record]] = {}
    for r in doc.records:
        by_kind.setdefault(r.kind, []).append(r)
    (derivation,) = by_kind["wasDerivedFrom"]
    assert derivation.id is None
    assert derivation.args == {
        "generatedEntity": NamedNode(EX + "article1"),
        "usedEntity": NamedNode(EX + "dataSet1"),
    }
    entities = {r.id: r for r in by_kind["entity"]}
    assert set(entities) == {NamedNode(EX + "dataSet1"), NamedNode(EX + "article1")}
    assert entities[NamedNode(EX + "article1")].attrs == [
        (
            NamedNode("http://purl.org/dc/terms/title"),
            Literal("Crime rises in cities", language="en"),
        )
    ]
    (activity,) = by_kind["activity"]
    assert activity.id == NamedNode(EX + "compose") and activity.args == {}
    (derek,) = by_kind["agent"]
    assert derek.id == NamedNode(EX + "derek")
    assert derek.attrs == [
        (NamedNode(PROV + "type"), NamedNode(PROV + "Person")),
        (NamedNode(FOAF + "givenName"), Literal("Derek")),
        (NamedNode(FOAF + "mbox"), Literal("<mailto:derek@example.org>")),
    ]
    compose, derek_id = NamedNode(EX + "compose"), NamedNode(EX + "derek")
    assert [r.args for r in by_kind["wasAssociatedWith"]] == [
        {"activity": compose, "agent": derek_id}
    ]
    assert [r.args for r in by_kind["used"]] == [
        {"activity": compose, "entity": NamedNode(EX + "dataSet1")}
    ]
    assert [r.args for r in by_kind["wasGeneratedBy"]] == [
        {"entity": NamedNode(EX + "article1"), "activity": compose}
    ]


def test_provtoolbox_dialect_reads_like_the_submission() -> None:
    """The mini-primer says the same in ProvToolbox's 2020 dialect (``prov:Entity``,
    ``prov:type``, the older context URL), except that Derek's mbox is empty there."""
    submission = read_provjsonld(_shared(SUBMISSION))
    toolbox = read_provjsonld(_shared(MINI_PRIMER), source=MINI_PRIMER.name)
    assert {_without_mbox(r) for r in _records(toolbox)} == {
        _without_mbox(r) for r in _records(submission)
    }
    (derek,) = [r for r in toolbox.records if r.kind == "agent"]
    assert (NamedNode(FOAF + "mbox"), Literal("")) in derek.attrs


@pytest.mark.parametrize("path", [SUBMISSION, MINI_PRIMER], ids=lambda p: p.name)
def test_records_agree_with_the_primer_in_provn(path: Path) -> None:
    """The JSON-LD examples are a subset of the PROV Primer, renamed in part (ex:article1
    for ex:article and ex:composition): every record whose nodes the Primer also has must
    be a record of the Primer."""
    doc = read_provjsonld(_shared(path))
    primer = read_provn(_shared(PRIMER), source=PRIMER.name)
    # the mini-primer's empty mbox is not the Primer's: compare without it
    primer_records = {_without_mbox(r) for r in _records(primer)}
    primer_nodes = {str(r.id) for r in primer.records if r.id is not None}
    compared = 0
    for record in _records(doc):
        nodes = {v for _, v in record[2]} | ({record[1]} if record[1] else set())
        if nodes <= primer_nodes:
            assert _without_mbox(record) in primer_records
            compared += 1
    # dataSet1, compose, derek, the association and the usage
    assert compared == 5


# -- every statement type, against the same document in PROV-N ----------------------------


@pytest.fixture(scope="module")
def features() -> Document:
    path = DATA / "features.jsonld"
    return read_provjsonld(path.read_bytes(), source=path.name)


def test_features_read_as_their_provn_twin(features: Document) -> None:
    twin = read_provn((DATA / "features.provn").read_text(), source="features.provn")
    assert _content(features) == _content(twin)
    assert len(features.records) == 30 and len(features.bundles) == 1


def test_features_namespaces(features: Document) -> None:
    assert features.namespaces["ex"] == "http://example.org/"
    (bundle,) = features.bundles.values()
    assert bundle.namespaces["obs"] == "http://observatory.example/"
    assert "obs" not in features.namespaces


def test_features_map_to_prov_o(features: Document) -> None:
    quads = {(q.subject, q.predicate, q.object) for q in provo.document_quads(features)}
    ex = "http://example.org/"
    assert (
        NamedNode(ex + "result2"),
        NamedNode(PROV + "wasRevisionOf"),
        NamedNode(ex + "result"),
    ) in quads
    assert (
        NamedNode(ex + "set"),
        NamedNode(PROV + "hadMember"),
        NamedNode(ex + "result2"),
    ) in quads
    assert (NamedNode(ex + "run"), NamedNode(PROV + "used"), NamedNode(ex + "dataset")) in quads


# -- the prov package's writer ------------------------------------------------------------


def test_prov_package_jsonld_reads_as_its_prov_json() -> None:
    """The prov package writes the same document as PROV-JSONLD and as PROV-JSON: both
    readings must agree (its PROV-JSONLD writer refuses mentionOf, so none here)."""
    pm = pytest.importorskip("prov.model")
    pytest.importorskip("prov.serializers.provjsonld")
    d = pm.ProvDocument()
    ex = d.add_namespace("ex", "http://example.org/")
    t0 = datetime.datetime(2024, 5, 1, 10, 0, 0)
    d.entity("ex:e", {"prov:label": "input", "ex:n": 3, "ex:x": 2.5, "ex:q": ex["q"], "ex:s": "s"})
    d.entity("ex:e2", {"prov:type": ex["Image"], "prov:value": 7})
    d.activity("ex:a", t0, t0 + datetime.timedelta(minutes=5), {"prov:type": ex["Step"]})
    d.agent("ex:ag", {"prov:type": pm.PROV["SoftwareAgent"]})
    d.used("ex:a", "ex:e", t0, identifier="ex:u", other_attributes={"prov:role": ex["in"]})
    d.wasGeneratedBy("ex:e2", "ex:a", t0, other_attributes={"prov:location": ex["disk"]})
    d.wasInvalidatedBy("ex:e", "ex:a", t0)
    d.wasStartedBy("ex:a", "ex:e", "ex:a0", t0)
    d.wasEndedBy("ex:a", "ex:e2", "ex:a0", t0)
    d.wasInformedBy("ex:a", "ex:a0")
    d.wasDerivedFrom("ex:e2", "ex:e", "ex:a", "ex:g", "ex:u")
    d.wasDerivedFrom("ex:e3", "ex:e2", other_attributes={"prov:type": pm.PROV["Revision"]})
    d.wasAttributedTo("ex:e2", "ex:ag")
    d.wasAssociatedWith("ex:a", "ex:ag", "ex:plan")
    d.actedOnBehalfOf("ex:ag", "ex:boss", "ex:a")
    d.wasInfluencedBy("ex:e3", "ex:ag")
    d.specializationOf("ex:e3", "ex:e2")
    d.alternateOf("ex:e3", "ex:e")
    d.hadMember("ex:c", "ex:e")
    d.bundle("ex:b").entity("ex:in-bundle", {"ex:note": "kept"})
    jsonld = read_provjsonld(d.serialize(format="jsonld"), source="prov.jsonld")
    provjson = read_provjson(d.serialize(format="json"), source="prov.json")
    assert _content(jsonld) == _content(provjson)


def test_prov_package_inline_context_and_default_namespace() -> None:
    pm = pytest.importorskip("prov.model")
    pytest.importorskip("prov.serializers.provjsonld")
    d = pm.ProvDocument()
    d.set_default_namespace("http://default.example/")
    d.entity("thing")
    doc = read_provjsonld(d.serialize(format="jsonld", context="embed"))
    assert doc.records[0].id == NamedNode("http://default.example/thing")
    assert doc.namespaces[""] == "http://default.example/"


# -- what the reader accepts --------------------------------------------------------------


def test_provtoolbox_keys_and_older_context_url() -> None:
    doc = read_provjsonld(
        json.dumps(
            {
                "@context": [
                    {"ex": "http://example.org/"},
                    "http://openprovenance.org/prov-jsonld.json",
                ],
                "@graph": [
                    {
                        "@type": "prov:Usage",
                        "prov:activity": "ex:a",
                        "entity": "ex:e",
                        "prov:label": [{"@value": "u"}],
                        "prov:role": ["ex:r"],
                    },
                ],
            }
        )
    )
    (used,) = doc.records
    assert used.kind == "used" and set(used.args) == {"activity", "entity"}
    assert used.attrs == [
        (NamedNode(PROV + "label"), Literal("u")),
        (NamedNode(PROV + "role"), NamedNode("http://example.org/r")),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://openprovenance.org/prov-jsonld/context.jsonld",
        "http://openprovenance.org/prov-jsonld.json",
        "https://openprovenance.org/prov-jsonld/2024-08-25/context.jsonld",
        "https://www.w3.org/submissions/prov-jsonld/context.jsonld",
    ],
)
def test_known_context_urls(url: str) -> None:
    doc = read_provjsonld(
        json.dumps({"@context": url, "@graph": [{"@type": "Entity", "@id": "urn:x:e"}]})
    )
    assert doc.records[0].id == NamedNode("urn:x:e")


def test_type_lists_and_subtypes() -> None:
    doc = _doc(
        [
            {"@type": ["Entity", "ex:Dataset"], "@id": "ex:d"},
            {"@type": ["Agent", "Person"], "@id": "ex:p"},
            {"@type": "Bundle", "@id": "ex:b", "label": [{"@value": "described only"}]},
        ]
    )
    ptype = NamedNode(PROV + "type")
    d, p, b = doc.records
    assert (d.kind, d.attrs) == ("entity", [(ptype, NamedNode("http://example.org/Dataset"))])
    assert (p.kind, p.attrs) == ("agent", [(ptype, NamedNode(PROV + "Person"))])
    assert b.kind == "entity" and (ptype, NamedNode(PROV + "Bundle")) in b.attrs
    assert not doc.bundles


def test_json_values() -> None:
    record = _one(
        [
            {
                "@type": "Entity",
                "@id": "ex:e",
                "ex:int": [3],
                "ex:float": 2.5,
                "ex:bool": [True],
                "ex:ref": [{"@id": "ex:other"}],
                "ex:none": None,
                "ex:nulls": [None, "kept"],
                "ex:dt": [{"@value": "1", "@type": "http://www.w3.org/2000/10/XMLSchema#int"}],
                "role": ["somerole"],
                "type": [{"@value": "ex:Kind", "@type": "xsd:QName"}],
            }
        ]
    )
    values = {a.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]: v for a, v in record.attrs}
    assert values == {
        "int": Literal("3", datatype=NamedNode(XSD + "integer")),
        "float": Literal("2.5", datatype=NamedNode(XSD + "double")),
        "bool": Literal("true", datatype=NamedNode(XSD + "boolean")),
        "ref": NamedNode("http://example.org/other"),
        "nulls": Literal("kept"),
        "dt": Literal("1", datatype=NamedNode(XSD + "int")),  # old XSD namespace rewritten
        "role": Literal("somerole"),  # no prefix: kept as the string it is
        "type": NamedNode("http://example.org/Kind"),
    }


def test_draft_namespaces_are_rewritten() -> None:
    record = _one(
        [{"@type": "Entity", "@id": "vo:e", "vo:name": [{"@value": "x"}]}],
        {"vo": "http://www.ivoa.net/documents/ProvenanceDM/ns/voprov/"},
    )
    assert record.id == NamedNode(VOPROV + "e")
    assert record.attrs == [(NamedNode(VOPROV + "name"), Literal("x"))]


def test_base_vocab_and_local_identifiers() -> None:
    base = _one([{"@type": "Entity", "@id": "e1"}], {"@base": "http://base.example/dir/"})
    assert base.id == NamedNode("http://base.example/dir/e1")
    local = read_provjsonld(
        json.dumps({"@graph": [{"@type": "Entity", "@id": "e 1"}]}), local_base="urn:t:"
    )
    assert local.records[0].id == NamedNode("urn:t:e%201")


def test_blank_nodes_are_shared_across_the_document() -> None:
    doc = _doc(
        [
            {"@type": "Entity", "@id": "_:e"},
            {"@type": "Generation", "@id": "_:g", "entity": "_:e", "activity": "ex:a"},
            {"@type": "Bundle", "@id": "ex:b", "@graph": [{"@type": "Entity", "@id": "_:e"}]},
        ]
    )
    entity, generation = doc.records
    assert isinstance(entity.id, BlankNode) and isinstance(generation.id, BlankNode)
    assert generation.args["entity"] == entity.id
    (inner,) = doc.bundles[NamedNode("http://example.org/b")].records
    assert inner.id == entity.id


def test_membership_of_several_entities() -> None:
    doc = _doc([{"@type": "Membership", "collection": "ex:c", "entity": ["ex:e1", "ex:e2"]}])
    assert [r.args["entity"].value for r in doc.records] == [
        "http://example.org/e1",
        "http://example.org/e2",
    ]


def test_bundles_with_one_name_merge() -> None:
    doc = _doc(
        [
            {"@type": "Bundle", "@id": "ex:b", "@graph": [{"@type": "Entity", "@id": "ex:1"}]},
            {"@type": "Bundle", "@id": "ex:b", "@graph": [{"@type": "Entity", "@id": "ex:2"}]},
        ]
    )
    assert len(doc.bundles[NamedNode("http://example.org/b")].records) == 2


def test_str_and_bom_input() -> None:
    text = json.dumps({"@context": CONTEXT_URL, "@graph": [{"@type": "Agent", "@id": "urn:x:a"}]})
    assert read_provjsonld(text).records[0].kind == "agent"
    assert read_provjsonld(b"\xef\xbb\xbf" + text.encode()).records[0].kind == "agent"


# -- malformed input ----------------------------------------------------------------------

#: file → (what the message says, line)
MALFORMED_CASES = {
    "attribute-object.jsonld": ("ex:size: cannot read the value", 5),
    "bad-iri.jsonld": ("is not a valid IRI", 4),
    "bad-time.jsonld": ("@graph[0] Usage time: 'yesterday' is not an xsd:dateTime", 8),
    "bad-value-object.jsonld": ("an @type or an @language, not both", 5),
    "bundle-without-id.jsonld": ("a bundle needs an @id", 4),
    "element-without-id.jsonld": ("@graph[0] Agent: an element", 4),
    "formal-list.jsonld": ("activity: takes one value", 5),
    "graph-not-array.jsonld": ("@graph must be a JSON array", 3),
    "mixed-types.jsonld": ("mixes statements of different kinds", 4),
    "nested-bundle.jsonld": ("a bundle cannot contain another bundle", 5),
    "no-graph.jsonld": ("no @graph", 1),
    "not-an-object.jsonld": ("is a JSON object, not str", 1),
    "not-utf8.jsonld": ("not valid UTF-8", 1),
    "remote-context.jsonld": ("provld fetches nothing", 4),
    "reverse-keyword.jsonld": ("'@reverse' is not part of PROV-JSONLD", 4),
    "trailing-comma.jsonld": ("invalid JSON", 5),
    "undeclared-prefix.jsonld": ("@graph[1] Generation entity: undeclared prefix 'zz'", 6),
    "unknown-key.jsonld": ("unknown key 'plan' (Usage takes activity, entity, time", 7),
    "unknown-type.jsonld": ("'ex:e2': unknown type 'Entiti'", 6),
}


@pytest.mark.parametrize("name", sorted(MALFORMED_CASES))
def test_malformed_input_is_refused(name: str) -> None:
    message, line = MALFORMED_CASES[name]
    with pytest.raises(ParseError) as info:
        read_provjsonld((MALFORMED / name).read_bytes(), source=name)
    assert message in str(info.value)
    assert info.value.source == name and info.value.line == line
    assert str(info.value).startswith(f"{name}:{line}:")


def test_every_malformed_file_has_a_case() -> None:
    assert sorted(p.name for p in MALFORMED.iterdir()) == sorted(MALFORMED_CASES)


def test_unknown_type_suggests_the_nearest() -> None:
    with pytest.raises(ParseError, match="did you mean 'Derivation'"):
        _doc([{"@type": "Derivaton", "generatedEntity": "ex:a", "usedEntity": "ex:b"}])


def test_error_column_points_at_the_key() -> None:
    text = '{"@graph": [\n  {"@type": "Usage",  "time": 5}\n]}'
    with pytest.raises(ParseError) as info:
        read_provjsonld(text)
    assert (info.value.line, info.value.column) == (2, 23)


# -- recognising PROV-JSONLD --------------------------------------------------------------

PLAIN_JSONLD = b"""{"@context": {"prov": "http://www.w3.org/ns/prov#"},
 "@graph": [{"@id": "urn:x:a", "@type": "prov:Activity",
             "prov:qualifiedUsage": {"@type": "prov:Usage", "prov:entity": {"@id": "urn:x:e"}}}]}"""
VOCAB_JSONLD = b"""{"@context": {"@vocab": "http://www.w3.org/ns/prov#"},
 "@graph": [{"@id": "urn:x:e", "@type": "Entity"}]}"""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(lambda: _shared(SUBMISSION), True, id="submission"),
        pytest.param(lambda: _shared(MINI_PRIMER), True, id="mini-primer"),
        pytest.param(lambda: (DATA / "features.jsonld").read_bytes(), True, id="features"),
        pytest.param(lambda: b'{"@graph": [{"@type": "Entity", "@id": "urn:x"}]}', True, id="bare"),
        pytest.param(lambda: _shared(W3C / "usage5.json"), False, id="prov-json"),
        pytest.param(lambda: PLAIN_JSONLD, False, id="prov-o-jsonld"),
        pytest.param(lambda: VOCAB_JSONLD, False, id="prov-o-vocab"),
        pytest.param(lambda: b"@prefix prov: <http://www.w3.org/ns/prov#> .", False, id="turtle"),
        pytest.param(lambda: b"", False, id="empty"),
    ],
)
def test_is_provjsonld(data: Callable[[], bytes], expected: bool) -> None:
    assert is_provjsonld(data()) is expected
