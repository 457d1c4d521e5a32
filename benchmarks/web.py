"""Web speed: requests per second and p50/p99 latency against a real server on loopback.

Loads the synthetic 1k-run set into a fresh store, starts provld under gunicorn (the
production setup of deploy/: one worker, threads), and drives it with concurrent clients
for: one entity in Turtle, the same entity as HTML, and a typical SPARQL SELECT. When the
``oxigraph`` server is installed (``pip install oxigraph``), the same SELECT is sent
straight to it on the same data as the reference.

    python benchmarks/web.py [--runs 1000] [--seconds 10] [--clients 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SELECT = (
    "PREFIX prov: <http://www.w3.org/ns/prov#> "
    "SELECT ?activity ?start WHERE { ?activity a prov:Activity ; prov:startedAtTime ?start } "
    "ORDER BY DESC(?start) LIMIT 20"
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str) -> None:
    for _ in range(300):
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit(f"no server at {url}")


def drive(name: str, make: callable, seconds: float, clients: int) -> None:  # type: ignore[valid-type]
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def client() -> None:
        nonlocal errors
        session = requests.Session()
        while time.perf_counter() < stop:
            began = time.perf_counter()
            response = make(session)
            took = time.perf_counter() - began
            with lock:
                if response.status_code == 200:
                    latencies.append(took)
                else:
                    errors += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"{name:<28} {len(latencies) / elapsed:>8.0f} req/s   p50 {p50:>6.1f} ms   "
        f"p99 {p99:>6.1f} ms   errors {errors}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import synth

    work = Path(tempfile.mkdtemp(prefix="provld-web-"))
    data = work / "cta.json"
    with data.open("w") as out:
        synth.write(out, args.runs)
    store = work / "store"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "provld.cli",
            "load",
            str(data),
            "--store",
            str(store),
            "--no-validate",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = _port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PROVLD_STORE": str(store),
        "PROVLD_BIND": f"127.0.0.1:{port}",
        "PROVLD_BASE_URI": base + "/",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "provld.web.wsgi:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(base + "/health")
        row = requests.get(base + "/sparql", params={"query": SELECT}, timeout=30).json()
        entity = row["results"]["bindings"][0]["activity"]["value"]
        print(f"store: {args.runs} runs; entity {entity}")
        print(f"{args.clients} clients, {args.seconds:g} s each")
        drive(
            "entity as Turtle",
            lambda s: s.get(
                base + "/resource", params={"uri": entity}, headers={"Accept": "text/turtle"}
            ),
            args.seconds,
            args.clients,
        )
        drive(
            "entity as HTML",
            lambda s: s.get(
                base + "/resource", params={"uri": entity}, headers={"Accept": "text/html"}
            ),
            args.seconds,
            args.clients,
        )
        drive(
            "SPARQL SELECT (provld)",
            lambda s: s.get(
                base + "/sparql",
                params={"query": SELECT},
                headers={"Accept": "application/sparql-results+json"},
            ),
            args.seconds,
            args.clients,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    if shutil.which("oxigraph"):
        ref_port = _port()
        ref_store = work / "ref"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "provld.cli",
                "export",
                "--store",
                str(store),
                "--format",
                "nquads",
                "-o",
                str(work / "all.nq"),
            ],
            check=True,
        )
        subprocess.run(
            ["oxigraph", "load", "--location", str(ref_store), "--file", str(work / "all.nq")],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ref = subprocess.Popen(
            [
                "oxigraph",
                "serve-read-only",
                "--location",
                str(ref_store),
                "--bind",
                f"127.0.0.1:{ref_port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            ref_url = f"http://127.0.0.1:{ref_port}/query"
            _wait(f"http://127.0.0.1:{ref_port}/")
            union = "&union-default-graph"
            drive(
                "SPARQL SELECT (oxigraph)",
                lambda s: s.get(
                    ref_url + "?" + requests.compat.urlencode({"query": SELECT}) + union,
                    headers={"Accept": "application/sparql-results+json"},
                ),
                args.seconds,
                args.clients,
            )
        finally:
            ref.terminate()
            ref.wait(timeout=30)
    else:
        print("oxigraph server not installed (pip install oxigraph): no reference")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
