"""What capture costs a pipeline: per activity, per file, and hashing against hashlib.

- ``step``: a nested activity with nothing in it (records built, nothing written);
- ``top, no target``: a top-level activity whose document is only kept in memory;
- ``top, to a directory``: the same, its document written as Turtle to a directory;
- ``top, to a server (spool)``: the same, spooled for a server (nothing listens: the
  spool write is what the task pays; sending is the background thread's);
- ``used`` / ``generated``: one more file named in an activity, hashing off
  (``PROVLD_CAPTURE_HASH=none``: a stat and the records), per file;
- hashing: :func:`provld.capture.files.checksum` on one file (default 512 MiB, page
  cache warm) against ``hashlib.file_digest`` and against hashlib on the bytes already
  in memory, for SHA-256 and BLAKE2b.

Each timing is the median of ``--repeat`` rounds. Targets: under 1 ms per activity,
under 0.2 ms per file, hashing at 90% of hashlib or more.

    python benchmarks/capture.py
    python benchmarks/capture.py --size-mb 2048 --repeat 7
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from provld import capture
from provld.capture.files import checksum


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_activity(work: Path, n: int, repeat: int) -> None:
    def steps() -> None:
        with capture.activity("tool"):
            for _ in range(n):
                with capture.activity("step"):
                    pass

    def tops() -> None:
        for _ in range(n):
            with capture.activity("tool"):
                pass

    rows = []
    capture.configure(reset=True, target=(), spool=str(work / "spool"))
    tops()  # warm the caches (software, packages, context) as a running pipeline has them
    rows.append(("step (nested)", median_seconds(steps, repeat) / n))
    rows.append(("top, no target", median_seconds(tops, repeat) / n))
    capture.configure(target=str(work / "out"))
    rows.append(("top, to a directory (Turtle)", median_seconds(tops, repeat) / n))
    capture.configure(target="http://127.0.0.1:9", timeout=0.5)
    rows.append(("top, to a server (spool write)", median_seconds(tops, repeat) / n))
    capture.wait(30)
    print(f"\nper activity, no files ({n} activities a round, median of {repeat} rounds)")
    for name, seconds in rows:
        print(f"  {name:34s} {seconds * 1e3:8.3f} ms")


def per_file(work: Path, n: int, repeat: int) -> None:
    folder = work / "files"
    folder.mkdir(exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"f{i}.fits"
        path.write_bytes(b"x" * 100)
        paths.append(path)
    capture.configure(reset=True, target=(), hash="none", spool=str(work / "spool"))

    def empty() -> None:
        with capture.activity("tool"):
            pass

    def used() -> None:
        with capture.activity("tool") as act:
            for path in paths:
                act.used(path, role="in")

    def generated() -> None:
        with capture.activity("tool") as act:
            for path in paths:
                act.generated(path, role="out")

    used()
    base = median_seconds(empty, repeat)
    print(f"\nper file, hashing off ({n} files an activity, median of {repeat} rounds)")
    for name, run in (("used", used), ("generated", generated)):
        seconds = (median_seconds(run, repeat) - base) / n
        print(f"  {name:34s} {seconds * 1e3:8.3f} ms")


def hashing(work: Path, size_mb: int, repeat: int) -> None:
    path = work / "big.fits"
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for _ in range(size_mb):
            f.write(block)
    data = path.read_bytes()  # also warms the page cache
    print(f"\nhashing a {size_mb} MiB file (page cache warm; median of {repeat}), MB/s")
    print(
        f"  {'algorithm':10s} {'capture':>8s} {'file_digest':>12s} {'in memory':>10s}"
        f" {'vs file_digest':>15s} {'vs in memory':>13s}"
    )
    for algorithm in ("sha256", "blake2b"):
        ours = median_seconds(lambda a=algorithm: checksum(path, a), repeat)

        def digest(a: str = algorithm) -> str:
            with open(path, "rb") as f:
                return hashlib.file_digest(f, a).hexdigest()

        reference = median_seconds(digest, repeat)
        memory = median_seconds(lambda a=algorithm: hashlib.new(a, data).hexdigest(), repeat)
        mb = size_mb * (1 << 20) / 1e6
        print(
            f"  {algorithm:10s} {mb / ours:8.0f} {mb / reference:12.0f} {mb / memory:10.0f}"
            f" {reference / ours:15.0%} {memory / ours:13.0%}"
        )
    path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--activities", type=int, default=500, help="activities a round")
    parser.add_argument("--files", type=int, default=200, help="files an activity")
    parser.add_argument("--size-mb", type=int, default=512, help="size of the hashed file")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the median is shown")
    args = parser.parse_args()
    logging.getLogger("provld.capture").setLevel(logging.CRITICAL)  # the unreachable server
    for var in [v for v in os.environ if v.startswith("PROVLD_CAPTURE")]:
        del os.environ[var]
    with tempfile.TemporaryDirectory(prefix="provld-capture-bench-") as tmp:
        work = Path(tmp)
        per_activity(work, args.activities, args.repeat)
        per_file(work, args.files, args.repeat)
        hashing(work, args.size_mb, args.repeat)
    capture.configure(reset=True)


if __name__ == "__main__":
    main()
