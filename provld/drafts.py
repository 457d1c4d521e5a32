"""Bringing documents of the ProvenanceDM drafts (2017/18) to the 1.0 REC.

Namespaces are rewritten where IRIs are made (:func:`provld.model.rewrite_namespace`) and
draft attribute names where they are mapped (:data:`provld.vocab.ATTRIBUTE_RENAMES`);
this module handles the draft record kinds:

- ``activityFlow`` (an activity made of steps) becomes an ``activity`` typed
  ``voprov:ActivityFlow``, and ``hadStep`` a ``wasInfluencedBy`` from the flow to its step
  typed ``voprov:hadStep``, as the drafts' own W3C conversion does;
- ``parameter`` records that name their activity (``voprov:activity``) and description
  (``voprov:description``) as attributes get ``wasConfiguredBy`` and ``isDescribedBy``
  records, as the REC models them.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from provld.model import PROV, VOPROV, Document, Record

#: Draft record keys → the REC kinds.
KIND_RENAMES = {
    "usedDescription": "usageDescription",
    "UsedDescription": "usageDescription",
    "wasGeneratedByDescription": "generationDescription",
    "WasGeneratedByDescription": "generationDescription",
}
_PROV_TYPE = NamedNode(PROV + "type")
_FLOW = NamedNode(VOPROV + "ActivityFlow")
_HAD_STEP = NamedNode(VOPROV + "hadStep")
_ACTIVITY = VOPROV + "activity"
_DESCRIPTION = VOPROV + "description"


#: Record kinds that :func:`upgrade_drafts` may rewrite or add records for.
DRAFT_TOUCHED = frozenset({"activityFlow", "hadStep", "parameter"})


def upgrade_drafts(doc: Document, ids: set[object] | None = None) -> None:
    """Rewrite the draft record kinds of ``doc`` (and its bundles) in place; ``ids`` are
    the identifiers of every record of the document, when ``doc`` holds only some."""
    extra: list[Record] = []
    if ids is None:
        ids = {r.id for r in doc.all_records() if r.id is not None}
    for record in doc.records:
        if record.kind == "activityFlow":
            record.kind = "activity"
            record.attrs.append((_PROV_TYPE, _FLOW))
        elif record.kind == "hadStep":
            flow, step = record.args.pop("activityFlow", None), record.args.pop("activity", None)
            record.kind = "wasInfluencedBy"
            record.args = {}
            if flow is not None:
                record.args["influencee"] = flow
            if step is not None:
                record.args["influencer"] = step
            record.attrs.append((_PROV_TYPE, _HAD_STEP))
        elif record.kind == "parameter" and record.id is not None:
            kept = []
            for attr, value in record.attrs:
                target = _reference(doc, value)
                if attr.value == _ACTIVITY and target is not None:
                    extra.append(
                        Record(
                            "wasConfiguredBy",
                            None,
                            {
                                "configured": target,
                                "configurator": record.id,
                                "artefactType": Literal("Parameter"),
                            },
                        )
                    )
                elif attr.value == _DESCRIPTION and target is not None and target in ids:
                    extra.append(
                        Record(
                            "isDescribedBy", None, {"described": record.id, "descriptor": target}
                        )
                    )
                else:
                    kept.append((attr, value))
            record.attrs = kept
    doc.records.extend(extra)
    for bundle in doc.bundles.values():
        upgrade_drafts(bundle)


def _reference(doc: Document, value: object) -> NamedNode | None:
    """The IRI a draft attribute names with a prefixed string, if its prefix is declared."""
    if isinstance(value, NamedNode):
        return value
    if not isinstance(value, Literal):
        return None
    prefix, sep, local = value.value.partition(":")
    ns = doc.namespaces.get(prefix)
    if not sep or ns is None:
        return None
    try:
        return NamedNode(ns + local)
    except ValueError:
        return None
