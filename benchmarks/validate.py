"""How fast provld validates a big document, against pyshacl as the reference.

Generates the synthetic CTA document of :mod:`synth` (``--runs``, 10,000 by default:
about 3.1 million triples), reads it into a temporary in-memory Oxigraph store as
``provld load`` does, and validates it with the release profile using provld's engine
(shapes compiled to set-based SPARQL). pyshacl, the reference, validates the whole graph
one focus node at a time and needs hours at that size, so it is timed on a smaller
document of the same generator (``--pyshacl-runs``, 20 by default) and its time per
triple is printed beside provld's. ``--check`` also runs provld's engine on that small
document and says whether both engines report exactly the same results.

Prints one line per measurement; a test never asserts a time (STYLE.md).

    python benchmarks/validate.py --runs 10000
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402

from provld.formats import lookup  # noqa: E402
from provld.ingest import document_quads  # noqa: E402
from provld.validate import validate  # noqa: E402


def _store(runs: int) -> tuple[Store, float]:
    out = io.StringIO()
    synth.write(out, runs)
    data = out.getvalue().encode()
    began = time.perf_counter()
    store = Store()
    graph = NamedNode("http://localhost:5000/graph/bench")
    quads = document_quads(
        data, lookup("provjson"), graph, source="synth.json", local_base="http://x/id/"
    )
    store.extend(Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in quads)
    return store, time.perf_counter() - began


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _line(name: str, runs: int, triples: int, seconds: float, report: object) -> None:
    per = seconds / max(triples, 1) * 1e6
    print(
        f"{name:>8}: {runs:>6} runs {triples:>9,} triples {seconds:8.2f} s "
        f"{per:7.2f} us/triple  {report}  peak RSS {_rss():,.0f} MB",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000, help="runs of the big document")
    parser.add_argument("--pyshacl-runs", type=int, default=20, help="runs for pyshacl")
    parser.add_argument("--profile", default="release")
    parser.add_argument("--check", action="store_true", help="compare engines on the small one")
    args = parser.parse_args(argv)

    store, took = _store(args.runs)
    print(f"   input: {args.runs} runs, {len(store):,} triples read in {took:.1f} s", flush=True)
    began = time.perf_counter()
    report = validate(store, args.profile, document=f"synth {args.runs} runs")
    _line("provld", args.runs, report.triples, time.perf_counter() - began, report.summary())
    del store

    small, _ = _store(args.pyshacl_runs)
    began = time.perf_counter()
    reference = validate(small, args.profile, engine="pyshacl", document="small")
    _line(
        "pyshacl",
        args.pyshacl_runs,
        reference.triples,
        time.perf_counter() - began,
        reference.summary(),
    )
    if args.check:
        began = time.perf_counter()
        mine = validate(small, args.profile, document="small")
        _line(
            "provld", args.pyshacl_runs, mine.triples, time.perf_counter() - began, mine.summary()
        )
        same = _keys(mine) == _keys(reference)
        print(f"   same results as pyshacl on {args.pyshacl_runs} runs: {same}")
    return 0


def _keys(report: object) -> set[tuple[str, ...]]:
    # Blank nodes are named differently by the two engines' stores: compare without them.
    return {
        tuple("_:b" if part.startswith("_:") else part for part in r.key())
        for r in report.results  # type: ignore[attr-defined]
    }


if __name__ == "__main__":
    sys.exit(main())
