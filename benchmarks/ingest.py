"""Ingest speed and memory: provld's load against pyoxigraph's own bulk loader.

For each size (observation runs of the synthetic CTA pipeline, :mod:`synth`), the
script writes the document as PROV-JSON and as Turtle (the same triples provld stores),
then measures, each in a fresh process and a fresh on-disk store:

- ``provld load`` of the PROV-JSON file (parse, map to PROV-O, store, catalogue);
- ``provld load`` of the Turtle file (parse, complete, store, catalogue);
- pyoxigraph's ``bulk_load`` of the same Turtle file, the reference;

and prints records, triples, seconds, records or triples per second, the ratio to the
reference and the peak resident memory of each process.

    python benchmarks/ingest.py               # 1k and 10k runs
    python benchmarks/ingest.py --runs 100    # a quick look
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _child(kind: str, path: str, store: str) -> dict[str, float]:
    """Runs in the measured process: one load, then its figures as JSON."""
    import pyoxigraph

    data = Path(path).read_bytes()
    began = time.perf_counter()
    if kind == "reference":
        st = pyoxigraph.Store(store)
        st.bulk_load(data, pyoxigraph.RdfFormat.TURTLE, to_graph=pyoxigraph.NamedNode("http://g"))
        st.flush()
        triples = len(st)
        records = 0
    else:
        from provld import formats
        from provld.documents import Catalogue
        from provld.store import open_store

        backend = open_store(store)
        catalogue = Catalogue(backend, "http://localhost:5000/")
        stored = catalogue.load(data, formats.lookup(kind), source=Path(path).name)
        backend.close()
        triples, records = stored.triples, stored.records
    seconds = time.perf_counter() - began
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "triples": triples, "records": records, "peak_mb": peak_kb / 1024}


def _measure(kind: str, path: Path, workdir: Path) -> dict[str, float]:
    store = tempfile.mkdtemp(dir=workdir, prefix=f"{kind}-")
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), store],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} load failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _write_inputs(runs: int, workdir: Path) -> tuple[Path, Path, int]:
    import pyoxigraph
    import synth

    from provld import provo
    from provld.readers.provjson import read_provjson

    json_path = workdir / f"cta-{runs}.json"
    with json_path.open("w") as out:
        records = synth.write(out, runs)
    doc = read_provjson(json_path.read_bytes())
    ttl_path = workdir / f"cta-{runs}.ttl"
    with ttl_path.open("wb") as out:
        pyoxigraph.serialize(
            (q.triple for q in provo.document_quads(doc)),
            out,
            pyoxigraph.RdfFormat.TURTLE,
            prefixes=synth.PREFIXES,
        )
    return json_path, ttl_path, records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0
    with tempfile.TemporaryDirectory(prefix="provld-bench-") as tmp:
        workdir = Path(tmp)
        header = (
            f"{'runs':>6} {'input':<9} {'MB':>6} {'records':>9} {'triples':>10} "
            f"{'seconds':>8} {'per s':>10} {'x ref':>6} {'peak MB':>8}"
        )
        print(header)
        for runs in args.runs:
            json_path, ttl_path, records = _write_inputs(runs, workdir)
            ref = _measure("reference", ttl_path, workdir)
            for kind, path in (
                ("provjson", json_path),
                ("turtle", ttl_path),
                ("reference", ttl_path),
            ):
                r = ref if kind == "reference" else _measure(kind, path, workdir)
                rate = (
                    r["records"] / r["seconds"]
                    if kind == "provjson"
                    else r["triples"] / r["seconds"]
                )
                unit = "rec" if kind == "provjson" else "tri"
                ratio = r["seconds"] / ref["seconds"]
                size = path.stat().st_size / 1e6
                shown = int(r["records"] or records) if kind == "provjson" else ""
                print(
                    f"{runs:>6} {kind:<9} {size:>6.0f} {shown:>9} "
                    f"{int(r['triples']):>10} {r['seconds']:>8.2f} {rate:>8.0f}{unit:>2} "
                    f"{ratio:>6.2f} {r['peak_mb']:>8.0f}",
                    flush=True,
                )
            if args.keep:
                for p in (json_path, ttl_path):
                    p.rename(HERE / p.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
