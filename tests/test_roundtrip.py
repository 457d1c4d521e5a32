"""Round trips: read, store, export in every format, read again, compare the graphs.

Every exported document must read back to an isomorphic graph (rdflib's comparison),
for the RDF formats and for the PROV formats alike: what PROV cannot carry is listed in
the README and kept out of these sources.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyoxigraph import NamedNode
from rdflib.compare import isomorphic, to_isomorphic

from provld import formats
from provld.documents import Catalogue
from provld.export import export
from provld.store import open_store
from provld.store.base import Backend

from .conftest import BASE, shared

SOURCES = [
    "voprov/image_stacking.json",
    "voprov/image_stacking.xml",
    "w3c-prov/pc1.xml",
    "ctapipe/ctapipe-quickstart.provenance.log",
    "ivoa/example-ivoa.json",
    "ivoa/example-parameters-ivoa.json",
    "w3c-prov/association7.ttl",
    "w3c-prov/usage5.json",
    "w3c-prov/member2.ttl",
    "w3c-prov/member2.json",
    "w3c-prov/bundle1.trig",
    "w3c-prov/submission-example-3.jsonld",
    "w3c-prov/provtoolbox-mini-primer.jsonld",
]
OUT = [f for f in formats.FORMATS if f.writable and f.kind in ("rdf", "prov")]


def _graph(store: Backend, graph: NamedNode) -> rdflib.Graph:
    g = rdflib.Graph()
    data = b"".join(
        f"{q.subject} {q.predicate} {q.object} .\n".encode() for q in store.graph_quads(graph)
    )
    g.parse(data=data, format="nt")
    return g


def _load(catalogue: Catalogue, data: bytes, fmt: formats.Format) -> NamedNode:
    return catalogue.load(data, fmt, source=f"x.{fmt.extension}").graph


@pytest.mark.parametrize("fmt", OUT, ids=lambda f: f.name)
@pytest.mark.parametrize("source", SOURCES)
def test_export_and_read_again_gives_the_same_graph(
    tmp_path: Path, source: str, fmt: formats.Format
) -> None:
    path = shared(source)
    with open_store(str(tmp_path / "a")) as a, open_store(str(tmp_path / "b")) as b:
        first = Catalogue(a, BASE)
        data = path.read_bytes()
        graph = _load(first, data, formats.guess(path=str(path), content=data))
        out = tmp_path / f"out.{fmt.extension}"
        with out.open("wb") as handle:
            export(a, fmt, handle, graph=graph)
        again = _load(Catalogue(b, BASE), out.read_bytes(), fmt)
        before, after = _graph(a, graph), _graph(b, again)
        if not isomorphic(before, after):
            only_before = to_isomorphic(before) - to_isomorphic(after)
            only_after = to_isomorphic(after) - to_isomorphic(before)
            pytest.fail(
                f"{len(only_before)} triples lost, {len(only_after)} gained; lost e.g. "
                f"{sorted(only_before.serialize(format='nt').splitlines())[:5]}; gained e.g. "
                f"{sorted(only_after.serialize(format='nt').splitlines())[:5]}"
            )


def test_whole_store_export_in_a_dataset_format_keeps_every_graph(catalogue: Catalogue) -> None:
    for source in SOURCES[:3]:
        path = shared(source)
        data = path.read_bytes()
        _load(catalogue, data, formats.guess(path=str(path), content=data))
    import io

    out = io.BytesIO()
    export(catalogue.store, formats.lookup("nquads"), out)
    graphs = {line.rsplit(" ", 2)[-2] for line in out.getvalue().decode().splitlines() if line}
    assert len(graphs) == 4  # three documents and the catalogue
