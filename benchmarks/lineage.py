"""Lineage walk latency: the full history of one DL3 product, against one SPARQL query.

For each store size (observation runs of the synthetic CTA pipeline, :mod:`synth`, stored
on disk as documents of at most ``--per-document`` runs, each from its own seed), the
script compacts the store, picks the DL3 product of a run in the middle of the first
document and times, ``--repeat`` times each (the median is printed, the store warm):

- ``back all``: :func:`provld.lineage.walk` backward, DEPTH=ALL (agents shown, no options);
- ``back 1``: the same with DEPTH=1;
- ``back all +``: DEPTH=ALL with CONFIGURATION=1 and DESCRIPTIONS=2;
- ``forth all``: forward, DEPTH=ALL, from the model file that the run used (shared by
  :data:`synth.MODEL_EVERY` runs: a bigger answer);
- ``ref nodes``: the reference, one SPARQL property-path query straight to pyoxigraph,
  ``?x`` reached from the product by ``(wasGeneratedBy|wasDerivedFrom|used|...)*``;
- ``ref triples``: the same query joined with ``?x ?p ?o``: the nodes and their triples,
  which is closer to what a walk returns (without agents, qualified relations or the
  catalogue filter);
- ``workflow``, ``dataflow``: the views of the product's lineage (:mod:`provld.views`:
  the walk with every description and parameter, then the view's query); lines, triples;
- ``svg picture``: the walk with activity descriptions drawn by graphviz (nodes, bytes).

and prints the milliseconds, the nodes and triples returned, and the ratio to
``ref triples``. The walk makes one query per level, so its time follows the answer,
not the store: compare the rows of one query across sizes.

    python benchmarks/lineage.py                     # 1k and 10k runs
    python benchmarks/lineage.py --runs 1000 10000 100000
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402
from pyoxigraph import NamedNode, Variable  # noqa: E402

from provld import formats  # noqa: E402
from provld.documents import Catalogue  # noqa: E402
from provld.lineage import Direction, LineageOptions, walk  # noqa: E402
from provld.picture import draw  # noqa: E402
from provld.store import open_store  # noqa: E402
from provld.store.oxigraph import OxigraphBackend  # noqa: E402
from provld.views import run_view  # noqa: E402

BASE = "http://localhost:5000/"
PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX voprov: <http://www.ivoa.net/documents/ProvenanceDM/index.html#>
PREFIX ctao: <https://provenance.cta-observatory.org/ns#>
"""
_PATH = (
    "(prov:wasGeneratedBy|prov:wasDerivedFrom|prov:wasRevisionOf|prov:wasQuotedFrom|"
    "prov:hadPrimarySource|voprov:hadReference|prov:used|prov:wasInformedBy|"
    "prov:wasStartedBy|prov:wasEndedBy)*"
)
REFERENCE_NODES = PREFIXES + f"SELECT DISTINCT ?start ?x WHERE {{ ?start {_PATH} ?x }}"
REFERENCE_TRIPLES = PREFIXES + (
    f"SELECT ?start ?x ?p ?o WHERE {{ {{ SELECT DISTINCT ?start ?x WHERE {{ ?start {_PATH} ?x }} }}"
    " ?x ?p ?o }"
)
PICK = PREFIXES + (
    "PREFIX d: <https://provenance.cta-observatory.org/id/description/dataset/>\n"
    "SELECT ?g ?run ?dl3 ?model WHERE { GRAPH ?g {"
    " ?dl3 ctao:runNumber ?run ; voprov:entityDescription d:dl3 ."
    " ?dl1 ctao:runNumber ?run ; voprov:entityDescription d:dl1 ."
    " ?act prov:used ?dl1, ?model . ?model voprov:entityDescription d:model ."
    " } }"
)


def build(path: Path, runs: int, per_document: int) -> tuple[OxigraphBackend, NamedNode, float]:
    """A store of ``runs`` runs; returns it, its first document and the load seconds."""
    store = open_store(str(path))
    assert isinstance(store, OxigraphBackend)
    catalogue = Catalogue(store, BASE)
    began = time.perf_counter()
    first = None
    for seed, start in enumerate(range(0, runs, per_document)):
        size = min(per_document, runs - start)
        buffer = io.StringIO()
        synth.write(buffer, size, seed)
        stored = catalogue.load(
            buffer.getvalue().encode(), formats.lookup("provjson"), source=f"cta-{seed}.json"
        )
        first = first or stored.graph
        print(f"  loaded {start + size} runs", end="\r", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    assert first is not None
    # Compact after the bulk loads, or RocksDB does it in the background while we time.
    store.store.optimize()
    return store, first, time.perf_counter() - began


def timed(action: Callable[[], tuple[int, int]], repeat: int) -> tuple[float, int, int]:
    """Median milliseconds of ``action`` (after one warm-up run) and what it returned."""
    nodes, triples = action()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000, nodes, triples


def measure(runs: int, per_document: int, repeat: int, workdir: Path) -> None:
    store, first, load = build(workdir / f"store-{runs}", runs, per_document)
    quads = len(store.store)
    rows = list(store.query(PICK, bindings={"g": first}))  # type: ignore[arg-type]
    middle = min(runs, per_document) // 2 + 1000
    row = next(r for r in rows if int(r["run"].value) == middle)  # type: ignore[index, union-attr]
    dl3, model = row["dl3"], row["model"]  # type: ignore[index]
    print(f"{runs} runs: {quads} quads, loaded in {load:.0f} s; DL3 of run {middle}: {dl3}")

    def lineage(**options: object) -> Callable[[], tuple[int, int]]:
        def run() -> tuple[int, int]:
            result = walk(store, LineageOptions(**options), base=BASE)  # type: ignore[arg-type]
            return len(result.nodes), len(result)

        return run

    def reference(query: str, triples: bool) -> Callable[[], tuple[int, int]]:
        def run() -> tuple[int, int]:
            result = store.store.query(
                query, use_default_graph_as_union=True, substitutions={Variable("start"): dl3}
            )
            found = [tuple(r) for r in result]  # type: ignore[union-attr]
            if triples:
                return len({r[1] for r in found}), len(found)
            return len(found), 0

        return run

    def view(name: str) -> Callable[[], tuple[int, int]]:
        def run() -> tuple[int, int]:
            result = run_view(store, name, ids=[dl3], base=BASE)
            return len(result.lines), len(result.triples)

        return run

    def picture() -> tuple[int, int]:
        result = walk(store, LineageOptions(ids=(dl3,), descriptions=1), base=BASE)
        return len(result.nodes), len(draw(result, "svg", starts=result.starts))

    cases = [
        ("back all", lineage(ids=(dl3,))),
        ("back 1", lineage(ids=(dl3,), depth=1)),
        ("back all +", lineage(ids=(dl3,), configuration=True, descriptions=2)),
        ("forth all", lineage(ids=(model,), direction=Direction.FORTH)),
        ("ref nodes", reference(REFERENCE_NODES, False)),
        ("ref triples", reference(REFERENCE_TRIPLES, True)),
        ("workflow", view("workflow")),
        ("dataflow", view("dataflow")),
        ("svg picture", picture),
    ]
    results = {name: timed(action, repeat) for name, action in cases}
    ref = results["ref triples"][0]
    print(f"{'runs':>7} {'query':<12} {'ms':>9} {'nodes':>7} {'triples':>8} {'x ref':>6}")
    for name, (ms, nodes, triples) in results.items():
        print(f"{runs:>7} {name:<12} {ms:>9.2f} {nodes:>7} {triples:>8} {ms / ref:>6.1f}")
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--per-document", type=int, default=10000, help="runs per document")
    parser.add_argument("--repeat", type=int, default=20, help="timings per query")
    parser.add_argument("--workdir", help="where the stores go (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="provld-lineage-", dir=args.workdir) as tmp:
        for runs in args.runs:
            measure(runs, args.per_document, args.repeat, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
