"""Reading the provenance log that ctapipe tools write, as PROV records.

ctapipe's ``Provenance`` service writes a JSON list of activities at the end of every tool
run, and *appends* it to the log, so a log of several runs is several JSON lists in a row
(``[...][...]``) and not one JSON document. Each activity carries its name and UUID, a
status, start and stop times, the system it ran on (host, platform, Python and every
installed package), its input and output files with their roles, and the tool's
configuration as a nested dictionary of traitlets values.

The mapping to ProvDM, where ``capture:`` is :data:`CAPTURE`:

=====================================  ==================================================
ctapipe                                PROV / ProvenanceDM
=====================================  ==================================================
activity                               ``activity`` ``urn:uuid:<activity_uuid>`` (the UUID
                                       ctapipe writes into file headers); ``prov:label``
                                       and ``voprov:name`` = activity_name,
                                       ``voprov:status``
``start/stop.time_utc``                startTime / endTime (UTC, so ``Z`` is appended)
``system.ctapipe_version``             one ``agent`` per ctapipe version (prov:SoftwareAgent),
                                       ``wasAssociatedWith`` with ``prov:role "software"``
the rest of ``system``                 one ``entity`` of ``prov:type "context"`` per distinct
                                       environment, ``used`` with ``prov:role "context"``;
                                       a ``capture:package "name==version"`` per package
``system.arguments``,                  kept on the activity: they change with every run
``system.start_time_utc``
``input`` / ``output``                 an ``entity`` per file (``voprov:location``,
                                       ``prov:label``), ``used`` / ``wasGeneratedBy`` with
                                       the role ctapipe gives
``config``                             a ``parameter`` per leaf value, ``wasConfiguredBy``
                                       ``"Parameter"``; files in ``*.config_files`` also
                                       become ``configFile`` with ``"ConfigFile"``
anything else                          ``capture:<dotted path>`` attributes, never dropped
=====================================  ==================================================

No derivation is invented: ctapipe does not say which output came from which input.

Identifiers are stable, so that reading a log twice, or the logs of two runs in one
environment, gives the same IRIs: the software agent is ``uuid5(CAPTURE_UUIDS,
"ctapipe==<version>")``, the context the ``uuid5`` of its canonical JSON, a parameter
``uuid5(<activity_uuid>, <dotted path>)``, and files are named by :func:`file_iri`. What
ctapipe writes as ``null`` (unset environment variables, missing reference metadata) is
left out, except in the configuration, where ``null`` is a setting of its own.

>>> doc = read_ctapipe('[{"activity_name": "ctapipe-process",'
...                    ' "activity_uuid": "402077a2-0b3e-4bd9-aead-eb9724ffd58f",'
...                    ' "start": {"time_utc": "2026-01-02T03:04:05.678"}}]')
>>> act = doc.records[0]
>>> act.kind, act.id.value, act.args["startTime"].value
('activity', 'urn:uuid:402077a2-0b3e-4bd9-aead-eb9724ffd58f', '2026-01-02T03:04:05.678Z')
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Generator, Iterator
from typing import Any
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode

from provld.errors import ParseError
from provld.model import PROV, VOPROV, XSD, Document, Record, Term, rewrite_namespace

#: Attributes of the ctapipe log that neither PROV nor ProvenanceDM has a term for.
CAPTURE = "https://provld.org/ns/capture#"
#: Namespace of the name-based UUIDs this reader mints (software agent, context).
CAPTURE_UUIDS = uuid.uuid5(uuid.NAMESPACE_URL, CAPTURE)

_P_LABEL = NamedNode(PROV + "label")
_P_TYPE = NamedNode(PROV + "type")
_P_ROLE = NamedNode(PROV + "role")
_P_VALUE = NamedNode(PROV + "value")
_V_NAME = NamedNode(VOPROV + "name")
_V_VERSION = NamedNode(VOPROV + "version")
_V_STATUS = NamedNode(VOPROV + "status")
_V_COMMENT = NamedNode(VOPROV + "comment")
_V_LOCATION = NamedNode(VOPROV + "location")
_C_PACKAGE = NamedNode(CAPTURE + "package")
_SOFTWARE_AGENT = NamedNode(PROV + "SoftwareAgent")
_XSD_STRING = NamedNode(XSD + "string")
_XSD_DATETIME = NamedNode(XSD + "dateTime")

# Keys of ``system`` that change with every run: kept on the activity so that identical
# environments share one context entity.
_PER_RUN_SYSTEM_KEYS = ("arguments", "start_time_utc")
_KNOWN_ACTIVITY_KEYS = {
    "activity_name",
    "activity_uuid",
    "status",
    "comment",
    "start",
    "stop",
    "system",
    "input",
    "output",
    "config",
}
_TIME = re.compile(r"^\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+:")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_LONG = 2**63


def read_ctapipe(data: bytes | str, source: str | None = None) -> Document:
    """Parse a ctapipe provenance log: one or more JSON lists of activities in a row.

    A single activity object at the top level is accepted too. Raises
    :class:`~provld.errors.ParseError` with the line and column of malformed JSON, or the
    position of the activity that lacks its name or UUID.
    """
    text = _decode(data, source)
    builder = _Builder(source)
    for where, activity in _activities(text, source):
        builder.activity(activity, where)
    return builder.doc


def _decode(data: bytes | str, source: str | None) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ParseError(
            f"not valid UTF-8 (byte {exc.start})", source=source, line=line, column=column
        ) from None


_Position = tuple[str, int, int]  # what ("list 2, item 1"), line, column


def _activities(text: str, source: str | None) -> Iterator[tuple[_Position, Any]]:
    """Each top-level activity with where it starts; lists are walked item by item."""
    decoder = json.JSONDecoder()
    pos, count = _skip_space(text, 0), 0

    def fail(exc: json.JSONDecodeError) -> ParseError:
        return ParseError(exc.msg, source=source, line=exc.lineno, column=exc.colno)

    while pos < len(text):
        count += 1
        line, column = _line_column(text, pos)
        try:
            if text[pos] != "[":
                value, pos = decoder.raw_decode(text, pos)
                if not isinstance(value, dict):
                    raise ParseError(
                        f"JSON value {count} is {_kind(value)}, not a list of ctapipe activities",
                        source=source,
                        line=line,
                        column=column,
                    )
                yield (f"JSON value {count}", line, column), value
            else:
                pos = yield from _list_items(text, pos, decoder, count)
        except json.JSONDecodeError as exc:
            raise fail(exc) from None
        except RecursionError:
            raise ParseError("JSON nested too deeply", source=source, line=line) from None
        pos = _skip_space(text, pos)
    if count == 0:
        raise ParseError("empty log: no JSON list of activities", source=source)


def _list_items(
    text: str, pos: int, decoder: json.JSONDecoder, count: int
) -> Generator[tuple[_Position, Any], None, int]:
    """The items of the JSON list at ``pos`` with their positions; returns the end."""
    pos = _skip_space(text, pos + 1)
    if text.startswith("]", pos):
        return pos + 1
    index = 0
    while True:
        index += 1
        line, column = _line_column(text, pos)
        item, pos = decoder.raw_decode(text, pos)
        yield (f"list {count}, item {index}", line, column), item
        pos = _skip_space(text, pos)
        if text.startswith("]", pos):
            return pos + 1
        if not text.startswith(",", pos):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
        pos = _skip_space(text, pos + 1)
        if text.startswith("]", pos):
            raise json.JSONDecodeError("Expecting value", text, pos)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _line_column(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _kind(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return names.get(type(value), type(value).__name__)


class _Builder:
    """Collects the records of one log, sharing agents, contexts and file entities."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.doc = Document(
            namespaces={"prov": PROV, "voprov": VOPROV, "xsd": XSD, "capture": CAPTURE}
        )
        self.seen: set[str] = set()
        self.entities: dict[str, Record] = {}
        self.line: int | None = None
        self.column: int | None = None

    def fail(self, where: str, message: str) -> ParseError:
        # Errors inside an activity point at the start of its JSON object.
        return ParseError(
            f"{where}: {message}", source=self.source, line=self.line, column=self.column
        )

    def activity(self, act: Any, position: _Position) -> None:
        where, self.line, self.column = position
        if not isinstance(act, dict):
            raise self.fail(where, f"expected an activity object, found {_kind(act)}")
        name = act.get("activity_name")
        raw_uuid = act.get("activity_uuid")
        if not isinstance(raw_uuid, str) or not raw_uuid:
            raise self.fail(where, "activity has no 'activity_uuid'")
        if not isinstance(name, str) or not name:
            raise self.fail(where, f"activity {raw_uuid} has no 'activity_name'")
        try:
            act_uuid = uuid.UUID(raw_uuid)
        except ValueError:
            raise self.fail(where, f"activity_uuid {raw_uuid!r} is not a UUID") from None
        where = f"{where} ({name})"
        node = NamedNode(act_uuid.urn)
        rec = Record("activity", node)
        rec.attrs += [(_P_LABEL, Literal(name)), (_V_NAME, Literal(name))]
        if act.get("status") is not None:
            rec.attrs.append((_V_STATUS, Literal(str(act["status"]))))
        if act.get("comment") is not None:
            rec.attrs.append((_V_COMMENT, Literal(str(act["comment"]))))
        for key, arg in (("start", "startTime"), ("stop", "endTime")):
            moment = act.get(key)
            if isinstance(moment, dict):
                extra = dict(moment)
                stamp = extra.pop("time_utc", None)
                if stamp is not None:
                    rec.args[arg] = self.time(stamp, f"{where} {key}.time_utc")
                if extra:
                    self.keep(rec, extra, key)
            elif moment is not None:
                self.keep(rec, moment, key)
        self.doc.add(rec)

        system = act.get("system")
        if isinstance(system, dict):
            self.software(node, system)
            shared = {k: v for k, v in system.items() if k not in _PER_RUN_SYSTEM_KEYS}
            per_run = {k: system[k] for k in _PER_RUN_SYSTEM_KEYS if k in system}
            if per_run:
                self.keep(rec, per_run, "system")
            if shared:
                self.context(node, shared)
        elif system is not None:
            self.keep(rec, system, "system")

        for key, kind in (("input", "used"), ("output", "wasGeneratedBy")):
            files = act.get(key) or []
            if not isinstance(files, list):
                raise self.fail(where, f"'{key}' must be a list of files, not {_kind(files)}")
            for index, item in enumerate(files, 1):
                self.file(node, kind, item, f"{where} {key} {index}")

        config = act.get("config")
        if isinstance(config, dict):
            self.configuration(node, act_uuid, config)
        elif config is not None:
            self.keep(rec, config, "config")

        for key, value in act.items():
            if key not in _KNOWN_ACTIVITY_KEYS:
                self.keep(rec, value, key)

    def software(self, activity: NamedNode, system: dict[str, Any]) -> None:
        version = system.get("ctapipe_version")
        name = "ctapipe" if version is None else f"ctapipe=={version}"
        agent = NamedNode(uuid.uuid5(CAPTURE_UUIDS, name).urn)
        if agent.value not in self.seen:
            self.seen.add(agent.value)
            attrs: list[tuple[NamedNode, Term]] = [
                (_P_TYPE, _SOFTWARE_AGENT),
                (_V_NAME, Literal("ctapipe")),
                (_P_LABEL, Literal(f"ctapipe {version}" if version is not None else "ctapipe")),
            ]
            if version is not None:
                attrs.append((_V_VERSION, Literal(str(version))))
            self.doc.add(Record("agent", agent, attrs=attrs))
        self.relation("wasAssociatedWith", "software", activity=activity, agent=agent)

    def context(self, activity: NamedNode, system: dict[str, Any]) -> None:
        canonical = json.dumps(system, sort_keys=True, separators=(",", ":"), default=str)
        entity = NamedNode(uuid.uuid5(CAPTURE_UUIDS, "context:" + canonical).urn)
        if entity.value not in self.seen:
            self.seen.add(entity.value)
            rec = Record(
                "entity",
                entity,
                attrs=[(_P_TYPE, Literal("context")), (_V_NAME, Literal("execution context"))],
            )
            rest = dict(system)
            python = rest.get("python")
            if isinstance(python, dict) and _is_package_list(python.get("packages")):
                python = dict(python)
                packages = python.pop("packages")
                rest["python"] = python
            else:
                packages = []
            self.keep(rec, rest, "")
            for package in packages:
                rec.attrs.append((_C_PACKAGE, Literal(f"{package['name']}=={package['version']}")))
            self.doc.add(rec)
        self.relation("used", "context", activity=activity, entity=entity)

    def file(self, activity: NamedNode, kind: str, item: Any, where: str) -> None:
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, dict):
            raise self.fail(where, f"a file entry is an object with a 'url', not {_kind(item)}")
        url = item.get("url")
        if not isinstance(url, str) or not url:
            raise self.fail(where, "file entry has no 'url'")
        entity = self.file_entity(url, where)
        rec = self.entities[entity.value]
        role = None if item.get("role") is None else str(item["role"])
        relation = self.relation(kind, role, activity=activity, entity=entity)
        for key in ("time", "time_utc"):
            if item.get(key) is not None:
                relation.args["time"] = self.time(item[key], f"{where} {key}")
        extra = {k: v for k, v in item.items() if k not in {"url", "role", "time", "time_utc"}}
        before = list(rec.attrs)
        self.keep(rec, extra, "")
        # A file read by one run and written by another is one entity: keep its attributes once.
        rec.attrs = before + [pair for pair in rec.attrs[len(before) :] if pair not in before]

    def file_entity(self, url: str, where: str) -> NamedNode:
        iri = file_iri(url)
        try:
            entity = NamedNode(iri)
        except ValueError:
            raise self.fail(where, f"{url!r} cannot be made an IRI") from None
        if iri not in self.entities:
            rec = Record(
                "entity",
                entity,
                attrs=[(_V_LOCATION, Literal(url)), (_P_LABEL, Literal(_basename(url)))],
            )
            self.entities[iri] = rec
            self.doc.add(rec)
        return entity

    def configuration(
        self, activity: NamedNode, act_uuid: uuid.UUID, config: dict[str, Any]
    ) -> None:
        for path, value in _leaves(config):
            param = NamedNode(uuid.uuid5(act_uuid, path).urn)
            rec = Record("parameter", param, attrs=[(_V_NAME, Literal(path))])
            if _is_quantity(value):
                rec.attrs.append((_P_VALUE, typed(value["value"])))
                rec.attrs.append((NamedNode(CAPTURE + "unit"), Literal(str(value["unit"]))))
            else:
                rec.attrs.append((_P_VALUE, typed(value)))
            self.doc.add(rec)
            self.configured(activity, param, "Parameter")
            if path.rsplit(".", 1)[-1] == "config_files" and isinstance(value, list):
                for index, name in enumerate(value, 1):
                    if not isinstance(name, str) or not name:
                        continue
                    entity = self.file_entity(name, f"config {path} {index}")
                    if "configFile " + entity.value not in self.seen:
                        self.seen.add("configFile " + entity.value)
                        attrs: list[tuple[NamedNode, Term]] = [(_V_NAME, Literal(_basename(name)))]
                        self.doc.add(Record("configFile", entity, attrs=attrs))
                    self.configured(activity, entity, "ConfigFile")

    def configured(self, activity: NamedNode, artefact: NamedNode, kind: str) -> None:
        args: dict[str, Term] = {"configured": activity, "configurator": artefact}
        args["artefactType"] = Literal(kind)
        self.doc.add(Record("wasConfiguredBy", args=args))

    def relation(self, kind: str, role: str | None, **args: Term) -> Record:
        """Add a relation without identifier, with its ``prov:role`` if there is one."""
        rec = Record(kind, args=args)
        if role is not None:
            rec.attrs.append((_P_ROLE, Literal(role)))
        self.doc.add(rec)
        return rec

    def keep(self, rec: Record, value: Any, path: str) -> None:
        """Keep what PROV has no term for as ``capture:<path>`` attributes of ``rec``."""
        if isinstance(value, dict) and value and not _is_quantity(value):
            for key, inner in value.items():
                self.keep(rec, inner, f"{path}.{key}" if path else str(key))
            return
        if value is None or not path:
            return  # ctapipe writes null for what was not set (unset environment variables)
        attr = NamedNode(CAPTURE + quote(path, safe="._-~"))
        key = path.rsplit(".", 1)[-1]
        if isinstance(value, str) and "time" in key and _TIME.match(value):
            rec.attrs.append((attr, _datetime(value)))
        else:
            rec.attrs.append((attr, typed(value)))

    def time(self, value: Any, where: str) -> Literal:
        if not isinstance(value, str) or not _TIME.match(value.strip()):
            raise self.fail(where, f"{value!r} is not an ISO time")
        return _datetime(value.strip())


def _datetime(text: str) -> Literal:
    # astropy's isot has no zone; ctapipe writes UTC there.
    if not re.search(r"(Z|[+-]\d\d:\d\d)$", text):
        text += "Z"
    return Literal(text, datatype=_XSD_DATETIME)


def typed(value: Any) -> Literal:
    """A JSON value as a typed literal: lists, objects and null as their JSON text.

    >>> typed(True).datatype.value.rsplit("#")[1], typed(3).value, typed(2.5).value
    ('boolean', '3', '2.5')
    >>> typed(["a", 1]).value, typed(None).value
    ('["a", 1]', 'null')
    """
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        dtype = "long" if -_LONG <= value < _LONG else "integer"
        return Literal(str(value), datatype=NamedNode(XSD + dtype))
    if isinstance(value, float):
        if math.isnan(value):
            text = "NaN"
        elif math.isinf(value):
            text = "INF" if value > 0 else "-INF"
        else:
            text = repr(value)
        return Literal(text, datatype=NamedNode(XSD + "double"))
    if isinstance(value, str):
        return Literal(value, datatype=_XSD_STRING)
    return Literal(json.dumps(value, ensure_ascii=False), datatype=_XSD_STRING)


def file_iri(url: str) -> str:
    """The IRI of a file ctapipe names by URL or path.

    A URL with a scheme is kept; a path becomes a ``file:`` IRI, percent-encoding the
    characters an IRI cannot hold. Relative paths stay relative to an unknown directory,
    so they become ``file:`` IRIs without an authority rather than a guessed absolute path.

    >>> file_iri("/data/run 42/dl1.h5"), file_iri("https://ex.org/a.fits")
    ('file:///data/run%2042/dl1.h5', 'https://ex.org/a.fits')
    >>> file_iri("dl1.h5"), file_iri("C:\\\\data\\\\x.h5")
    ('file:dl1.h5', 'file:///C:/data/x.h5')
    """
    if _DRIVE.match(url):
        return "file:///" + quote(url.replace("\\", "/"), safe="/:~")
    if _SCHEME.match(url):
        return rewrite_namespace(url)
    if url.startswith("/"):
        return "file://" + quote(url, safe="/~")
    return "file:" + quote(url, safe="/~")


def _basename(url: str) -> str:
    return url.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1] or url


def _leaves(config: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted paths and leaf values of a traitlets configuration (``Tool.Component.trait``)."""
    for key, value in config.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and not _is_quantity(value):
            yield from _leaves(value, path + ".")
        else:
            yield path, value


def _is_quantity(value: Any) -> bool:
    # ctapipe's json_config_handler writes astropy quantities as {"value": ..., "unit": ...}.
    return isinstance(value, dict) and set(value) == {"value", "unit"}


def _is_package_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, dict) and set(p) == {"name", "version"} for p in value
    )
