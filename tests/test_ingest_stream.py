"""Big PROV-JSON documents are mapped record by record as they are read, so the store
writes while the rest is read (provld.ingest.document_quads with ``stream``). The streamed
reading must give the graph the whole-document reading gives, for every kind of document,
and fail as it fails."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph
import pytest
from pyoxigraph import NamedNode
from rdflib import Graph
from rdflib.compare import isomorphic

from provld import formats, iris
from provld.documents import Catalogue
from provld.errors import ProvldError
from provld.ingest import document_quads
from provld.store import oxigraph as oxistore

from .conftest import DATA, SHARED, snapshot
from .test_synth import synth

PROVJSON = formats.lookup("provjson")
GRAPH = NamedNode("http://localhost:5000/graph/g")
BASE = "http://localhost:5000/id/g/"

#: Every PROV-JSON document of the shared data: IVOA flavour (drafts, descriptions,
#: parameters, configuration), W3C examples (bundles, hadMember lists), voprov's.
DOCUMENTS = sorted(
    p
    for folder in ("ivoa", "voprov", "w3c-prov")
    for p in (SHARED / folder).glob("*.json")
    if not p.name.endswith("schema.json")
)


def _read(data: bytes, stream: bool) -> tuple[Graph, dict[str, int]]:
    stats: dict[str, int] = {}
    quads = document_quads(
        data, PROVJSON, GRAPH, source="doc.json", local_base=BASE, stats=stats, stream=stream
    )
    text = pyoxigraph.serialize([q.triple for q in quads], format=pyoxigraph.RdfFormat.N_TRIPLES)
    return Graph().parse(data=text.decode(), format="nt"), stats


def _synthetic() -> bytes:
    return json.dumps(synth.generate(3, seed=7)).encode()


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_streamed_reading_gives_the_same_graph(path: Path) -> None:
    data = path.read_bytes()
    whole, whole_stats = _read(data, stream=False)
    streamed, streamed_stats = _read(data, stream=True)
    assert len(whole) > 0
    assert isomorphic(whole, streamed)
    assert whole_stats == streamed_stats


def test_streamed_reading_of_the_synthetic_pipeline() -> None:
    data = _synthetic()
    whole, whole_stats = _read(data, stream=False)
    streamed, streamed_stats = _read(data, stream=True)
    assert whole_stats == streamed_stats and whole_stats["records"] > 200
    assert isomorphic(whole, streamed)


def test_draft_documents_were_among_them() -> None:
    """The drafts' upgrade (activityFlow, hadStep, parameters naming their activity) is
    what the streamed reading defers to the end: the comparison above covered it."""
    texts = [p.read_text() for p in DOCUMENTS]
    assert any('"activityFlow"' in t or '"hadStep"' in t for t in texts)
    assert any('"bundle"' in t for t in texts)
    assert any('"isDescribedBy"' in t for t in texts)


@pytest.mark.parametrize(
    "path", sorted((DATA / "provjson" / "malformed").glob("*.json")), ids=lambda p: p.name
)
def test_streamed_reading_fails_as_the_whole_reading_fails(path: Path) -> None:
    data = path.read_bytes()
    with pytest.raises(ProvldError) as whole:
        _read(data, stream=False)
    with pytest.raises(ProvldError) as streamed:
        _read(data, stream=True)
    assert type(streamed.value) is type(whole.value)
    assert str(streamed.value) == str(whole.value)


def test_a_big_document_malformed_near_its_end_stores_nothing(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streamed, the error comes after quads were written: the load is still all or
    nothing, and nothing of it stays."""
    _ = catalogue.load(
        (SHARED / "w3c-prov" / "association7.ttl").read_bytes(), formats.lookup("turtle")
    )
    before = snapshot(catalogue.store)
    doc = json.loads(_synthetic())
    # wasGeneratedBy comes after the elements; its last record gets a broken time
    last = list(doc["wasGeneratedBy"])[-1]
    doc["wasGeneratedBy"][last]["prov:time"] = "yesterday"
    data = json.dumps(doc).encode()
    monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 100)
    monkeypatch.setattr(oxistore, "BULK_SLICE", 50)
    loads = _CountedLoads(catalogue.store.store)  # type: ignore[attr-defined]
    monkeypatch.setattr(catalogue.store, "store", loads)
    with pytest.raises(ProvldError, match="yesterday"):
        catalogue.load(data, PROVJSON, source="big.json")
    assert loads.calls >= 2  # slices were written before the error was read
    assert snapshot(catalogue.store) == before
    assert len(catalogue.documents()) == 1


class _CountedLoads:
    """An embedded store that counts its bulk loads."""

    def __init__(self, store: pyoxigraph.Store) -> None:
        self.inner, self.calls = store, 0

    def bulk_load(self, *args: object, **kwargs: object) -> None:
        self.calls += 1
        self.inner.bulk_load(*args, **kwargs)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def _document_blanks(n: int = 60) -> bytes:
    """A PROV-JSON document whose own blank nodes (an entity and an activity named
    ``_:...``) are linked from relations at its start and end, with qualified nodes."""
    doc: dict[str, dict[str, object]] = {
        "prefix": {"ex": "http://ex.org/"},
        "entity": {"_:e": {"prov:label": "made early, used late"}},
        "activity": {"_:a": {}},
        "wasGeneratedBy": {
            "_:g": {
                "prov:entity": "_:e",
                "prov:activity": "_:a",
                "prov:time": "2020-01-01T00:00:00",
            }
        },
        "used": {},
        "wasAssociatedWith": {},
    }
    for i in range(n):
        doc["entity"][f"ex:e{i}"] = {"prov:label": f"entity {i}"}
        doc["activity"][f"ex:a{i}"] = {"prov:startTime": "2020-01-01T00:00:00"}
        doc["used"][f"_:u{i}"] = {
            "prov:activity": f"ex:a{i}",
            "prov:entity": f"ex:e{i}",
            "prov:role": "input",
        }
        doc["wasAssociatedWith"][f"_:w{i}"] = {
            "prov:activity": f"ex:a{i}",
            "prov:agent": "ex:ag",
            "prov:role": "op",
        }
    doc["used"]["_:last"] = {
        "prov:activity": f"ex:a{n - 1}",
        "prov:entity": "_:e",
        "prov:role": "late",
    }
    doc["used"]["_:anon"] = {
        "prov:activity": "_:a",
        "prov:entity": "ex:e0",
        "prov:time": "2020-01-01T00:00:00",
    }
    return json.dumps(doc).encode()


BIG = {
    "synthetic": ("big.json", _synthetic),
    "document-blank-nodes": ("blanks.json", _document_blanks),
    **{
        f"{p.parent.name}/{p.name}": (p.name, p.read_bytes)
        for p in DOCUMENTS
        + [SHARED / "voprov" / "image_stacking.provn", SHARED / "voprov" / "image_stacking.xml"]
        + [SHARED / "w3c-prov" / "primer.provn", SHARED / "w3c-prov" / "pc1.xml"]
        + [DATA / "provn" / "features.provn", DATA / "provxml" / "features.provx"]
    },
}


@pytest.mark.parametrize("name", BIG)
def test_a_big_document_written_in_slices_is_stored_whole(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """The bulk path writes slices cut between the runs of the relations' blank nodes;
    tiny slices cut everywhere they may: the graph is the one a transaction stores."""
    source, make = BIG[name]
    data = make()
    fmt = formats.guess(path=source, content=data)
    small = catalogue.load(data, fmt, source=source)
    monkeypatch.setattr(oxistore, "TRANSACTION_LIMIT", 3)
    monkeypatch.setattr(oxistore, "BULK_SLICE", 7)
    big = catalogue.load(data, fmt, source=source)
    assert (big.records, big.triples) == (small.records, small.triples)
    quads = snapshot(catalogue.store)

    def graph(g: NamedNode) -> Graph:
        # names local to a document are minted under its own key: made the same here
        local = iris.local_base(catalogue.base, iris.document_key(catalogue.base, g) or "")
        text = "".join(f"{s} {p} {o} .\n" for s, p, o, name in quads if name == str(g))
        return Graph().parse(data=text.replace(local, "http://local/"), format="nt")

    assert isomorphic(graph(small.graph), graph(big.graph))
    assert small.triples == len(graph(small.graph))  # as stored, repeats once
