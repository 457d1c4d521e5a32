"""Web speed: requests per second and p50/p99 latency against a real server on loopback.

Loads the synthetic 1k-run set into a fresh store, starts provld under gunicorn (the
production setup of deploy/: one worker, threads), and drives it with concurrent clients
for: one entity in Turtle and in HTML, asked again and again (after the first request,
answered from provld's cache of answers); a thousand different entities in Turtle and in
HTML with that cache off (every answer computed from the store, the worst case); and a
typical SPARQL SELECT. When the ``oxigraph`` server is installed (``pip install
oxigraph``), the same SELECT is sent straight to it on the same data as the reference.

The load generator is ``wrk`` (Debian package ``wrk``) when it is installed: written in C,
it leaves the two cores to the server. Without it, Python threads with ``requests`` drive
the server, and take a good part of the machine themselves (the figures say which).

    python benchmarks/web.py [--runs 1000] [--seconds 10] [--clients 8]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SELECT = (
    "PREFIX prov: <http://www.w3.org/ns/prov#> "
    "SELECT ?activity ?start WHERE { ?activity a prov:Activity ; prov:startedAtTime ?start } "
    "ORDER BY DESC(?start) LIMIT 20"
)
ENTITIES = (
    "PREFIX prov: <http://www.w3.org/ns/prov#> "
    "SELECT DISTINCT ?e WHERE { ?e a prov:Entity } ORDER BY ?e LIMIT 1000"
)
#: wrk's script for a list of paths, taken in turn (one per line in $PATHS_FILE).
ROTATE = """
local paths = {}
for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format(nil, paths[i])
end
"""


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


def _report(name: str, rate: float, p50: float, p99: float, errors: int) -> None:
    print(
        f"{name:<34} {rate:>8.0f} req/s   p50 {p50:>6.1f} ms   p99 {p99:>6.1f} ms   "
        f"errors {errors}",
        flush=True,
    )


def _ms(text: str) -> float:
    """A duration as wrk prints it (``812.00us``, ``6.30ms``, ``1.02s``, ``1.01m``) in ms."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def drive_wrk(
    name: str, base: str, paths: list[str], accept: str, seconds: float, clients: int, work: Path
) -> None:
    """Drive the server with wrk: ``paths`` in turn, each with ``Accept: accept``."""
    script = work / "rotate.lua"
    script.write_text(ROTATE)
    listing = work / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    out = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds:g}s", "--latency", "-s", str(script)]
        + ["-H", f"Accept: {accept}", base + paths[0]],
        env={**os.environ, "PATHS_FILE": str(listing)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Requests/sec" not in out:
        raise SystemExit(f"wrk gave no figures:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    failed = re.search(r"Socket errors: .*", out)
    errors = int(bad.group(1)) if bad else 0
    if failed:
        print("   ", failed.group(0))
    _report(name, rate, p50, p99, errors)


def drive_python(
    name: str, base: str, paths: list[str], accept: str, seconds: float, clients: int
) -> None:
    """Drive the server with Python threads (no wrk here)."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def client(offset: int) -> None:
        nonlocal errors
        session = requests.Session()
        i = offset
        while time.perf_counter() < stop:
            i = (i + 1) % len(paths)
            began = time.perf_counter()
            response = session.get(base + paths[i], headers={"Accept": accept})
            took = time.perf_counter() - began
            with lock:
                if response.status_code == 200:
                    latencies.append(took)
                else:
                    errors += 1

    threads = [threading.Thread(target=client, args=(n * 97,)) for n in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    _report(name, len(latencies) / elapsed, statistics.median(latencies) * 1000, p99, errors)


@contextmanager
def provld_server(store: Path, **settings: str) -> Iterator[str]:
    """provld under gunicorn as deploy/ runs it, on a free port: its base URL."""
    port = _port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PROVLD_STORE": str(store),
        "PROVLD_BIND": f"127.0.0.1:{port}",
        "PROVLD_BASE_URI": base + "/",
        **settings,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
        + ["provld.web.wsgi:app"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(base + "/health")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


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
        [sys.executable, "-m", "provld.cli", "load", str(data), "--store", str(store)]
        + ["--no-validate"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wrk = shutil.which("wrk")
    print(f"store: {args.runs} runs; {args.clients} clients, {args.seconds:g} s each; ", end="")
    print("load from wrk" if wrk else "load from Python threads (apt-get install wrk is better)")

    def drive(name: str, base: str, paths: list[str], accept: str) -> None:
        if wrk:
            drive_wrk(name, base, paths, accept, args.seconds, args.clients, work)
        else:
            drive_python(name, base, paths, accept, args.seconds, args.clients)

    def resource(iri: str) -> str:
        return "/resource?" + urlencode({"uri": iri})

    with provld_server(store) as base:
        rows = requests.get(base + "/sparql", params={"query": ENTITIES}, timeout=30).json()
        entities = [resource(r["e"]["value"]) for r in rows["results"]["bindings"]]
        one = [entities[0]]
        print(f"one entity: {base}{one[0]}")
        drive("one entity, Turtle", base, one, "text/turtle")
        drive("one entity, HTML", base, one, "text/html")
        sparql = ["/sparql?" + urlencode({"query": SELECT}, quote_via=quote)]
        drive("SPARQL SELECT (provld)", base, sparql, "application/sparql-results+json")
    with provld_server(store, PROVLD_CACHE_MB="0") as base:
        print(f"cache off, {len(entities)} entities in turn:")
        drive("entities, Turtle, computed", base, entities, "text/turtle")
        drive("entities, HTML, computed", base, entities, "text/html")
    # The oxigraph server of the same venv, or on PATH.
    oxigraph = shutil.which(
        "oxigraph", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    )
    if oxigraph:
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
            [oxigraph, "load", "--location", str(ref_store), "--file", str(work / "all.nq")],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ref = subprocess.Popen(
            [
                oxigraph,
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
            ref_base = f"http://127.0.0.1:{ref_port}"
            _wait(ref_base + "/")
            query = "/query?" + urlencode({"query": SELECT}, quote_via=quote)
            drive(
                "SPARQL SELECT (oxigraph)",
                ref_base,
                [query + "&union-default-graph"],
                "application/sparql-results+json",
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
