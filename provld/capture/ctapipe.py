"""ctapipe tools: their provenance as captured ProvDM, linked by ctapipe's activity UUID.

ctapipe's ``Provenance`` service records every tool run (name, UUID, times, status,
system, input and output files with roles, the whole traitlets configuration) and writes
the activity UUID into the headers of the files the tool writes (``CTA ACTIVITY ID``).
This module turns those records into capture documents, sent or written like any other:

- the activity's IRI is ``{base}id/activity/<activity_uuid>`` and its
  ``dcterms:identifier`` the bare UUID, so a UUID read from a FITS or HDF5 header finds
  the activity (``provld lineage id/activity/<uuid>``, or a SPARQL query on the
  identifier);
- input and output files are capture's file entities (checksummed when they are on this
  machine), every configuration value a parameter, ``*.config_files`` configuration
  files, ctapipe (with its version) the software agent, the tool's ``contact_*``
  settings the person;
- each activity UUID is recorded once per process, and an activity read back from a log
  is only sent to a server that does not have it yet (so a log appended run after run
  can be recorded again without duplicates).

Three ways in: :class:`CaptureProvenance`, a mixin for your own ``Tool`` subclasses;
:func:`install`, which hooks every ctapipe tool of the process (for the stock
``ctapipe-*`` commands); :func:`record_log`, for provenance logs already written.
ctapipe is imported only by the first two, and only when they run.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode

from provld import iris
from provld.capture.descriptions import ActivityDescription
from provld.capture.environment import Agent
from provld.capture.recorder import Activity, current
from provld.capture.recorder import activity_iri as recorder_activity_iri
from provld.errors import InputError, ParseError
from provld.model import PROV, VOPROV, Document, Record, Term
from provld.readers.ctapipe import CAPTURE

log = logging.getLogger("provld.capture")

_recorded: set[str] = set()
_lock = threading.Lock()
_FAILED = {"error", "interrupted", "failure", "failed"}


def record_activity(
    entry: Mapping[str, Any],
    *,
    description: ActivityDescription | str | None = None,
    check_first: bool = False,
) -> Document | None:
    """Record one ctapipe activity (a dict as in the provenance log, or as
    ``Provenance().provenance`` lists them); returns its document, or None when this
    UUID was already recorded by this process."""
    uuid = str(entry.get("activity_uuid") or "")
    name = str(entry.get("activity_name") or "ctapipe tool")
    if not uuid:
        raise InputError(f"ctapipe activity {name!r} has no activity_uuid")
    with _lock:
        if uuid in _recorded:
            return None
        _recorded.add(uuid)
    system: Mapping[str, Any] = entry.get("system") or {}
    config: Mapping[str, Any] = entry.get("config") or {}
    if not isinstance(system, Mapping):
        system = {}
    if not isinstance(config, Mapping):
        config = {}
    version = system.get("ctapipe_version")
    act = Activity(
        name,
        description=description,
        agent=_contact(config),
        uuid=uuid,
        software=Agent("ctapipe", kind="software", version=str(version) if version else None),
        context=_context(system),
        parent=current(),  # a tool run inside a captured activity is one of its steps
    )
    act._check_first = check_first
    started = _time(entry.get("start"))
    ended = _time(entry.get("stop"))
    if started is not None:
        act.started = act._last = started
    if ended is not None:
        act.ended = max(ended, act.started)
    arguments = system.get("arguments")
    if isinstance(arguments, list) and arguments:
        act.command = [str(a) for a in arguments]
    for item in _files(entry.get("input")):
        act.used(item["url"], role=item.get("role"), time=act.started)
    for item in _files(entry.get("output")):
        act.generated(item["url"], role=item.get("role"), time=act.ended or act.started)
    for path, value in _leaves(config):
        act.parameter(path, value)
        if path.rsplit(".", 1)[-1] == "config_files" and isinstance(value, list):
            for file in value:
                if isinstance(file, str) and file:
                    act.config_file(file)
    status = str(entry.get("status") or "completed")
    exit_code = entry.get("exit_code")
    if isinstance(exit_code, int):
        act.exit_code = exit_code
    failure: BaseException | None = None
    if status.lower() in _FAILED or (isinstance(exit_code, int) and exit_code != 0):
        act.error = f"ctapipe status {status}, exit code {exit_code}"
        failure = _ToolFailed(act.error)
    act._finish(failure)
    return act.document


class _ToolFailed(Exception):
    """The tool ended with an error status (ctapipe's own words are in the message)."""

    def __str__(self) -> str:
        return str(self.args[0])


def record_provenance(
    activities: Iterable[Mapping[str, Any]],
    *,
    description: ActivityDescription | str | None = None,
    check_first: bool = False,
) -> list[Document]:
    """Record every activity of a list (``Provenance().provenance``); returns the
    documents of those not recorded before by this process."""
    out = []
    for entry in activities:
        doc = record_activity(entry, description=description, check_first=check_first)
        if doc is not None:
            out.append(doc)
    return out


def record_log(
    path: str | os.PathLike[str], *, description: ActivityDescription | str | None = None
) -> list[Document]:
    """Record the activities of a ctapipe provenance log (one JSON list per run, appended
    one after the other). A server is asked before each is sent, so that recording a log
    again sends only the runs it does not have."""
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ParseError(f"not valid UTF-8 at byte {exc.start}", source=name) from None
    return record_provenance(_entries(text, name), description=description, check_first=True)


def _entries(text: str, source: str) -> Iterator[Mapping[str, Any]]:
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ParseError(exc.msg, source=source, line=exc.lineno, column=exc.colno) from None
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Mapping):
                yield item


class CaptureProvenance:
    """Mixin for ctapipe tools: ``class MyTool(CaptureProvenance, Tool)``. After ctapipe
    writes its provenance log, the tool's activities are recorded by capture as well.
    ``provld_description`` may name the tool's :class:`ActivityDescription`."""

    provld_description: ActivityDescription | str | None = None

    def write_provenance(self) -> None:
        super().write_provenance()  # type: ignore[misc]
        _record_current(self.provld_description)


def _record_current(description: ActivityDescription | str | None) -> None:
    try:
        from ctapipe.core.provenance import Provenance

        record_provenance(json.loads(Provenance().as_json()), description=description)
    except Exception:
        log.exception("provld capture: recording the ctapipe provenance failed")


def install() -> None:
    """Hook every ctapipe tool of this process: after a tool writes its provenance log,
    capture records it too. Call it before the tool runs (for example from a
    ``sitecustomize`` module, for the stock ``ctapipe-*`` commands)."""
    from ctapipe.core import Tool

    if getattr(Tool.write_provenance, "_provld", False):
        return
    original = Tool.write_provenance

    def write_provenance(self: Any) -> None:
        original(self)
        _record_current(getattr(self, "provld_description", None))

    write_provenance._provld = True  # type: ignore[attr-defined]
    Tool.write_provenance = write_provenance


def activity_iri(uuid: str, base: str) -> NamedNode:
    """The IRI capture gives the ctapipe activity ``uuid`` (the value of a file's
    ``CTA ACTIVITY ID`` header)."""
    return recorder_activity_iri(iris.check_base(base), uuid)


# -- pieces of the ctapipe record ------------------------------------------------------------


def _time(moment: Any) -> datetime | None:
    stamp = moment.get("time_utc") if isinstance(moment, Mapping) else None
    if not isinstance(stamp, str):
        return None
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        log.warning("provld capture: ctapipe time %r is not ISO 8601", stamp)
        return None
    # astropy's isot has no zone; ctapipe writes UTC there
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _files(items: Any) -> Iterator[dict[str, Any]]:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            item = {"url": item}
        if isinstance(item, Mapping) and isinstance(item.get("url"), str) and item["url"]:
            role = item.get("role")
            yield {"url": item["url"], "role": None if role is None else str(role)}


def _leaves(config: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted paths and values of a traitlets configuration; quantities stay whole."""
    for key, value in config.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and set(value) != {"value", "unit"}:
            yield from _leaves(value, path + ".")
        elif isinstance(value, Mapping) and set(value) == {"value", "unit"}:
            yield path, _Quantity(value["value"], str(value["unit"]))
        else:
            yield path, value


class _Quantity:
    """A ``{"value": ..., "unit": ...}`` of ctapipe's JSON, read as capture reads an
    astropy Quantity."""

    __slots__ = ("value", "unit")

    def __init__(self, value: Any, unit: str) -> None:
        self.value = value
        self.unit = unit


def _contact(config: Mapping[str, Any]) -> list[Agent] | None:
    """The tool's ``contact_name``/``contact_email``/``contact_organization`` settings,
    as the person who ran it; None (the configured person) when there are none."""
    for values in config.values():
        if isinstance(values, Mapping) and values.get("contact_name"):
            return [
                Agent(
                    str(values["contact_name"]),
                    email=str(values["contact_email"]) if values.get("contact_email") else None,
                    affiliation=str(values["contact_organization"])
                    if values.get("contact_organization")
                    else None,
                    role="operator",
                )
            ]
    return None


def _context(system: Mapping[str, Any]) -> Record | None:
    """The machine the tool ran on, from ctapipe's ``system`` record."""
    from provld.capture import config as capture_config

    platform = system.get("platform")
    python = system.get("python")
    if not isinstance(platform, Mapping) or not isinstance(python, Mapping):
        return None
    version = python.get("version")
    facts = (
        ("host", str(platform.get("node", ""))),
        ("os", f"{platform.get('system', '')}-{platform.get('release', '')}"),
        ("machine", str(platform.get("machine", ""))),
        ("python", ".".join(version) if isinstance(version, list) else str(version or "")),
        ("pythonImplementation", str(python.get("implementation", ""))),
        ("pythonExecutable", str(system.get("executable", ""))),
    )
    base = capture_config.settings().base_uri
    node = iris.minted(base, "context", ";".join(f"{k}={v}" for k, v in facts))
    attrs: list[tuple[NamedNode, Term]] = [
        (NamedNode(PROV + "type"), Literal("context")),
        (NamedNode(VOPROV + "name"), Literal("execution context")),
        (NamedNode(PROV + "label"), Literal(f"{facts[0][1]}: {facts[1][1]}")),
    ]
    attrs.extend((NamedNode(CAPTURE + k), Literal(v)) for k, v in facts if v)
    return Record("entity", node, attrs=attrs)
