"""The embedded store and the catalogue: all-or-nothing loads, replace, remove, recovery."""

from __future__ import annotations

import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from provld import formats
from provld.documents import Catalogue
from provld.errors import InputError, NotFoundError, ParseError, StoreError, ValidationError
from provld.store import open_store
from provld.store import oxigraph as oxistore
from provld.store.base import Backend, LocalBlanks
from provld.validate import validate
from provld.vocab import PROVLD

from .conftest import BASE, DATA, shared, snapshot

VALIDATION = NamedNode(PROVLD + "Validation")

#: tests/data/<format>/malformed/* for every readable format.
MALFORMED = sorted(
    path
    for fmt in formats.readable()
    if (DATA / fmt.name / "malformed").is_dir()
    for path in (DATA / fmt.name / "malformed").iterdir()
)


def test_every_readable_format_has_malformed_examples() -> None:
    missing = [f.name for f in formats.readable() if not (DATA / f.name / "malformed").is_dir()]
    assert missing == []


def _load(catalogue: Catalogue, path: Path) -> NamedNode:
    data = path.read_bytes()
    return catalogue.load(data, formats.guess(path=str(path), content=data), source=path.name).graph


def test_a_document_is_one_named_graph_with_a_catalogue_entry(catalogue: Catalogue) -> None:
    graph = _load(catalogue, shared("voprov/image_stacking.json"))
    assert graph.value.startswith(BASE + "graph/")
    docs = catalogue.documents()
    assert [d.graph for d in docs] == [graph]
    doc = docs[0]
    assert doc.format == "application/provenance+json"
    assert doc.source == "image_stacking.json"
    assert len(doc.sha256) == 64 and doc.size > 0 and doc.triples > 100
    # the catalogue entry is PROV: a load activity with its agents
    ask = catalogue.store.query(
        "PREFIX prov: <http://www.w3.org/ns/prov#> ASK { GRAPH ?c { ?g prov:wasGeneratedBy ?a ."
        " ?a a prov:Activity ; prov:wasAssociatedWith [ a prov:SoftwareAgent ] } }",
        bindings={"c": catalogue.graph, "g": graph},
    )
    assert bool(ask)


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
@pytest.mark.parametrize("bulk", [False, True], ids=["transaction", "bulk"])
def test_malformed_input_changes_nothing(
    catalogue: Catalogue, path: Path, bulk: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(catalogue, shared("w3c-prov/association7.ttl"))
    before = snapshot(catalogue.store)
    if bulk:
        monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 0)
    fmt = formats.lookup(path.parent.parent.name)
    with pytest.raises(InputError) as info:
        catalogue.load(path.read_bytes(), fmt, source=path.name)
    assert path.name in str(info.value)
    assert "/etc/passwd" not in str(info.value) and "root:" not in str(info.value)
    assert snapshot(catalogue.store) == before
    assert len(catalogue.documents()) == 1


def test_parse_errors_carry_line_and_column(catalogue: Catalogue) -> None:
    path = DATA / "turtle" / "malformed" / "missing-object.ttl"
    with pytest.raises(ParseError) as info:
        catalogue.load(path.read_bytes(), formats.lookup("turtle"), source=path.name)
    assert info.value.line == 3
    assert info.value.column is not None
    path = DATA / "provjson" / "malformed" / "trailing-comma.json"
    with pytest.raises(ParseError) as info:
        catalogue.load(path.read_bytes(), formats.lookup("provjson"), source=path.name)
    assert (info.value.line, info.value.column) == (3, 45)


def test_a_failure_half_way_through_a_bulk_load_leaves_nothing(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(catalogue, shared("w3c-prov/association7.ttl"))
    before = snapshot(catalogue.store)
    monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 10)
    good = b"".join(
        f'<http://ex.org/s{i}> <http://ex.org/p> "{i}" .\n'.encode() for i in range(500)
    )
    bad = good + b"<http://ex.org/broken> <http://ex.org/p> .\n"
    with pytest.raises(ParseError) as info:
        catalogue.load(bad, formats.lookup("ntriples"), source="big.nt")
    assert info.value.line == 501
    assert snapshot(catalogue.store) == before


def test_a_load_cut_short_by_a_crash_is_removed_when_the_store_is_next_opened(
    tmp_path: Path,
) -> None:
    location = str(tmp_path / "crashed")
    store = open_store(location)
    catalogue = Catalogue(store, BASE)
    kept = _load(catalogue, shared("w3c-prov/association7.ttl"))
    # What a crash during a bulk load leaves: a journal entry and part of the graph.
    broken = NamedNode(BASE + "graph/broken")
    store.update(
        f"INSERT DATA {{ GRAPH {catalogue.graph} {{ {broken} "
        f'<https://w3id.org/provld/ns#status> "loading" }} '
        f"GRAPH {broken} {{ <http://ex.org/a> <http://ex.org/b> <http://ex.org/c> }} }}"
    )
    store.close()
    store = open_store(location)
    catalogue = Catalogue(store, BASE)
    assert catalogue.recover() == [broken]
    assert not store.has_graph(broken)
    assert [d.graph for d in catalogue.documents()] == [kept]
    store.close()


def test_big_documents_go_through_the_bulk_path_and_are_complete(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 50)
    graph = _load(catalogue, shared("voprov/image_stacking.json"))
    monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 10**9)
    other = _load(catalogue, shared("voprov/image_stacking.json"))
    a = {q for q in snapshot(catalogue.store) if q[3] == str(graph)}
    b = {q for q in snapshot(catalogue.store) if q[3] == str(other)}
    assert len(a) == len(b) > 500
    assert catalogue.exists(graph) and catalogue.exists(other)


def test_replace_and_remove_are_atomic(catalogue: Catalogue) -> None:
    graph = _load(catalogue, shared("w3c-prov/association7.ttl"))
    usage = shared("w3c-prov/usage5.ttl").read_bytes()
    catalogue.replace(graph, usage, formats.lookup("turtle"), source="usage5.ttl")
    content = {q for q in snapshot(catalogue.store) if q[3] == str(graph)}
    assert any("#used>" in q[1] for q in content)
    assert not any("#hadPlan>" in q[1] for q in content)
    before = snapshot(catalogue.store)
    with pytest.raises(ParseError):
        catalogue.replace(graph, b"@prefix broken", formats.lookup("turtle"), source="x.ttl")
    assert snapshot(catalogue.store) == before
    catalogue.remove(graph)
    assert catalogue.documents() == []
    left = snapshot(catalogue.store)
    assert not [q for q in left if str(graph) in q or "/id/load/" in q[0]]
    assert {q[3] for q in left} <= {str(catalogue.graph)}  # only the agents stay
    with pytest.raises(NotFoundError):
        catalogue.remove(graph)


def test_a_graph_name_is_not_reused(catalogue: Catalogue) -> None:
    name = NamedNode("http://example.org/my-document")
    data = shared("w3c-prov/association7.ttl").read_bytes()
    catalogue.load(data, formats.lookup("turtle"), graph=name)
    with pytest.raises(InputError, match="already stored"):
        catalogue.load(data, formats.lookup("turtle"), graph=name)
    with pytest.raises(InputError, match="catalogue"):
        catalogue.load(data, formats.lookup("turtle"), graph=catalogue.graph)


def test_a_second_process_gets_a_clear_error(store: Backend, tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    with pytest.raises(StoreError, match="another process"):
        open_store(location)  # a second opening in this process
    # and a second process: the command says so in one line, no traceback
    proc = subprocess.run(
        [sys.executable, "-m", "provld.cli", "documents", "--store", location],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "another process" in proc.stderr and "Traceback" not in proc.stderr


def test_rdfxml_namespace_entities_are_kept(catalogue: Catalogue) -> None:
    path = DATA / "rdfxml" / "entities.rdf"
    graph = catalogue.load(path.read_bytes(), formats.lookup("rdfxml")).graph
    quads = {q for q in snapshot(catalogue.store) if q[3] == str(graph)}
    assert (
        "<http://example.org/a1>",
        "<http://www.w3.org/ns/prov#used>",
        "<http://example.org/e1>",
        str(graph),
    ) in quads


def test_memory_store(tmp_path: Path) -> None:
    with open_store("memory:") as store:
        catalogue = Catalogue(store, BASE)
        _load(catalogue, shared("w3c-prov/member2.ttl"))
        assert len(catalogue.documents()) == 1


def _bulk_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 0)
    monkeypatch.setattr(oxistore.OxigraphBackend, "bulk_allowed", lambda self, size: True)


def test_a_bulk_load_that_breaks_the_profile_is_removed(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the transaction limit a document is checked where it was written, behind the
    journal: a violation removes it."""
    _bulk_everything(monkeypatch)
    data = shared("voprov/image_stacking.json").read_bytes()
    before = snapshot(catalogue.store)
    with pytest.raises(ValidationError):  # three raw frames break the release profile
        catalogue.load(
            data, formats.lookup("provjson"), validate=partial(validate, profile="release")
        )
    assert snapshot(catalogue.store) == before


def test_a_bulk_load_that_conforms_stays_with_its_check(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conforming document stays, the record of its check in the catalogue (the store's
    own loader took it: Turtle)."""
    _bulk_everything(monkeypatch)
    data = shared("w3c-prov/association7.ttl").read_bytes()
    stored = catalogue.load(
        data, formats.lookup("turtle"), validate=partial(validate, profile="basic")
    )
    assert catalogue.exists(stored.graph)
    checked = catalogue.store.query(
        "ASK { GRAPH ?c { ?run a ?validation ; <http://www.w3.org/ns/prov#used> ?g } }",
        bindings={"c": catalogue.graph, "g": stored.graph, "validation": VALIDATION},
    )
    assert bool(checked)


@pytest.mark.parametrize("bulk", [False, True], ids=["transaction", "store-loader"])
@pytest.mark.parametrize("given", ["qualified-only", "both-forms"])
def test_a_relation_given_qualified_is_stored_plain_too(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch, bulk: bool, given: str
) -> None:
    """Whatever path an RDF document takes (a big one goes to the store's own loader and
    is completed in place), a query on the plain property finds every relation, once."""
    if bulk:
        monkeypatch.setattr(oxistore.OxigraphBackend, "bulk_allowed", lambda self, size: True)
    plain = "<http://ex.org/a> <http://www.w3.org/ns/prov#used> <http://ex.org/e> .\n"
    data = (
        "<http://ex.org/a> <http://www.w3.org/ns/prov#qualifiedUsage> _:u .\n"
        "_:u <http://www.w3.org/ns/prov#entity> <http://ex.org/e> .\n"
        + (plain if given == "both-forms" else "")
    ).encode()
    stored = catalogue.load(data, formats.lookup("ntriples"), source="usage.nt")
    rows = list(
        catalogue.store.query(
            "SELECT ?g ?e WHERE { GRAPH ?g { "
            "<http://ex.org/a> <http://www.w3.org/ns/prov#used> ?e } }",
            bindings={"g": stored.graph},
        )
    )
    assert [r["e"].value for r in rows] == ["http://ex.org/e"]
    assert stored.triples == 3


def _run_quads(blanks: LocalBlanks, order: list[int]) -> list[Quad]:
    """Quads of relations whose nodes ``blanks`` made, in the given order of nodes."""
    made = [blanks() for _ in range(max(order) + 1)]
    ex = "http://ex.org/"
    g = NamedNode(ex + "g")
    return [
        q
        for i in order
        for q in (
            Quad(NamedNode(f"{ex}a{i}"), NamedNode(ex + "qualified"), made[i], g),
            Quad(made[i], NamedNode(ex + "entity"), NamedNode(f"{ex}e{i}"), g),
            Quad(NamedNode(f"{ex}e{i}"), NamedNode(ex + "label"), Literal(str(i)), g),
        )
    ]


@pytest.mark.parametrize(
    "order",
    [[0, 1, 2, 1], [1, 0]],
    ids=["node-met-after-its-run", "nodes-out-of-order"],
)
def test_a_broken_run_of_blank_nodes_is_refused_not_split(
    store: Backend, monkeypatch: pytest.MonkeyPatch, order: list[int]
) -> None:
    """The bulk writer trusts runs of local blank nodes to cut its slices; a writer that
    broke the promise would split a node in two: it is caught instead."""
    monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 0)
    monkeypatch.setattr(oxistore, "BULK_SLICE", 2)
    blanks = LocalBlanks()
    quads = _run_quads(blanks, order)
    with pytest.raises(StoreError, match="met again after its run"):
        store.add_graph(NamedNode("http://ex.org/g"), quads, size=len(quads), local=blanks)


def test_two_local_blank_nodes_in_one_quad_are_refused(
    store: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 0)
    blanks = LocalBlanks()
    g = NamedNode("http://ex.org/g")
    quads = [Quad(blanks(), NamedNode("http://ex.org/p"), blanks(), g)]
    with pytest.raises(StoreError, match="two run-local blank nodes"):
        store.add_graph(g, quads, size=1, local=blanks)


def test_runs_of_local_blank_nodes_are_written_whole(
    store: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slices of two quads, runs of two: every node still has its relation and entity."""
    monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 0)
    monkeypatch.setattr(oxistore, "BULK_SLICE", 2)
    blanks = LocalBlanks()
    quads = _run_quads(blanks, list(range(30)))
    store.add_graph(NamedNode("http://ex.org/g"), quads, size=len(quads), local=blanks)
    rows = list(
        store.query(
            "SELECT ?a ?e WHERE { ?a <http://ex.org/qualified> ?n . ?n <http://ex.org/entity> ?e }"
        )
    )
    assert len(rows) == 30
    assert {(r["a"].value[-2:].lstrip("a"), r["e"].value[-2:].lstrip("e")) for r in rows} == {
        (str(i), str(i)) for i in range(30)
    }


def test_a_blank_node_stays_one_node_across_bulk_slices(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk path writes in slices, and the store's loader labels the blank nodes of
    each call anew: a blank node named at both ends of a big document is still one."""
    monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 10)
    monkeypatch.setattr(oxistore, "BULK_SLICE", 50)
    middle = "".join(f'<http://ex.org/s{i}> <http://ex.org/p> "{i}" .\n' for i in range(400))
    trig = (
        "{ _:shared <http://ex.org/first> <http://ex.org/a> .\n"
        + middle
        + "_:shared <http://ex.org/last> <http://ex.org/b> .\n"
        + "<http://ex.org/c> <http://ex.org/q> _:shared . }\n"
    ).encode()
    stored = catalogue.load(trig, formats.lookup("trig"), source="big.trig")
    rows = list(
        catalogue.store.query(
            "SELECT DISTINCT ?g ?b WHERE { GRAPH ?g { ?b <http://ex.org/first> ?x ; "
            "<http://ex.org/last> ?y . <http://ex.org/c> <http://ex.org/q> ?b } }",
            bindings={"g": stored.graph},
        )
    )
    assert len(rows) == 1
