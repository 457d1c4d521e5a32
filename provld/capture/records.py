"""What a finished activity becomes: its PROV records, and the document of a tree.

The records mirror the bundled example pipeline (``provld/demo/cta-pipeline.json``):
the activity with its times, status and identifier; its description and the
description slots each usage, generation and parameter fills; the person and the software
agent (with the description as the plan it followed); the machine as a context entity it
used; files as dataset entities with their usages, generations and derivations;
parameters and configuration files with ``wasConfiguredBy``. A step names the tool it
belongs to (``wasInformedBy``, and the tool's ``voprov:hadStep`` influence).
"""

from __future__ import annotations

import functools
import logging
import os
import shlex
import sys
import uuid as uuidlib
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pyoxigraph import Literal, NamedNode

from provld import iris
from provld.capture import config, environment, sink
from provld.capture.descriptions import (
    ActivityDescription,
    ParameterDescription,
    dataset_record,
    parameter_description_iri,
    parameter_record,
)
from provld.capture.entities import EntityRef
from provld.capture.environment import Agent
from provld.capture.values import literal, quantity, value_type
from provld.model import PROV, VOPROV, Document, Record, Term
from provld.readers.ctapipe import CAPTURE
from provld.vocab import DCTERMS, XSD_DATETIME

if TYPE_CHECKING:
    from provld.capture.recorder import Activity

log = logging.getLogger("provld.capture")

_LABEL = NamedNode(PROV + "label")
_ROLE = NamedNode(PROV + "role")
_TYPE = NamedNode(PROV + "type")
_VALUE = NamedNode(PROV + "value")
_NAME = NamedNode(VOPROV + "name")
_STATUS = NamedNode(VOPROV + "status")
_COMMENT = NamedNode(VOPROV + "comment")
_HAD_STEP = NamedNode(VOPROV + "hadStep")
_IDENTIFIER = NamedNode(DCTERMS + "identifier")
_COMMAND = NamedNode(CAPTURE + "commandLine")
_DIRECTORY = NamedNode(CAPTURE + "workingDirectory")
_EXIT_CODE = NamedNode(CAPTURE + "exitCode")


def _time(moment: datetime) -> Literal:
    return Literal(
        moment.isoformat(timespec="microseconds").replace("+00:00", "Z"), datatype=XSD_DATETIME
    )


def build(act: Activity) -> list[Record]:
    base = act.settings.base_uri
    desc = act.description
    out: list[Record] = []
    attrs: list[tuple[NamedNode, Term]] = [
        (_LABEL, Literal(act.name)),
        (_NAME, Literal(act.name)),
        (_IDENTIFIER, Literal(act.uuid)),
        (_STATUS, Literal(act.status or "unknown")),
    ]
    if act.error:
        attrs.append((_COMMENT, Literal(f"failed with {act.error}")))
    if act.exit_code is not None:
        attrs.append((_EXIT_CODE, literal(act.exit_code)))
    if act.parent is None:
        command = act.command if act.command is not None else _argv()
        if command:
            attrs.append((_COMMAND, Literal(shlex.join(command))))
        attrs.append((_DIRECTORY, Literal(_cwd())))
    assert act.ended is not None
    args: dict[str, Term] = {"startTime": _time(act.started), "endTime": _time(act.ended)}
    out.append(Record("activity", act.iri, args=args, attrs=attrs))
    plan = None
    if desc is not None:
        plan = desc.iri(base)
        out.extend(desc.records(base))
        out.append(_rel("isDescribedBy", described=act.iri, descriptor=plan))
    for agent in act._agents:
        out.append(_agent_record(agent, base))
        rel = _rel("wasAssociatedWith", activity=act.iri, agent=agent.node(base))
        if agent.role:
            rel.attrs.append((_ROLE, Literal(agent.role)))
        out.append(rel)
    software = _software_record(act._software or environment.software(act.settings), base)
    out.append(software)
    assoc = _rel("wasAssociatedWith", activity=act.iri, agent=software.id)  # type: ignore[arg-type]
    if plan is not None:
        assoc.args["plan"] = plan
    out.append(assoc)
    context = act._context or _context_record(base)
    out.append(context)
    used_context = _rel("used", activity=act.iri, entity=context.id)  # type: ignore[arg-type]
    used_context.attrs.append((_ROLE, Literal("context")))
    out.append(used_context)
    if act.parent is not None:
        out.append(_rel("wasInformedBy", informed=act.iri, informant=act.parent.iri))
        step = _rel("wasInfluencedBy", influencee=act.parent.iri, influencer=act.iri)
        step.attrs.append((_TYPE, _HAD_STEP))
        out.append(step)
    for informant in dict.fromkeys(act._informants):
        out.append(_rel("wasInformedBy", informed=act.iri, informant=informant))
    # Outputs are examined now that they are complete, all at once in the pool.
    for ref in act._outputs:
        ref.examine_later()
    usages: dict[str, EntityRef] = {}
    for ref in act._uses:
        out.extend(_io_records(act, ref, "usage", desc, base))
        if ref.path is not None:
            usages.setdefault(ref.path, ref)
        if ref.uri is not None:
            usages.setdefault(ref.uri, ref)
        if ref.product_id is not None:
            usages.setdefault(ref.product_id, ref)
    for ref in act._outputs:
        out.extend(_io_records(act, ref, "generation", desc, base))
        for source in _sources(act, ref, usages):
            out.append(
                Record(
                    "wasDerivedFrom",
                    args={
                        "generatedEntity": ref.iri,
                        "usedEntity": source.iri,
                        "activity": act.iri,
                        "generation": ref.relation,  # type: ignore[dict-item]
                        "usage": source.relation,  # type: ignore[dict-item]
                    },
                )
            )
    for ref in act._configs:
        out.append(ref.record())
        rel = _rel("wasConfiguredBy", configured=act.iri, configurator=ref.iri)
        rel.args["artefactType"] = Literal("ConfigFile")
        out.append(rel)
        name = os.path.basename(ref.path or ref.uri or "")
        slot_cf = desc.config_file(name) if desc is not None else None
        if slot_cf is not None and desc is not None:
            part = desc.part_iri(base, "configfile", slot_cf.name)
            out.append(_rel("isDescribedBy", described=ref.iri, descriptor=part))
    for name, (value, unit, ucd, text) in act._params.items():
        out.extend(_parameter_records(act, name, value, unit, ucd, text))
    return out


def _sources(act: Activity, ref: EntityRef, usages: dict[str, EntityRef]) -> list[EntityRef]:
    spec = ref.derived_from
    if spec is None or spec is False:
        return []
    if spec is True:
        return list(act._uses)
    items = [spec] if isinstance(spec, EntityRef | str | os.PathLike) else list(spec)
    found: list[EntityRef] = []
    for item in items:
        if isinstance(item, EntityRef):
            found.append(item)
            continue
        text = os.fspath(item)
        match = usages.get(text) or usages.get(os.path.abspath(text))
        if match is None:
            log.warning(
                "provld capture: %r is derived from %r, which %r did not use",
                ref.path or ref.uri,
                text,
                act.name,
            )
            continue
        found.append(match)
    return found


def _parameter_records(
    act: Activity, name: str, value: Any, unit: str | None, ucd: str | None, text: str | None
) -> list[Record]:
    base = act.settings.base_uri
    raw, quantity_unit = quantity(value)
    unit = unit or quantity_unit
    # name-based within the activity's UUID: one parameter of a name per run
    node = NamedNode(f"{base}id/parameter/{uuidlib.uuid5(uuidlib.UUID(act.uuid), name)}")
    lit = literal(raw)
    shown = lit.value if len(lit.value) <= 80 else lit.value[:77] + "..."
    attrs: list[tuple[NamedNode, Term]] = [
        (_NAME, Literal(name)),
        (_VALUE, lit),
        (_LABEL, Literal(f"{name} = {shown}" + (f" {unit}" if unit else ""))),
    ]
    out = [Record("parameter", node, attrs=attrs)]
    rel = _rel("wasConfiguredBy", configured=act.iri, configurator=node)
    rel.args["artefactType"] = Literal("Parameter")
    out.append(rel)
    desc = act.description
    declared = desc.parameter(name) if desc is not None else None
    if declared is not None and desc is not None:
        if unit and declared.unit and unit != declared.unit:
            log.warning(
                "provld capture: parameter %r given in %r, described in %r",
                name,
                unit,
                declared.unit,
            )
        out.append(
            _rel(
                "isDescribedBy",
                described=node,
                descriptor=desc.part_iri(base, "parameter", name),
            )
        )
    elif unit or ucd or text:
        # No description slot to carry them: a description of this parameter alone.
        pd = ParameterDescription(name, value_type(raw), unit=unit, ucd=ucd, description=text)
        pd_node = parameter_description_iri(base, pd)
        out.append(parameter_record(pd_node, pd))
        out.append(_rel("isDescribedBy", described=node, descriptor=pd_node))
    return out


#: Entities used and generated: the relation's kind, and its arguments (activity first or
#: entity first, as PROV orders them).
_IO = {
    "usage": ("used", ("activity", "entity")),
    "generation": ("wasGeneratedBy", ("entity", "activity")),
}


def _io_records(
    act: Activity, ref: EntityRef, kind: str, desc: ActivityDescription | None, base: str
) -> list[Record]:
    """The records of an entity used or generated (``kind``, "usage" or "generation"):
    the entity, the relation with its time and role, and the links to the slot that
    describes it where the activity's description has one."""
    relation, names = _IO[kind]
    ref.relation = iris.random_id(base, kind)
    terms = {"activity": act.iri, "entity": ref.iri}
    rel = Record(relation, ref.relation, {name: terms[name] for name in names})
    rel.args["time"] = _time(ref.time)
    if ref.role is not None:
        rel.attrs.append((_ROLE, Literal(ref.role)))
    out = [ref.record(), rel]
    if desc is None or not ref.role:
        return out
    slot = desc.usage(ref.role) if kind == "usage" else desc.generation(ref.role)
    if slot is not None:
        part = desc.part_iri(base, kind, slot.role)
        out.append(_rel("isDescribedBy", described=ref.relation, descriptor=part))
        if slot.dataset is not None:
            out.extend(_describe_entity(ref, slot.dataset, base))
    return out


def _rel(kind: str, **args: Term) -> Record:
    return Record(kind, None, dict(args))


def _describe_entity(ref: EntityRef, dataset: Any, base: str) -> list[Record]:
    node, record = dataset_record(base, dataset)
    return [record, _rel("isDescribedBy", described=ref.iri, descriptor=node)]


@functools.lru_cache(maxsize=64)
def _agent_record(agent: Agent, base: str) -> Record:
    return agent.record(base)


_software_cache: dict[tuple[Agent, str, int], Record] = {}


def _software_record(agent: Agent, base: str) -> Record:
    key = (agent, base, len(environment.packages()))
    record = _software_cache.get(key)
    if record is None:
        record = _software_cache[key] = environment.software_record(agent, base)
        if len(_software_cache) > 64:
            _software_cache.clear()
    return record


@functools.lru_cache(maxsize=16)
def _context_record(base: str) -> Record:
    return environment.context_record(base)


def _argv() -> list[str]:
    return list(sys.argv)


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return ""


def agents(spec: Any, settings: config.Settings) -> list[Agent]:
    """The agents of an activity: the configured person, unless ``agent=`` names others
    (a name, an :class:`Agent`, or several)."""
    if spec is None:
        return [_person(settings)]
    items = [spec] if isinstance(spec, str | Agent) else list(spec)
    out = []
    for item in items:
        if isinstance(item, Agent):
            out.append(item)
        else:
            out.append(Agent(str(item), role="operator"))
    return out


@functools.lru_cache(maxsize=8)
def _person(settings: config.Settings) -> Agent:
    return environment.person(settings)


def document(records: Iterable[Record], settings: config.Settings) -> Document:
    """A document of ``records``, each element once, with the communication between
    activities that the records imply (one used what another generated)."""
    doc = Document(namespaces=sink.namespaces(settings.base_uri))
    seen_objects: set[int] = set()
    seen_elements: set[tuple[str, str]] = set()
    informed: set[tuple[str, str]] = set()
    descriptions: set[str] = set()
    generated_by: dict[str, Term] = {}
    usages: list[tuple[Term, Term]] = []
    for record in records:
        if id(record) in seen_objects:
            continue
        seen_objects.add(id(record))
        kind = record.kind
        if record.id is not None and kind not in _RELATIONS:
            key = (kind, record.id.value)
            if key in seen_elements:
                continue
            seen_elements.add(key)
        elif kind == "isDescribedBy":
            # at most one description per thing (the REC's [0..1]): the first one wins,
            # when two slots expect different kinds of dataset of one entity
            described = str(record.args.get("described"))
            if described in descriptions:
                continue
            descriptions.add(described)
        elif kind == "wasInformedBy":
            pair = (str(record.args.get("informed")), str(record.args.get("informant")))
            if pair in informed:
                continue
            informed.add(pair)
        elif kind == "wasGeneratedBy":
            generated_by[str(record.args["entity"])] = record.args["activity"]
        elif kind == "used":
            usages.append((record.args["activity"], record.args["entity"]))
        doc.records.append(record)
    for activity_node, entity in usages:
        maker = generated_by.get(str(entity))
        if maker is not None and maker != activity_node:
            pair = (str(activity_node), str(maker))
            if pair not in informed:
                informed.add(pair)
                doc.records.append(_rel("wasInformedBy", informed=activity_node, informant=maker))
    return doc


_RELATIONS = {
    "used",
    "wasGeneratedBy",
    "wasInformedBy",
    "wasDerivedFrom",
    "wasAssociatedWith",
    "wasAttributedTo",
    "wasConfiguredBy",
    "isDescribedBy",
    "isRelatedTo",
    "wasInfluencedBy",
    "actedOnBehalfOf",
    "wasStartedBy",
    "wasEndedBy",
    "wasInvalidatedBy",
    "hadMember",
}


# -- the public entry points -------------------------------------------------------------
