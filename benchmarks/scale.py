"""How provld scales with the store, embedded and on an Oxigraph server.

For each store size (observation runs of the synthetic CTA pipeline, :mod:`synth`, loaded
as documents of ``--per-document`` runs, each from its own seed, through
:meth:`provld.documents.Catalogue.load` without validation) and each backend, in a fresh
process of its own, the script measures:

- ``load``: seconds to load every document (the generation of the PROV-JSON excluded);
- ``deref``: median milliseconds of ``GET /id/...`` of one DL3 product in Turtle, through
  the Flask application (``create_app`` on the store, as a server runs it);
- ``lineage``: median milliseconds of one DEPTH=ALL backward walk of that product
  (:func:`provld.lineage.walk`);
- ``aggregate``: median milliseconds of one SPARQL aggregate over the whole store
  (instances per class, ``GROUP BY``);
- ``provld RSS``: the peak resident memory of the provld process (MB), which must not
  grow with the store: documents are streamed, results spooled, nothing materialised;
- ``server RSS``: the Oxigraph server's peak resident memory, for the server rows.

The Oxigraph server is started by the script (``oxigraph serve`` on a loopback port,
``--timeout-s 600``); its ``--location`` is under ``--workdir``.

    python benchmarks/scale.py                                # 10k and 100k runs
    python benchmarks/scale.py --runs 10000 --backends embedded oxigraph-server
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402
from pyoxigraph import NamedNode  # noqa: E402

from provld import formats  # noqa: E402
from provld.documents import Catalogue  # noqa: E402
from provld.lineage import LineageOptions, walk  # noqa: E402
from provld.store import open_store  # noqa: E402

#: The synthetic IRIs are https://provenance.cta-observatory.org/id/...: with this base
#: they are provld's own, served at /id/...
BASE = "https://provenance.cta-observatory.org/"
PICK = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX voprov: <http://www.ivoa.net/documents/ProvenanceDM/index.html#>
PREFIX ctao: <https://provenance.cta-observatory.org/ns#>
PREFIX d: <https://provenance.cta-observatory.org/id/description/dataset/>
SELECT ?g ?dl3 WHERE { GRAPH ?g { ?dl3 ctao:runNumber ?run ; voprov:entityDescription d:dl3 } }
ORDER BY ?run LIMIT 1 OFFSET 500"""
AGGREGATE = "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type"
COLUMNS = ("load s", "deref ms", "lineage ms", "aggregate ms", "provld RSS MB", "server RSS MB")


def _peak_rss_mb(pid: int | str = "self") -> float:
    """The peak resident memory of a process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    action()  # warm
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


class _OxigraphServer:
    def __init__(self, location: Path) -> None:
        program = Path(sys.executable).with_name("oxigraph")
        oxigraph = str(program) if program.exists() else shutil.which("oxigraph")
        if oxigraph is None:
            raise SystemExit("the oxigraph server program is not installed (pip install oxigraph)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        command = [oxigraph, "serve", "--location", str(location)]
        command += ["--bind", f"127.0.0.1:{port}", "--timeout-s", "600"]
        self.log = (location.parent / f"{location.name}.log").open("wb")
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=self.log)
        import requests

        for _ in range(300):
            try:
                requests.get(self.url, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise SystemExit("oxigraph serve did not answer")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def measure(
    runs: int, backend: str, per_document: int, repeat: int, workdir: Path
) -> dict[str, Any]:
    """One row of the table, measured in this process."""
    server = None
    options: dict[str, str] = {}
    if backend == "oxigraph-server":
        server = _OxigraphServer(workdir / f"server-{runs}")
        location = server.url
        options = {"PROVLD_STORE_SERVER": "oxigraph"}
    else:
        location = str(workdir / f"embedded-{runs}")
    try:
        store = open_store(location, options)
        catalogue = Catalogue(store, BASE)
        loading = 0.0
        for seed, start in enumerate(range(0, runs, per_document)):
            size = min(per_document, runs - start)
            buffer = io.StringIO()
            synth.write(buffer, size, seed)
            data = buffer.getvalue().encode()
            del buffer
            began = time.perf_counter()
            catalogue.load(data, formats.lookup("provjson"), source=f"cta-{seed}.json")
            loading += time.perf_counter() - began
            del data
            print(f"  {backend}: {start + size} runs loaded", end="\r", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        row = next(iter(store.query(PICK)))  # type: ignore[call-overload]
        dl3: NamedNode = row["dl3"]
        total = int(
            next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value
        )  # type: ignore[call-overload]

        def aggregate() -> object:
            return list(store.query(AGGREGATE))  # type: ignore[call-overload]

        def lineage() -> object:
            return walk(store, LineageOptions((dl3,), depth=None), base=BASE)

        aggregate_ms = _median_ms(aggregate, max(3, repeat // 5))
        lineage_ms = _median_ms(lineage, repeat)
        nodes = len(lineage().nodes)  # type: ignore[attr-defined]
        store.close()  # the application opens its own (the embedded store: one opener)
        from provld.web import create_app

        app = create_app(
            {"PROVLD_STORE": location, "PROVLD_BASE_URI": BASE, **options}  # type: ignore[dict-item]
        )
        client = app.test_client()
        path = "/" + dl3.value[len(BASE) :]

        def deref() -> object:
            response = client.get(path, headers={"Accept": "text/turtle"})
            assert response.status_code == 200, response.status_code
            return response.data

        deref_ms = _median_ms(deref, repeat)
        app.extensions["provld.runner"].close()
        app.extensions["provld.store"].close()
        return {
            "runs": runs,
            "backend": backend,
            "quads": total,
            "lineage nodes": nodes,
            "load s": loading,
            "deref ms": deref_ms,
            "lineage ms": lineage_ms,
            "aggregate ms": aggregate_ms,
            "provld RSS MB": _peak_rss_mb(),
            "server RSS MB": _peak_rss_mb(server.proc.pid) if server else None,
        }
    finally:
        if server is not None:
            server.stop()


def _table(rows: list[dict[str, Any]]) -> str:
    head = ["runs", "backend", "quads", *COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [f"{row['runs']:,}", row["backend"], f"{row['quads']:,}"]
        for column in COLUMNS:
            value = row.get(column)
            cells.append(
                "-" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument(
        "--backends",
        nargs="*",
        default=["embedded", "oxigraph-server"],
        choices=["embedded", "oxigraph-server"],
    )
    parser.add_argument("--per-document", type=int, default=1000, help="runs per document")
    parser.add_argument("--repeat", type=int, default=20, help="timings per measurement")
    parser.add_argument("--workdir", help="where the stores go (default: a temporary folder)")
    parser.add_argument("--one", nargs=2, metavar=("RUNS", "BACKEND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="provld-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.one:  # a child: one row, as JSON on the last line of stdout
        row = measure(int(args.one[0]), args.one[1], args.per_document, args.repeat, workdir)
        print(json.dumps(row))
        return 0
    rows = []
    for runs in args.runs:
        for backend in args.backends:
            # A process per row: its peak memory is that row's alone.
            command = [sys.executable, __file__, "--one", str(runs), backend]
            command += ["--per-document", str(args.per_document), "--repeat", str(args.repeat)]
            command += ["--workdir", str(workdir)]
            done = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=os.environ)
            if done.returncode != 0:
                print(f"{runs} runs on {backend}: failed ({done.returncode})", file=sys.stderr)
                continue
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(_table(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
