"""PROV-N: reading the shared test files, writing them back, and refusing malformed input."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode

from provld.errors import FormatError, ParseError
from provld.model import PROV, VOPROV, XSD, Document, Record
from provld.readers import provn as provn_reader
from provld.readers.provn import read_provn
from provld.writers.provn import write_provn

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
TOOLBOX = SHARED / "testsuites" / "prov-constraints-provtoolbox"
HERE = Path(__file__).resolve().parent / "data" / "provn"
MALFORMED = HERE / "malformed"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"shared test data not found at {SHARED}"
)

#: ProvToolbox files this reader refuses, with the reason. None today: the suite uses no
#: PROV-Dictionary construct (the one extension refused, see malformed/dictionary.provn).
EXPECTED_FAILURES: dict[str, str] = {}

EX = "http://example.org/"


def _toolbox_files() -> list[Path]:
    return sorted(TOOLBOX.rglob("*.provn")) if TOOLBOX.is_dir() else []


def _shared_files() -> list[Path]:
    extra = [SHARED / "w3c-prov" / "primer.provn", SHARED / "voprov" / "image_stacking.provn"]
    return [path for path in extra if path.is_file()] + _toolbox_files()


def _id(path: Path) -> str:
    return str(path.relative_to(SHARED)) if path.is_relative_to(SHARED) else path.name


def _term(term: object) -> str:
    return "_:blank" if isinstance(term, BlankNode) else str(term)


def _records(doc: Document) -> set[tuple[object, ...]]:
    return {
        (
            record.kind,
            _term(record.id) if record.id is not None else None,
            tuple(sorted((name, _term(value)) for name, value in record.args.items())),
            tuple(sorted((_term(key), _term(value)) for key, value in record.attrs)),
        )
        for record in doc.records
    }


def _content(doc: Document) -> dict[str | None, set[tuple[object, ...]]]:
    """Records as sets per bundle, blank identifiers normalised, for comparing documents."""
    out: dict[str | None, set[tuple[object, ...]]] = {None: _records(doc)}
    for bundle_id, bundle in doc.bundles.items():
        out[str(bundle_id)] = _records(bundle)
    return out


def _read(path: Path) -> Document:
    return read_provn(path.read_bytes(), source=path.name)


# -- the shared files ---------------------------------------------------------------------


@needs_shared
@pytest.mark.parametrize("path", _shared_files(), ids=_id)
def test_shared_file_reads_and_round_trips(path: Path) -> None:
    reason = EXPECTED_FAILURES.get(path.name)
    if reason is not None:
        with pytest.raises(ParseError):
            _read(path)
        pytest.xfail(reason)
    doc = _read(path)
    assert doc.all_records(), "a test file with no records"
    text = write_provn(doc)
    again = read_provn(text, source="written")
    assert _content(again) == _content(doc)
    # The writer declares what the document declared (PROV-N predefines prov and xsd).
    for prefix, iri in doc.namespaces.items():
        if prefix not in ("", "prov", "xsd"):
            assert again.namespaces[prefix] == iri


@pytest.mark.parametrize("path", [HERE / "features.provn", *_shared_files()], ids=_id)
def test_fast_path_agrees_with_tokens(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _content(_read(path))
    monkeypatch.setattr(provn_reader, "_FAST", re.compile(r"(?!)"))
    assert _content(_read(path)) == expected


@needs_shared
def test_toolbox_suite_is_all_there() -> None:
    assert len(_toolbox_files()) == 196


@needs_shared
def test_primer() -> None:
    doc = _read(SHARED / "w3c-prov" / "primer.provn")
    by_id = {(r.kind, r.id): r for r in doc.records if r.id is not None}
    correct = by_id["activity", NamedNode("http://example/correct")]
    assert correct.args == {
        "startTime": Literal("2012-03-31T09:21:00", datatype=NamedNode(XSD + "dateTime")),
        "endTime": Literal("2012-04-01T15:21:00", datatype=NamedNode(XSD + "dateTime")),
    }
    derek = by_id["agent", NamedNode("http://example/derek")]
    assert (NamedNode("http://xmlns.com/foaf/0.1/givenName"), Literal("Derek")) in derek.attrs
    revision = [
        r
        for r in doc.records
        if r.kind == "wasDerivedFrom"
        and r.args["usedEntity"] == NamedNode("http://example/dataSet1")
        and r.attrs
    ]
    assert revision[0].attrs == [(NamedNode(PROV + "type"), NamedNode(PROV + "Revision"))]
    used = [r for r in doc.records if r.kind == "used" and r.attrs]
    roles = {r.attrs[0][1] for r in used}
    assert roles == {
        NamedNode("http://example/dataToCompose"),
        NamedNode("http://example/regionsToAggregateBy"),
    }
    assert doc.namespaces["dcterms"] == "http://purl.org/dc/terms/"


@needs_shared
def test_voprov_image_stacking() -> None:
    doc = _read(SHARED / "voprov" / "image_stacking.provn")
    ps = "http://myobservatory.com/processes/"
    kinds = {r.kind for r in doc.all_records()}
    assert {"activityDescription", "parameter", "wasConfiguredBy", "datasetEntity"} <= kinds
    configured = [r for r in doc.records if r.kind == "wasConfiguredBy"]
    assert len(configured) == 6
    assert configured[0].args == {
        "configured": NamedNode(ps + "393764"),
        "configurator": NamedNode(ps + "393764/method"),
        "artefactType": Literal("Parameter"),
    }
    stack = Document()
    for bundle_id, bundle in doc.bundles.items():
        if bundle_id.value.endswith("description%23stack"):
            stack = bundle
    description = next(r for r in stack.records if r.kind == "activityDescription")
    assert description.id == NamedNode(ps + "stack")
    assert description.attrs[0] == (NamedNode(PROV + "name"), Literal("stack"))
    assert (NamedNode(VOPROV + "type"), Literal("Combination")) in description.attrs
    parameters = [r for b in doc.bundles.values() for r in b.records if r.kind == "parameter"]
    assert {(r.id.value, r.attrs[1][1].value) for r in parameters if r.id} >= {
        (ps + "393764/method", "mean"),
        (ps + "583730/sigma_clip", "3.0"),
    }
    usage = next(r for r in stack.records if r.kind == "usageDescription")
    assert (NamedNode(VOPROV + "multiplicity"), Literal("*")) in usage.attrs
    activity = next(r for r in doc.records if r.kind == "activity")
    assert activity.args["startTime"].value == "2023-02-02T08:00:03"
    # The bundles use the document's prefixes (ps:) without declaring them again.
    assert "ps" not in next(iter(doc.bundles.values())).namespaces


@needs_shared
def test_voprov_provn_reads_like_its_provjson() -> None:
    from provld.readers.provjson import read_provjson

    folder = SHARED / "voprov"
    from_json = read_provjson((folder / "image_stacking.json").read_bytes())
    assert _content(_read(folder / "image_stacking.provn")) == _content(from_json)


def _provjson_files() -> list[Path]:
    folders = ("voprov", "w3c-prov", "ivoa")
    paths = [path for folder in folders for path in sorted((SHARED / folder).glob("*.json"))]
    return [path for path in paths if "schema" not in path.name]


@needs_shared
@pytest.mark.parametrize("path", _provjson_files(), ids=_id)
def test_provjson_documents_round_trip_through_provn(path: Path) -> None:
    from provld.readers.provjson import read_provjson

    try:
        doc = read_provjson(path.read_bytes(), source=path.name)
    except ParseError as exc:
        pytest.skip(f"the PROV-JSON reader refuses it: {exc}")
    assert _content(read_provn(write_provn(doc))) == _content(doc)


# -- constructs ---------------------------------------------------------------------------


def test_features() -> None:
    doc = _read(HERE / "features.provn")
    records = {
        (r.kind, r.id.value if isinstance(r.id, NamedNode) else None): r for r in doc.records
    }
    e1 = records["entity", EX + "e1"]
    values = dict((key.value.rsplit("/", 1)[-1], value) for key, value in e1.attrs)
    assert values["prov#label"] == Literal("bonjour", language="fr")  # the last of two
    assert e1.attrs[0][1] == Literal('say "hi"\tthere')
    assert values["size"] == Literal("42", datatype=NamedNode(XSD + "int"))
    assert values["delta"] == Literal("-7", datatype=NamedNode(XSD + "int"))
    assert values["ratio"] == Literal("0.5", datatype=NamedNode(XSD + "double"))
    assert values["prov#type"] == NamedNode(EX + "Image")
    assert values["alias"] == NamedNode(EX + "e0")
    assert values["note"] == Literal('two\nlines with a "quote" inside')
    assert ("entity", "http://example.org/default/plain") in records
    assert ("entity", EX + "odd=name,with;escapes") in records
    assert ("entity", EX + "space%20d") in records
    a2 = records["activity", EX + "a2"]
    assert set(a2.args) == {"endTime"}
    # the draft namespace is rewritten to voprov
    assert a2.attrs[0][0] == NamedNode(VOPROV + "comment")
    used = records["used", EX + "u1"]
    assert used.args == {"activity": NamedNode(EX + "a1"), "entity": NamedNode(EX + "e1")}
    generation = next(r for r in doc.records if r.kind == "wasGeneratedBy")
    assert generation.id is None and set(generation.args) == {"entity", "activity", "time"}
    start = next(r for r in doc.records if r.kind == "wasStartedBy")
    assert set(start.args) == {"activity", "starter"}
    configured = next(r for r in doc.records if r.kind == "wasConfiguredBy")
    assert configured.args["artefactType"] == NamedNode(VOPROV + "Parameter")
    (bundle,) = doc.bundles.values()
    assert bundle.records[0].id == NamedNode("http://other.example.org/e1")
    assert doc.namespaces[""] == "http://example.org/default/"
    assert _content(read_provn(write_provn(doc))) == _content(doc)


def test_undeclared_standard_prefixes_are_known() -> None:
    doc = read_provn("document entity(voprov:x, [prov:type='prov:Plan']) endDocument")
    assert doc.records[0].id == NamedNode(VOPROV + "x")


def test_prefix_declared_in_bundle_names_the_bundle() -> None:
    text = "document bundle u:b1 prefix u <urn:uuid:> entity(u:e) endBundle endDocument"
    doc = read_provn(text)
    assert list(doc.bundles) == [NamedNode("urn:uuid:b1")]


# -- writing ------------------------------------------------------------------------------


def _tricky_document() -> Document:
    """IRIs no declared prefix fits, escapes, blank nodes, literals of every shape."""
    blank = BlankNode("b0")
    doc = Document({"ex": EX, "": "http://default.example.org/"})
    odd = [
        EX + "a(b)",
        EX + "it's",
        EX + "-lead",
        EX + "trail.",
        EX + "a~b!c$d&e*f+g?h=i",
        EX + "%41%42",
        EX + "·middle",
        EX + "×",
        "urn:uuid:6fa459ea-ee8a-3ca4-894e-db77e160355e",
        "http://nowhere.example.net/path/",
        "http://default.example.org/local",
    ]
    for iri in odd:
        doc.add(Record("entity", NamedNode(iri)))
    doc.add(Record("entity", blank, attrs=[(NamedNode(EX + "self"), blank)]))
    doc.add(
        Record(
            "entity",
            NamedNode(EX + "e"),
            attrs=[
                (NamedNode(PROV + "label"), Literal('quote " back \\ nl \n cr \r')),
                (NamedNode(PROV + "label"), Literal("día", language="es-ES")),
                (NamedNode(EX + "n"), Literal("007", datatype=NamedNode(XSD + "int"))),
                (NamedNode(EX + "t"), Literal("x", datatype=NamedNode("http://types.example/t"))),
                (NamedNode(EX + "u"), NamedNode("http://elsewhere.example/thing")),
            ],
        )
    )
    doc.add(Record("used", BlankNode("u1"), {"activity": NamedNode(EX + "a")}))
    doc.add(Record("wasDerivedFrom", None, {"generatedEntity": blank, "usedEntity": blank}))
    doc.add(
        Record("wasDerivedFrom", None, {"generatedEntity": blank, "activity": NamedNode(EX + "a")})
    )
    doc.add(
        Record(
            "activity",
            NamedNode(EX + "a"),
            {"endTime": Literal("2020-01-01T00:00:00Z", datatype=NamedNode(XSD + "dateTime"))},
        )
    )
    doc.add(
        Record("parameter", NamedNode(EX + "p"), attrs=[(NamedNode(PROV + "value"), Literal("5"))])
    )
    bundle = Document({"ex": "http://bundle.example.org/", "": "http://bundle-default.example/"})
    bundle.add(Record("entity", NamedNode("http://bundle.example.org/e")))
    bundle.add(Record("entity", NamedNode(EX + "from-document")))
    bundle.add(Record("entity", NamedNode("http://bundle-default.example/x")))
    bundle.add(Record("entity", NamedNode("http://bundle-default.example/#frag")))
    bundle.add(Record("entity", NamedNode("http://only-in-bundle.example/y")))
    doc.bundles[NamedNode(EX + "bundle1")] = bundle
    return doc


def test_writer_round_trips_tricky_document() -> None:
    doc = _tricky_document()
    text = write_provn(doc)
    assert "<http://www.w3.org/ns/prov#>" not in text  # prov and xsd are predefined
    assert "prefix bnode <urn:provld:bnode:>" in text
    again = read_provn(text)
    assert _content(again) == _content(doc)
    # Blank nodes come back as blank nodes, with their labels.
    assert {BlankNode("b0"), BlankNode("u1")} <= {record.id for record in again.records}


def test_writer_layout() -> None:
    doc = Document({"ex": EX})
    doc.add(Record("entity", NamedNode(EX + "e")))
    doc.add(
        Record(
            "wasDerivedFrom",
            None,
            {"generatedEntity": NamedNode(EX + "e"), "usedEntity": NamedNode(EX + "f")},
        )
    )
    doc.add(
        Record(
            "wasDerivedFrom",
            NamedNode(EX + "d"),
            {"generatedEntity": NamedNode(EX + "e"), "usedEntity": NamedNode(EX + "f")},
        )
    )
    doc.add(
        Record(
            "wasConfiguredBy",
            None,
            {
                "configured": NamedNode(EX + "a"),
                "configurator": NamedNode(EX + "p"),
                "artefactType": Literal("Parameter"),
            },
        )
    )
    doc.add(Record("entity", BlankNode("x1")))
    doc.bundles[NamedNode(EX + "b")] = Document(records=[Record("agent", NamedNode(VOPROV + "ag"))])
    assert write_provn(doc) == "\n".join(
        [
            "document",
            "  prefix bnode <urn:provld:bnode:>",
            "  prefix ex <http://example.org/>",
            "  entity(ex:e)",
            "  wasDerivedFrom(ex:e, ex:f)",
            "  wasDerivedFrom(ex:d; ex:e, ex:f, -, -, -)",
            '  wasConfiguredBy(ex:a, ex:p, "Parameter")',
            "  entity(bnode:x1)",
            "  bundle ex:b",
            "    prefix voprov <http://www.ivoa.net/documents/ProvenanceDM/index.html#>",
            "    agent(voprov:ag)",
            "  endBundle",
            "endDocument",
            "",
        ]
    )


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (Record("entity"), "needs an identifier"),
        (Record("hadDictionaryMember", None), "no record kind"),
        (Record("used", None, {"activity": Literal("a")}), "must be an identifier"),
        (
            Record("used", None, {"activity": NamedNode(EX + "a"), "time": Literal("today")}),
            "not an xsd:dateTime",
        ),
        (Record("entity", NamedNode(EX + "e"), {"time": Literal("x")}), "no argument"),
    ],
    ids=["element-without-id", "unknown-kind", "literal-identifier", "bad-time", "bad-arg"],
)
def test_writer_refuses(record: Record, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        write_provn(Document(records=[record]))


# -- malformed input ----------------------------------------------------------------------

MALFORMED_CASES = {
    "unterminated_string.provn": (3, 29, "unterminated string"),
    "missing_paren.provn": (4, 3, "expected ',' or ')', found 'entity'"),
    "unknown_prefix.provn": (4, 25, "undeclared prefix 'foo'"),
    "unknown_kind.provn": (3, 3, "unknown record kind 'entiti'"),
    "bad_time.provn": (3, 19, "'2012-13-01T09:21:00' is not a valid xsd:dateTime"),
    "quoted_bad_time.provn": (4, 32, "'yesterday' is not a valid xsd:dateTime"),
    "missing_enddocument.provn": (4, 1, "expected a record or 'endDocument', found the end"),
    "missing_endbundle.provn": (5, 3, "expected 'endBundle' before 'endDocument'"),
    "invalid_utf8.provn": (3, 33, "not valid UTF-8"),
    "binary_garbage.provn": (1, 1, "not valid UTF-8"),
    "empty.provn": (1, 1, "expected 'document', found the end of the input"),
    "dictionary.provn": (4, 3, "'hadDictionaryMember' belongs to PROV-Dictionary"),
    "too_many_arguments.provn": (3, 34, "wasAttributedTo takes at most 2 arguments"),
    "unterminated_comment.provn": (3, 3, "unterminated comment"),
    "content_after_enddocument.provn": (5, 1, "expected the end of the input after"),
    "bare_attribute_value.provn": (3, 29, "expected a literal"),
}


def test_every_malformed_file_has_a_case() -> None:
    assert {path.name for path in MALFORMED.glob("*.provn")} == set(MALFORMED_CASES)


@pytest.mark.parametrize("name", sorted(MALFORMED_CASES))
def test_malformed(name: str) -> None:
    line, column, message = MALFORMED_CASES[name]
    with pytest.raises(ParseError) as caught:
        read_provn((MALFORMED / name).read_bytes(), source=name)
    error = caught.value
    assert (error.line, error.column) == (line, column), str(error)
    assert message in error.reason
    assert str(error).startswith(f"{name}:{line}:{column}: ")


P = "document prefix x <http://x.example/> "  # 38 characters


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('document entity(ex:e, [a="x"]) endDocument', 1, 17, "undeclared prefix 'ex'"),
        (P + "\n  activity(x:e, 2012-01-01T00:00:00 entity", 2, 37, "expected ',' or ')'"),
        ("document prefix 1x <http://a/> endDocument", 1, 17, "expected a prefix name"),
        ("document prefix x http://a/ endDocument", 1, 19, "expected a namespace IRI"),
        ("document prefix x <http://a b/> endDocument", 1, 19, "malformed IRI"),
        (P + 'entity(x:e, [x:a="1"@en %% xsd:int])', 1, 63, "language tag"),
        (P + "bundle x:b1 bundle x:b2", 1, 51, "bundles cannot be nested"),
        ("document used()", 1, 15, "expected an identifier"),
        (P + "entity(-)", 1, 46, "needs an identifier"),
        (P + "wasInformedBy(x:a)", 1, 56, "needs at least 2 arguments"),
        (P + 'entity("e")', 1, 46, "expected an identifier"),
        (P + "entity(x:e, [x:a='y:b'])", 1, 57, "undeclared prefix 'y'"),
        (P + "entity(x:e) ; endDocument", 1, 51, "expected a record"),
        ('document """ never closed', 1, 10, "unterminated long string"),
        (P + "entity(x:e, [x:a=1.5])", 1, 56, "expected a literal"),
        (P + "entity(x:e) [x:a=1])", 1, 51, "expected a record"),
        (P + "entity(x:e, [x:a=1] x:b)", 1, 59, "expected ')'"),
    ],
)
def test_malformed_snippets(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        read_provn(text)
    assert message in caught.value.reason
    assert (caught.value.line, caught.value.column) == (line, column), str(caught.value)


# -- size ---------------------------------------------------------------------------------


def _generated(n: int) -> str:
    lines = ["document", "  prefix ex <http://example.org/run/>"]
    for i in range(n // 5):
        lines += [
            f"  entity(ex:e{i}, [prov:label=\"entity {i}\", prov:type='ex:Image'])",
            f"  activity(ex:a{i}, 2023-02-02T08:00:03, 2023-02-02T08:00:05)",
            f'  used(ex:a{i}, ex:e{i - 1}, 2023-02-02T08:00:03, [prov:role="in"])',
            f"  wasGeneratedBy(ex:e{i}, ex:a{i}, -)",
            f'  wasAssociatedWith(ex:s{i}; ex:a{i}, ex:pipe, -, [prov:role="run", ex:n={i}])',
        ]
    return "\n".join([*lines, "endDocument", ""])


def test_large_document() -> None:
    text = _generated(100_000)
    start = time.perf_counter()
    doc = read_provn(text)
    elapsed = time.perf_counter() - start
    print(f"\nread 100000 PROV-N records in {elapsed:.2f} s ({100_000 / elapsed:,.0f} records/s)")
    assert len(doc.records) == 100_000
    assert doc.records[-1].id == NamedNode("http://example.org/run/s19999")
    assert doc.records[-1].attrs[-1][1] == Literal("19999", datatype=NamedNode(XSD + "int"))
    assert _content(read_provn(write_provn(doc))) == _content(doc)
