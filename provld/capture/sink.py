"""Where recorded documents go: files in a directory, and a provld server through a spool.

A document for a server is first written to the spool directory (one file: a JSON note
with the server, activity IRI and media type, then the document), then sent by a background
thread, so the pipeline waits for a file write, never for the network. What is sent is
removed from the spool; what the server refuses as invalid (400, 413, 415, 422) moves to
``rejected/`` with the server's answer; everything else stays and is sent later: at the
next capture in any process, by :func:`flush`, or by ``provld capture --flush``.

Exactly once: the server mints a new graph for every ``POST /documents`` (``PUT`` only
replaces a document that exists), so a resend after a lost answer would store the
document twice. Attempts are counted in a file beside the entry, written *before* each
POST; an entry that
was attempted before is only sent again after the server says, by a SPARQL ``ASK`` on
the activity's IRI (a UUID, in no other document), that it does not have it. Processes
sharing a spool take a lock on each entry (``flock``), so two of them never send one
entry at the same time.

Spool files are written whole and renamed into place, so a crash leaves an entry or
nothing, never half of one (they are not fsync'ed: what survives a crash of the process
is kept, a crash of the machine may lose the last seconds).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import logging
import os
import re
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provld import formats
from provld.capture import config
from provld.export import PREFIXES, prov_writer, serialize
from provld.model import Document
from provld.provo import document_quads
from provld.readers.ctapipe import CAPTURE

if TYPE_CHECKING:
    from provld.capture.recorder import Activity

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: entries are not locked across processes
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("provld.capture")

_REJECTED = {400, 413, 415, 422}
#: A spooled entry: its note (JSON, one line), a newline, the document.
ENTRY = ".spool"
#: Beside an entry, once sending it was tried: how many times (written before each POST).
ATTEMPTS = ".attempts"
_FORBIDDEN = {401, 403}


def namespaces(base: str) -> dict[str, str]:
    """Prefixes of captured documents: the standard ones and one per kind of minted IRI."""
    out = dict(PREFIXES)
    out["capture"] = CAPTURE
    for kind in (
        "activity",
        "agent",
        "context",
        "description",
        "file",
        "generation",
        "parameter",
        "product",
        "software",
        "usage",
    ):
        out[kind] = f"{base}id/{kind}/"
    return out


def to_bytes(doc: Document, fmt: formats.Format, base: str) -> bytes:
    """``doc`` serialised in ``fmt`` (an RDF or PROV format of the registry)."""
    if fmt.kind == "prov":
        return prov_writer(fmt)(doc)
    return serialize(document_quads(doc), fmt, namespaces(base))


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:60] or "activity"


def emit(doc: Document | None, act: Activity) -> None:
    """Write ``doc`` to every configured directory and spool it for every server.
    Errors are logged: the task goes on."""
    if doc is None:
        return
    settings = act.settings
    if not settings.targets:
        return
    try:
        fmt = formats.lookup(settings.format)
        data = to_bytes(doc, fmt, settings.base_uri)
    except Exception:
        log.exception("provld capture: cannot serialise the document of %r", act.name)
        return
    stem = f"{_safe(act.name)}-{act.uuid}"
    for directory in settings.directories:
        try:
            _write(Path(directory) / f"{stem}.{fmt.extension}", data)
        except OSError as exc:
            log.error("provld capture: cannot write to %s: %s", directory, exc.strerror or exc)
    for server in settings.servers:
        note = {
            "server": server.rstrip("/"),
            "activity": act.iri.value,
            "name": act.name,
            "format": fmt.name,
            "media_type": fmt.media_type,
            "extension": fmt.extension,
            # an activity read back from a log may have been sent before: ask first
            "attempts": 1 if act._check_first else 0,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        key = f"{act.uuid}-{zlib.crc32(server.encode()):08x}"
        spool = spool_dir(settings)
        if spool is None:
            _SENDER.keep(key, note, data)
        else:
            try:
                # one file: the note on the first line, the document after it
                _write(spool / f"{key}{ENTRY}", json.dumps(note).encode() + b"\n" + data)
            except OSError as exc:
                log.error(
                    "provld capture: cannot spool to %s (%s); sending from memory",
                    spool,
                    exc.strerror or exc,
                )
                _SENDER.keep(key, note, data)
        _SENDER.wake(settings)


def _write(path: Path, data: bytes) -> None:
    """Write a whole file or nothing: a temporary file (named after the target, which is
    unique) renamed into place."""
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        f = open(tmp, "wb")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        f = open(tmp, "wb")
    try:
        with f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_spools: dict[str, Path] = {}


def spool_dir(settings: config.Settings) -> Path | None:
    """The spool directory, created if needed; a private one under the temporary
    directory when the configured one cannot be made; None when neither can."""
    known = _spools.get(settings.spool)
    if known is not None and known.is_dir():
        return known
    for candidate in (Path(settings.spool), _fallback_spool()):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            (candidate / "rejected").mkdir(exist_ok=True)
            if os.access(candidate, os.W_OK):
                if candidate != Path(settings.spool):
                    log.error(
                        "provld capture: spool %s is not usable; spooling to %s",
                        settings.spool,
                        candidate,
                    )
                _spools[settings.spool] = candidate
                return candidate
        except OSError:
            continue
    return None


def _fallback_spool() -> Path:
    try:
        user = str(os.getuid())  # type: ignore[attr-defined,unused-ignore]
    except AttributeError:  # pragma: no cover
        user = "user"
    return Path(tempfile.gettempdir()) / f"provld-capture-spool-{user}"


# -- sending --------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a flush did: documents sent, still pending, rejected by the server."""

    sent: int = 0
    pending: int = 0
    rejected: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.pending} pending, {self.rejected} rejected"


class _Sender:
    """The background thread that sends spooled documents, and the in-memory entries
    of a process whose spool cannot be written."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # one sender at a time in this process
        self.event = threading.Event()
        self.thread: threading.Thread | None = None
        self.settings: config.Settings | None = None
        self.memory: dict[str, tuple[dict[str, Any], bytes]] = {}
        self.busy = False
        self.registered = False
        #: server -> (monotonic time before which the background does not try it, delay)
        self.backoff: dict[str, tuple[float, float]] = {}

    def note(self, server: str, result: str) -> None:
        """Remember whether ``server`` could be reached, for the back-off."""
        if result == "unreachable":
            delay = min(self.backoff.get(server, (0.0, 2.5))[1] * 2, 300.0)
            self.backoff[server] = (time.monotonic() + delay, delay)
        else:
            self.backoff.pop(server, None)

    def keep(self, key: str, note: dict[str, Any], data: bytes) -> None:
        with self.lock:
            self.memory[key] = (note, data)

    def backlog(self, settings: config.Settings) -> None:
        """At the first top-level activity of a process, start sending what earlier
        runs left in the spool, while the task runs."""
        if self.thread is None and settings.servers:
            self.wake(settings)

    def wake(self, settings: config.Settings) -> None:
        self.settings = settings
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(
                target=self._run, name="provld-capture-send", daemon=True
            )
            self.thread.start()
            if not self.registered:
                atexit.register(self._at_exit)
                self.registered = True
        self.event.set()

    def _run(self) -> None:
        while True:
            self.event.wait()
            self.busy = True  # before the event is cleared: wait() sees one or the other
            self.event.clear()
            settings = self.settings
            if settings is None:
                self.busy = False
                continue
            now = time.monotonic()
            waiting = [self.backoff.get(s, (0.0, 0.0))[0] > now for s in settings.servers]
            if waiting and all(waiting):
                self.busy = False
                continue  # every server is in its back-off: do not even list the spool
            try:
                flush(settings, background=True)
            except Exception:
                log.exception("provld capture: sending failed")
            finally:
                self.busy = False

    def _at_exit(self) -> None:
        """Give the sender a bounded time to finish, so a short script's document leaves
        before the interpreter does; what is not sent stays in the spool."""
        thread = self.thread
        settings = self.settings
        if thread is None or settings is None:
            return
        deadline = time.monotonic() + settings.exit_wait
        while (self.busy or self.event.is_set()) and time.monotonic() < deadline:
            time.sleep(0.02)
        if self.memory:
            log.error(
                "provld capture: %d document(s) could not be spooled or sent and are lost",
                len(self.memory),
            )


_SENDER = _Sender()


def flush(settings: config.Settings | None = None, *, background: bool = False) -> Outcome:
    """Send every spooled document now, in this thread; returns what happened.

    A server that cannot be reached is not tried again for the rest of the flush; in the
    background, not before its back-off time either (doubling from 5 s to 5 min), so a
    pipeline that runs while its server is down does not knock at every activity.
    """
    settings = settings or config.settings()
    outcome = Outcome()
    with _SENDER.lock:
        spool = spool_dir(settings)
        entries = sorted(spool.glob("*" + ENTRY), key=_mtime) if spool is not None else []
        now = time.monotonic()
        skip = {s for s, (when, _) in _SENDER.backoff.items() if background and when > now}
        for path in entries:
            with _claim(path) as claimed:
                if claimed is None:
                    continue
                note, data = claimed
                if note.get("server") in skip:
                    outcome.pending += 1
                    continue
                tries = path.with_suffix(ATTEMPTS)
                with contextlib.suppress(OSError, ValueError):
                    note["attempts"] = max(int(note["attempts"]), int(tries.read_text()))
                result = _deliver(note, data, settings, functools.partial(_save, tries))
                _SENDER.note(str(note.get("server")), result)
                if result == "sent":
                    path.unlink(missing_ok=True)
                    tries.unlink(missing_ok=True)
                    outcome.sent += 1
                elif result == "rejected":
                    _reject(path, tries, note, data)
                    outcome.rejected += 1
                else:
                    outcome.pending += 1
                    if result in ("forbidden", "unreachable"):
                        skip.add(str(note.get("server")))
        for key, (note, data) in list(_SENDER.memory.items()):
            if note.get("server") in skip:
                outcome.pending += 1
                continue
            result = _deliver(note, data, settings, lambda n: None)
            _SENDER.note(str(note.get("server")), result)
            if result in ("sent", "rejected"):
                del _SENDER.memory[key]
                outcome.sent += result == "sent"
                outcome.rejected += result == "rejected"
            else:
                outcome.pending += 1
                if result in ("forbidden", "unreachable"):
                    skip.add(str(note.get("server")))
    return outcome


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@contextlib.contextmanager
def _claim(path: Path) -> Iterator[tuple[dict[str, Any], bytes] | None]:
    """The entry's note and document, locked against other processes; None when another
    process holds it, or it is gone."""
    try:
        f = open(path, "rb")
    except OSError:
        yield None
        return
    with f:
        if fcntl is not None:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield None  # another process is sending it
                return
        try:
            # the entry may have been sent and removed between open and lock
            if os.fstat(f.fileno()).st_ino != os.stat(path).st_ino:
                yield None
                return
            header, _, data = f.read().partition(b"\n")
            note = json.loads(header)
        except (OSError, ValueError):
            log.error("provld capture: %s is not a spool entry; left alone", path)
            yield None
            return
        yield note, data


def _save(tries: Path, note: dict[str, Any]) -> None:
    """Count an attempt, on disk, before the request goes out."""
    with open(tries, "w") as f:
        f.write(str(note["attempts"]))
        f.flush()
        os.fsync(f.fileno())


def _reject(path: Path, tries: Path, note: dict[str, Any], data: bytes) -> None:
    """Keep a refused document aside, readable as it is, with the server's answer."""
    target = path.parent / "rejected"
    target.mkdir(exist_ok=True)
    key = path.name.removesuffix(ENTRY)
    _write(target / f"{key}.{note.get('extension', 'ttl')}", data)
    _write(target / f"{key}.note.json", json.dumps(note, indent=2).encode())
    path.unlink(missing_ok=True)
    tries.unlink(missing_ok=True)
    log.error(
        "provld capture: %s refused the document of %r (%s); kept in %s",
        note.get("server"),
        note.get("name"),
        note.get("answer", "")[:200],
        target,
    )


def _deliver(note: dict[str, Any], data: bytes, settings: config.Settings, save: Any) -> str:
    """Send one document: ``sent``, ``rejected``, ``forbidden``, ``unreachable`` or
    ``pending`` (the server answered, but not yet: try again later)."""
    import requests

    server = str(note["server"])
    timeout = (min(settings.timeout, 3.05), settings.timeout)
    headers = {"Content-Type": str(note["media_type"])}
    if settings.token:
        headers["Authorization"] = f"Bearer {settings.token}"
    try:
        if int(note.get("attempts", 0)) > 0:
            # An earlier attempt may have reached the server: ask before sending again.
            stored = _stored(server, str(note["activity"]), timeout)
            if stored:
                log.info("provld capture: %s already has %r", server, note.get("name"))
                return "sent"
        note["attempts"] = int(note.get("attempts", 0)) + 1
        save(note)
        params = {"profile": settings.profile} if settings.profile else None
        response = requests.post(
            f"{server}/documents", data=data, headers=headers, params=params, timeout=timeout
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        log.warning(
            "provld capture: %s not reached (%s); %r stays in the spool",
            server,
            type(exc).__name__,
            note.get("name"),
        )
        return "unreachable"
    except (requests.RequestException, ValueError) as exc:
        log.warning("provld capture: %s: %s; %r stays in the spool", server, exc, note.get("name"))
        return "pending"
    except OSError as exc:
        log.error("provld capture: spool entry of %r: %s", note.get("name"), exc)
        return "pending"
    if response.status_code in (200, 201):
        where = response.headers.get("Location")
        log.info("provld capture: %r stored at %s", note.get("name"), where)
        return "sent"
    note["answer"] = f"HTTP {response.status_code}: {response.text[:4000]}"
    if response.status_code in _FORBIDDEN:
        log.error(
            "provld capture: %s refused the token (HTTP %d); documents stay in the spool",
            server,
            response.status_code,
        )
        return "forbidden"
    if response.status_code in _REJECTED:
        return "rejected"
    log.warning("provld capture: %s answered HTTP %d; retrying later", server, response.status_code)
    return "pending"


def _stored(server: str, activity: str, timeout: tuple[float, float]) -> bool:
    """Whether the server holds a document about ``activity`` (raises when it cannot
    be asked)."""
    import requests

    response = requests.get(
        f"{server}/sparql",
        params={"query": f"ASK {{ <{activity}> ?p ?o }}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=timeout,
    )
    response.raise_for_status()
    return bool(response.json().get("boolean"))


def pending(settings: config.Settings | None = None) -> list[dict[str, Any]]:
    """The notes of the documents waiting in the spool (and in memory)."""
    settings = settings or config.settings()
    spool = spool_dir(settings)
    out = []
    for path in sorted(spool.glob("*" + ENTRY), key=_mtime) if spool is not None else []:
        with contextlib.suppress(OSError, ValueError), open(path, "rb") as f:
            out.append(json.loads(f.readline()))
    out.extend(note for note, _ in _SENDER.memory.values())
    return out


def wait(timeout: float | None = None) -> bool:
    """Wait until the background sender is idle; False when ``timeout`` ran out first."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while _SENDER.busy or _SENDER.event.is_set():
        if deadline is not None and time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
