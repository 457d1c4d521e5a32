"""Activity descriptions: what a kind of activity uses, generates and is configured by.

A description (ProvenanceDM's ActivityDescription with its UsageDescription,
GenerationDescription, ParameterDescription and ConfigFileDescription slots) is declared
once, in Python or in a file (JSON, YAML, or the VOTable job description that OPUS
writes), and every run links to it. Its IRI is derived from a hash of its content, so the
same description has the same IRI in every run, on every machine: runs of one method meet
at one node in the store, and a changed description (a new version, another slot) is a new
node rather than an edit of the old one.

>>> d = ActivityDescription("calibrate", version="1.0",
...                         usages=[UsageDescription("raw", content_type="application/fits")])
>>> d.iri("http://localhost:5000/").value == d.iri("http://localhost:5000/").value
True
>>> d.usage("raw").dataset.content_type
'application/fits'
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree
from xml.parsers import expat

from pyoxigraph import Literal, NamedNode

from provld.capture.values import literal
from provld.errors import InputError, ParseError
from provld.model import PROV, VOPROV, Record, Term
from provld.readers import read_json

_ROLE = NamedNode(PROV + "role")
_LABEL = NamedNode(PROV + "label")


def _v(local: str) -> NamedNode:
    return NamedNode(VOPROV + local)


def _tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, str | bytes | Mapping):
        return (value,)
    return tuple(value)


@dataclass(frozen=True, slots=True)
class DatasetDescription:
    """A kind of dataset a slot expects: its name and content type (a media type)."""

    name: str
    content_type: str
    description: str | None = None
    type: str | None = None
    docurl: str | None = None


@dataclass(frozen=True, slots=True)
class _Slot:
    role: str
    description: str | None = None
    type: str | None = None
    multiplicity: str | None = None
    content_type: str | None = None
    dataset: DatasetDescription | None = None

    def __post_init__(self) -> None:
        if not self.role:
            raise InputError(f"{type(self).__name__}: the role is empty")
        if self.multiplicity is not None:
            object.__setattr__(self, "multiplicity", str(self.multiplicity))
        if self.dataset is None and self.content_type:
            # The slot's content type is its expected dataset, named after the role.
            object.__setattr__(self, "dataset", DatasetDescription(self.role, self.content_type))


@dataclass(frozen=True, slots=True)
class UsageDescription(_Slot):
    """An input slot: the role of the entities used there, how many, of what kind."""


@dataclass(frozen=True, slots=True)
class GenerationDescription(_Slot):
    """An output slot: the role of the entities generated there, how many, of what kind."""


@dataclass(frozen=True, slots=True)
class ParameterDescription:
    """A parameter the activity takes: name, value type (VOTable terms: ``double``,
    ``char(*)``...), unit, UCD, limits, default, allowed options."""

    name: str
    value_type: str = "char(*)"
    unit: str | None = None
    ucd: str | None = None
    utype: str | None = None
    min: Any = None
    max: Any = None
    default: Any = None
    options: tuple[Any, ...] = ()
    description: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise InputError("ParameterDescription: the name is empty")
        object.__setattr__(self, "options", _tuple(self.options))


@dataclass(frozen=True, slots=True)
class ConfigFileDescription:
    """A configuration file the activity reads: its name and content type."""

    name: str
    content_type: str = "application/octet-stream"
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ActivityDescription:
    """A kind of activity (ProvenanceDM's ActivityDescription) and its slots."""

    name: str
    version: str | None = None
    type: str | None = None
    subtype: str | None = None
    description: str | None = None
    docurl: str | None = None
    usages: tuple[UsageDescription, ...] = ()
    generations: tuple[GenerationDescription, ...] = ()
    parameters: tuple[ParameterDescription, ...] = ()
    config_files: tuple[ConfigFileDescription, ...] = ()
    _digest: str = field(default="", repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise InputError("ActivityDescription: the name is empty")
        if self.version is not None:
            object.__setattr__(self, "version", str(self.version))
        # a bare string is a slot with only its role (or name): ["raw", "calibration"]
        kinds = {
            "usages": UsageDescription,
            "generations": GenerationDescription,
            "parameters": ParameterDescription,
            "config_files": ConfigFileDescription,
        }
        for name, cls in kinds.items():
            items = _tuple(getattr(self, name))
            items = tuple(cls(i) if isinstance(i, str) else i for i in items)  # type: ignore[operator]
            object.__setattr__(self, name, items)
        for slots, kind in ((self.usages, "usage"), (self.generations, "generation")):
            roles = [s.role for s in slots]
            if len(set(roles)) != len(roles):
                raise InputError(f"description {self.name!r}: a {kind} role is declared twice")
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise InputError(f"description {self.name!r}: a parameter is declared twice")
        content = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "_digest"}
        canonical = json.dumps(_plain(content), sort_keys=True, separators=(",", ":"))
        object.__setattr__(self, "_digest", hashlib.sha256(canonical.encode()).hexdigest())

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON of the description: its identity."""
        return self._digest

    def iri(self, base: str) -> NamedNode:
        return _description_iri(base, self._digest)

    def usage(self, role: str) -> UsageDescription | None:
        return next((u for u in self.usages if u.role == role), None)

    def generation(self, role: str) -> GenerationDescription | None:
        return next((g for g in self.generations if g.role == role), None)

    def parameter(self, name: str) -> ParameterDescription | None:
        return next((p for p in self.parameters if p.name == name), None)

    def config_file(self, name: str) -> ConfigFileDescription | None:
        """The configuration file slot named ``name``, or the only one there is."""
        found = next((c for c in self.config_files if c.name == name), None)
        if found is None and len(self.config_files) == 1:
            return self.config_files[0]
        return found

    def part_iri(self, base: str, kind: str, name: str) -> NamedNode:
        """The IRI of a slot: the description's, ``-usage-raw`` appended (one path segment,
        so that it reads as ``description:<hash>-usage-raw`` in Turtle)."""
        return NamedNode(f"{self.iri(base).value}-{kind}-{quote(name, safe='')}")

    def records(self, base: str) -> tuple[Record, ...]:
        """The PROV records of the description and its slots (built once per base)."""
        return _records(self, base)


def _plain(value: Any) -> Any:
    """A JSON-ready copy of dataclasses, tuples and values, for hashing."""
    if hasattr(value, "__dataclass_fields__"):
        return _plain(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if k != "_digest"}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def dataset_iri(base: str, dataset: DatasetDescription) -> NamedNode:
    """Dataset descriptions are named by content alone: the output slot of one method and
    the input slot of the next that expect the same kind of data share one node."""
    canonical = json.dumps(_plain(dataset), sort_keys=True, separators=(",", ":"))
    return _description_iri(base, hashlib.sha256(canonical.encode()).hexdigest())


def parameter_description_iri(base: str, desc: ParameterDescription) -> NamedNode:
    canonical = json.dumps(_plain(desc), sort_keys=True, separators=(",", ":"))
    return _description_iri(base, hashlib.sha256(canonical.encode()).hexdigest())


def _description_iri(base: str, digest: str) -> NamedNode:
    """Descriptions are named by the SHA-256 of their content (128 bits of it)."""
    return NamedNode(f"{base}id/description/{digest[:32]}")


@lru_cache(maxsize=256)
def _records(desc: ActivityDescription, base: str) -> tuple[Record, ...]:
    node = desc.iri(base)
    out: list[Record] = []
    attrs: list[tuple[NamedNode, Term]] = [(_v("name"), Literal(desc.name))]
    for key in ("version", "type", "subtype", "description", "docurl"):
        value = getattr(desc, key)
        if value is not None:
            attrs.append((_v(key), Literal(str(value))))
    out.append(Record("activityDescription", node, attrs=attrs))
    datasets: dict[str, Record] = {}
    for kind, slots in (("usage", desc.usages), ("generation", desc.generations)):
        for slot in slots:
            part = desc.part_iri(base, kind, slot.role)
            slot_attrs: list[tuple[NamedNode, Term]] = [(_ROLE, Literal(slot.role))]
            for key in ("description", "type", "multiplicity"):
                value = getattr(slot, key)
                if value is not None:
                    slot_attrs.append((_v(key), Literal(str(value))))
            out.append(Record(f"{kind}Description", part, attrs=slot_attrs))
            out.append(Record("isRelatedTo", args={"related": part, "relator": node}))
            if slot.dataset is not None:
                expected = dataset_iri(base, slot.dataset)
                if expected.value not in datasets:
                    datasets[expected.value] = _dataset_record(expected, slot.dataset)
                out.append(Record("isRelatedTo", args={"related": expected, "relator": part}))
    out.extend(datasets.values())
    for param in desc.parameters:
        part = desc.part_iri(base, "parameter", param.name)
        out.append(parameter_record(part, param))
        out.append(Record("isRelatedTo", args={"related": part, "relator": node}))
    for config in desc.config_files:
        part = desc.part_iri(base, "configfile", config.name)
        config_attrs: list[tuple[NamedNode, Term]] = [
            (_v("name"), Literal(config.name)),
            (_v("contentType"), Literal(config.content_type)),
        ]
        if config.description is not None:
            config_attrs.append((_v("description"), Literal(config.description)))
        out.append(Record("configFileDescription", part, attrs=config_attrs))
        out.append(Record("isRelatedTo", args={"related": part, "relator": node}))
    return tuple(out)


def _dataset_record(node: NamedNode, dataset: DatasetDescription) -> Record:
    attrs: list[tuple[NamedNode, Term]] = [
        (_v("name"), Literal(dataset.name)),
        (_v("contentType"), Literal(dataset.content_type)),
    ]
    for key in ("description", "type", "docurl"):
        value = getattr(dataset, key)
        if value is not None:
            attrs.append((_v(key), Literal(str(value))))
    return Record("datasetDescription", node, attrs=attrs)


def dataset_record(base: str, dataset: DatasetDescription) -> tuple[NamedNode, Record]:
    node = dataset_iri(base, dataset)
    return node, _dataset_record(node, dataset)


def parameter_record(node: NamedNode, param: ParameterDescription) -> Record:
    attrs: list[tuple[NamedNode, Term]] = [
        (_v("name"), Literal(param.name)),
        (_v("valueType"), Literal(param.value_type)),
    ]
    for key in ("unit", "ucd", "utype", "description"):
        value = getattr(param, key)
        if value is not None:
            attrs.append((_v(key), Literal(str(value))))
    for key in ("min", "max", "default"):
        value = getattr(param, key)
        if value is not None:
            attrs.append((_v(key), literal(value)))
    attrs.extend((_v("options"), literal(option)) for option in param.options)
    return Record("parameterDescription", node, attrs=attrs)


# -- reading description files ----------------------------------------------------------

_SLOT_KEYS = {"role", "description", "type", "multiplicity", "content_type", "dataset"}
_ALIASES = {
    "valueType": "value_type",
    "contentType": "content_type",
    "configFiles": "config_files",
    "config": "config_files",
    "used": "usages",
    "usage": "usages",
    "inputs": "usages",
    "generated": "generations",
    "generation": "generations",
    "outputs": "generations",
    "params": "parameters",
    "doculink": "docurl",
}


def load_descriptions(path: str | os.PathLike[str]) -> list[ActivityDescription]:
    """Every activity description in a file: JSON or YAML (one description, a list, or
    ``{"descriptions": [...]}``), or an OPUS VOTable job description (``.xml``, ``.vot``).
    """
    name = os.fspath(path)
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or exc}") from None
    suffix = Path(name).suffix.lower()
    if suffix in (".xml", ".vot", ".votable") or data.lstrip()[:1] == b"<":
        return read_votable(data, source=name)
    if suffix in (".yaml", ".yml"):
        content = _read_yaml(data, name)
    else:
        content = read_json(data, name)
    return from_content(content, source=name)


def load_description(path: str | os.PathLike[str], name: str | None = None) -> ActivityDescription:
    """The description in a file; with several, the one called ``name``."""
    found = load_descriptions(path)
    if len(found) == 1 and (name is None or found[0].name == name):
        return found[0]
    for desc in found:
        if desc.name == name:
            return desc
    names = ", ".join(d.name for d in found)
    raise InputError(f"{os.fspath(path)}: no description called {name!r} (it has: {names})")


def _read_yaml(data: bytes, source: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise InputError(
            f"{source}: reading YAML descriptions needs PyYAML (pip install pyyaml)"
        ) from None
    try:
        return yaml.safe_load(data)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        raise ParseError(str(exc.problem or exc), source=source, line=line, column=column) from None
    except yaml.YAMLError as exc:
        raise ParseError(str(exc), source=source) from None


def from_content(content: Any, source: str = "<description>") -> list[ActivityDescription]:
    """Descriptions from parsed JSON or YAML content."""
    if isinstance(content, Mapping) and "descriptions" in content:
        content = content["descriptions"]
    items = content if isinstance(content, list) else [content]
    out = []
    for index, item in enumerate(items, 1):
        where = source if len(items) == 1 else f"{source}: description {index}"
        out.append(from_mapping(item, where))
    return out


def from_mapping(item: Any, where: str = "<description>") -> ActivityDescription:
    """One :class:`ActivityDescription` from a mapping of its fields (snake_case or the
    REC's camelCase names); unknown keys are refused, so that a typo is not a silent loss."""
    item = _keys(item, where, "a description")
    known = {f.name for f in fields(ActivityDescription) if f.name != "_digest"}
    _refuse_unknown(item, known, where)
    if not item.get("name"):
        raise InputError(f"{where}: the description has no 'name'")
    args = {k: v for k, v in item.items() if k not in ("usages", "generations")}
    args["usages"] = [_slot(UsageDescription, s, f"{where}: usage") for s in _list(item, "usages")]
    args["generations"] = [
        _slot(GenerationDescription, s, f"{where}: generation") for s in _list(item, "generations")
    ]
    args["parameters"] = [_parameter(p, f"{where}: parameter") for p in _list(item, "parameters")]
    args["config_files"] = [
        _config(c, f"{where}: config file") for c in _list(item, "config_files")
    ]
    try:
        return ActivityDescription(**args)
    except TypeError as exc:
        raise InputError(f"{where}: {exc}") from None


def _keys(item: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise InputError(f"{where}: expected {what} (an object), found {type(item).__name__}")
    return {_ALIASES.get(str(k), str(k)): v for k, v in item.items()}


def _refuse_unknown(item: Mapping[str, Any], known: Iterable[str], where: str) -> None:
    unknown = sorted(set(item) - set(known))
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")


def _list(item: Mapping[str, Any], key: str) -> list[Any]:
    value = item.get(key) or []
    if isinstance(value, Mapping):
        # {"raw": {...}, "calib": {...}}: the keys are the roles or names
        name = "name" if key in ("parameters", "config_files") else "role"
        return [{name: k, **(v or {})} for k, v in value.items()]
    if not isinstance(value, list):
        raise InputError(f"'{key}' must be a list, not {type(value).__name__}")
    return value


def _slot(cls: type[_Slot], item: Any, where: str) -> _Slot:
    if isinstance(item, str):
        return cls(item)
    item = _keys(item, where, "a slot")
    _refuse_unknown(item, _SLOT_KEYS, where)
    role = item.get("role")
    if not role:
        raise InputError(f"{where}: a slot has no 'role'")
    dataset = item.get("dataset")
    if isinstance(dataset, Mapping):
        d = _keys(dataset, f"{where} {role}: dataset", "a dataset description")
        try:
            item["dataset"] = DatasetDescription(**d)
        except TypeError as exc:
            raise InputError(f"{where} {role}: dataset: {exc}") from None
    return cls(**item)


def _parameter(item: Any, where: str) -> ParameterDescription:
    if isinstance(item, str):
        return ParameterDescription(item)
    item = _keys(item, where, "a parameter description")
    _refuse_unknown(item, {f.name for f in fields(ParameterDescription)}, where)
    if not item.get("name"):
        raise InputError(f"{where}: a parameter has no 'name'")
    return ParameterDescription(**item)


def _config(item: Any, where: str) -> ConfigFileDescription:
    if isinstance(item, str):
        return ConfigFileDescription(item)
    item = _keys(item, where, "a config file description")
    _refuse_unknown(item, {f.name for f in fields(ConfigFileDescription)}, where)
    if not item.get("name"):
        raise InputError(f"{where}: a config file has no 'name'")
    return ConfigFileDescription(**item)


# -- OPUS job descriptions (VOTable) ----------------------------------------------------

_VOTABLE_NS = (
    "http://www.ivoa.net/xml/VOTable/v1.3",
    "http://www.ivoa.net/xml/VOTable/v1.2",
    "http://www.ivoa.net/xml/VOTable/v1.1",
)


def _refuse_doctype(data: bytes, source: str) -> None:
    """Refuse DOCTYPE and entity declarations before ElementTree sees the document:
    entities are the way into billion-laughs and external-file attacks, and a job
    description needs none (the same rule as the PROV-XML reader)."""
    parser = expat.ParserCreate()

    def refuse(name: str | None, *_: object) -> None:
        raise ParseError(
            f"DOCTYPE and entity declarations are refused (a job description needs none): {name!r}",
            source=source,
            line=parser.CurrentLineNumber,
            column=parser.CurrentColumnNumber + 1,
        )

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ParseError(
            expat.ErrorString(exc.code) or str(exc),
            source=source,
            line=exc.lineno,
            column=exc.offset + 1,
        ) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: ElementTree.Element) -> str | None:
    found = _children(element, "DESCRIPTION")
    if not found:
        return None
    text = " ".join((found[0].text or "").split())
    return text or None


def read_votable(data: bytes, source: str = "<votable>") -> list[ActivityDescription]:
    """Descriptions from an OPUS job description: a VOTable whose ``RESOURCE``
    (``utype="voprov:ActivityDescription"``) holds ``PARAM`` elements for the activity's
    attributes, a ``GROUP name="InputParams"`` of parameters and ``GROUP`` elements
    ``Used`` and ``Generated`` with one sub-``GROUP`` (or ``PARAM``) per slot."""
    _refuse_doctype(data, source)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        raise ParseError(reason, source=source, line=line, column=column + 1) from None
    if _local(root.tag) != "VOTABLE":
        raise ParseError(f"the root element is <{_local(root.tag)}>, not <VOTABLE>", source=source)
    resources = [r for r in root.iter() if _local(r.tag) == "RESOURCE"]
    described = [
        r for r in resources if "activitydescription" in (r.get("utype") or "").lower()
    ] or [r for r in resources if r.get("type") == "meta"]
    if not described:
        raise InputError(
            f"{source}: no RESOURCE describes an activity (utype voprov:ActivityDescription)"
        )
    return [_votable_description(r, source) for r in described]


def _param_value(element: ElementTree.Element, name: str) -> str | None:
    for param in _children(element, "PARAM"):
        if (param.get("name") or "").lower() == name:
            value = param.get("value")
            return value if value not in (None, "") else None
    return None


def _votable_description(resource: ElementTree.Element, source: str) -> ActivityDescription:
    name = resource.get("name") or resource.get("ID")
    if not name:
        raise InputError(f"{source}: the activity RESOURCE has no name")
    where = f"{source}: {name}"
    params: list[ParameterDescription] = []
    usages: list[UsageDescription] = []
    generations: list[GenerationDescription] = []
    for group in _children(resource, "GROUP"):
        kind = (group.get("name") or "").lower()
        if kind in ("inputparams", "parameters"):
            params.extend(_votable_parameter(p) for p in _children(group, "PARAM"))
        elif kind in ("used", "usages", "inputs"):
            usages.extend(_votable_slots(UsageDescription, group, where))  # type: ignore[arg-type]
        elif kind in ("generated", "generations", "outputs", "results"):
            generations.extend(_votable_slots(GenerationDescription, group, where))  # type: ignore[arg-type]
    return ActivityDescription(
        name=name,
        version=_param_value(resource, "version"),
        type=_param_value(resource, "type"),
        subtype=_param_value(resource, "subtype"),
        description=_text(resource),
        docurl=_param_value(resource, "docurl") or _param_value(resource, "doculink"),
        usages=tuple(usages),
        generations=tuple(generations),
        parameters=tuple(params),
    )


def _votable_parameter(param: ElementTree.Element) -> ParameterDescription:
    value_type = param.get("datatype") or "char"
    if param.get("arraysize"):
        value_type += f"({param.get('arraysize')})"
    if param.get("xtype"):
        value_type += f" {param.get('xtype')}"
    minimum = maximum = None
    options: list[str] = []
    for values in _children(param, "VALUES"):
        for item in _children(values, "MIN"):
            minimum = item.get("value")
        for item in _children(values, "MAX"):
            maximum = item.get("value")
        options.extend(o.get("value") or "" for o in _children(values, "OPTION"))
    default = param.get("value")
    return ParameterDescription(
        name=param.get("name") or param.get("ID") or "",
        value_type=value_type,
        unit=param.get("unit") or None,
        ucd=param.get("ucd") or None,
        utype=param.get("utype") or None,
        min=minimum,
        max=maximum,
        default=default if default not in (None, "") else None,
        options=tuple(options),
        description=_text(param),
    )


def _votable_slots(cls: type[_Slot], group: ElementTree.Element, where: str) -> list[_Slot]:
    out = []
    for slot in _children(group, "GROUP"):
        name = slot.get("name") or slot.get("ID")
        if not name:
            raise InputError(f"{where}: a GROUP in {group.get('name')} has no name")
        role = _param_value(slot, "role") or name  # OPUS leaves role empty: the group name
        out.append(
            cls(
                role=role,
                description=_text(slot),
                multiplicity=_param_value(slot, "multiplicity"),
                content_type=_param_value(slot, "content_type"),
            )
        )
    for param in _children(group, "PARAM"):
        # The older, flat form: one PARAM per slot, its content type in xtype.
        out.append(
            cls(
                role=param.get("name") or "",
                description=_text(param),
                content_type=param.get("xtype") or param.get("content_type") or None,
            )
        )
    return out


def resolve(
    spec: ActivityDescription | str | os.PathLike[str] | Mapping[str, Any] | None,
    activity: str,
    registry: Mapping[str, ActivityDescription],
) -> ActivityDescription | None:
    """What ``description=`` names: a description, a mapping of its fields, a file, or the
    name of a registered description (a name that is none of these is a description with
    that name and nothing else, as the REC allows)."""
    if spec is None or isinstance(spec, ActivityDescription):
        return spec
    if isinstance(spec, Mapping):
        return from_mapping(spec)
    text = os.fspath(spec)
    if text in registry:
        return registry[text]
    path = Path(text)
    if path.suffix.lower() in (".json", ".yaml", ".yml", ".xml", ".vot", ".votable"):
        found = load_descriptions(path)
        if len(found) == 1:
            return found[0]
        return load_description(path, activity)
    return ActivityDescription(text)


__all__ = [
    "ActivityDescription",
    "ConfigFileDescription",
    "DatasetDescription",
    "GenerationDescription",
    "ParameterDescription",
    "UsageDescription",
    "load_description",
    "load_descriptions",
    "read_votable",
]
