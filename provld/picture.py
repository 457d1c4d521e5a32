"""Provenance graph pictures in the W3C PROV style, drawn by graphviz's ``dot``.

Entities are yellow ellipses, activities blue rectangles, agents orange houses, as in
the figures of the PROV primer; IVOA descriptions (ActivityDescription...) are grey notes
and parameters small yellow boxes. Edges carry the relation's name, and the role where
the qualified relation has one. Arrows point from the later thing to the earlier, as in
PROV (an activity *used* an entity), and the oldest things are drawn at the top. In SVG
every node is a link to its page (``link`` chooses the address).

A lineage of thousands of runs would be an unreadable picture, so past ``limit`` nodes
the repeated structure is folded: activities that follow the same ActivityDescription
become one node ("120 runs of calibrate"), then every other node whose relations, roles
and description are the same as its siblings' (the 120 DL1 files those runs made) joins
them. If the folded picture is still too big, the nodes nearest to the start are kept
and a note says how many were left out.

>>> picture = from_triples([
...     Triple(NamedNode("http://ex.org/a"), RDF_TYPE, NamedNode(PROV + "Activity")),
...     Triple(NamedNode("http://ex.org/a"), NamedNode(PROV + "used"), NamedNode("http://ex.org/e")),
... ])
>>> [(n.kind, n.label) for n in picture.nodes.values()]
[('activity', 'a'), ('entity', 'e')]
>>> 'label="used"' in to_dot(picture)
True
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

from provld.errors import DrawingError
from provld.model import PROV, RDF, RDFS, VOPROV
from provld.vocab import (
    AGENT_CLASSES,
    DCTERMS,
    DESCRIPTION_CLASSES,
    ENTITY_SUBCLASSES,
    LABELS,
    RELATIONS,
)

#: Nodes drawn one by one; past it, repeated structure is folded.
LIMIT = 40
#: Nodes drawn at most, folded or not; the rest is left out with a note.
HARD_LIMIT = 150
#: Seconds ``dot`` may take.
DOT_TIMEOUT = 30

RDF_TYPE = NamedNode(RDF + "type")
#: Readable names: provld's own, and those plain RDF documents may bring.
_LABELS = (*LABELS, PROV + "label", DCTERMS + "title")

#: Node kinds, most specific first: how a node is drawn.
_AGENTS = {PROV + "Agent", *AGENT_CLASSES}
_PARAMETERS = {VOPROV + "Parameter", VOPROV + "ValueEntity"}
_ENTITIES = {PROV + "Entity", *ENTITY_SUBCLASSES}

#: graphviz attributes of each node kind (the PROV primer's colours).
NODE_STYLE: dict[str, dict[str, str]] = {
    "entity": {"shape": "ellipse", "fillcolor": "#FFFC87", "color": "#808080"},
    "parameter": {"shape": "box", "style": "filled,rounded", "fillcolor": "#FFFC87",
                  "color": "#808080", "fontsize": "9"},
    "activity": {"shape": "box", "fillcolor": "#9FB1FC", "color": "#0000FF"},
    "agent": {"shape": "house", "fillcolor": "#FED37F", "color": "#000000"},
    "description": {"shape": "note", "fillcolor": "#EEEEEE", "color": "#808080",
                    "fontsize": "9"},
    "note": {"shape": "plaintext", "style": "", "fontcolor": "#803030"},
}  # fmt: skip

#: Plain relation property → (name drawn, graphviz edge attributes).
_AGENT_EDGE = {"color": "#C8941A", "fontcolor": "#8A6510"}
_EDGE_STYLE: dict[str, dict[str, str]] = {
    "used": {"color": "#A52A2A", "fontcolor": "#A52A2A"},
    "wasGeneratedBy": {"color": "#006400", "fontcolor": "#006400"},
    "wasAssociatedWith": _AGENT_EDGE,
    "wasAttributedTo": _AGENT_EDGE,
    "actedOnBehalfOf": _AGENT_EDGE,
    "wasConfiguredBy": {"color": "#808080", "fontcolor": "#606060"},
    "isDescribedBy": {"color": "#A0A0A0", "fontcolor": "#808080", "style": "dashed"},
}
_EDGES: dict[str, str] = {
    **{r.plain.value: r.kind for r in RELATIONS.values()},
    PROV + "wasRevisionOf": "wasRevisionOf",
    PROV + "wasQuotedFrom": "wasQuotedFrom",
    PROV + "hadPrimarySource": "hadPrimarySource",
    VOPROV + "hadReference": "hadReference",
    VOPROV + "activityDescription": "isDescribedBy",
    VOPROV + "entityDescription": "isDescribedBy",
    VOPROV + "parameterDescription": "isDescribedBy",
    VOPROV + "configFileDescription": "isDescribedBy",
}
_DESCRIBED_BY = {p for p, name in _EDGES.items() if name == "isDescribedBy"}
#: Kinds of the two ends of a relation, for nodes the triples give no type to.
_ENDS: dict[str, tuple[str, str]] = {
    "used": ("activity", "entity"),
    "wasGeneratedBy": ("entity", "activity"),
    "wasInvalidatedBy": ("entity", "activity"),
    "wasInformedBy": ("activity", "activity"),
    "wasStartedBy": ("activity", "entity"),
    "wasEndedBy": ("activity", "entity"),
    "wasAssociatedWith": ("activity", "agent"),
    "wasAttributedTo": ("entity", "agent"),
    "actedOnBehalfOf": ("agent", "agent"),
    "wasConfiguredBy": ("activity", "parameter"),
    "isDescribedBy": ("entity", "description"),
}


@dataclass
class Node:
    iri: str
    kind: str
    label: str
    #: The nodes folded into this one (itself included).
    members: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    relation: str
    role: str = ""


@dataclass
class Picture:
    """What is drawn: nodes by key, edges (with how many folded into each)."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: Counter[Edge] = field(default_factory=Counter)
    #: What could not be drawn, said in a note on the picture.
    notes: list[str] = field(default_factory=list)
    #: The keys of the nodes the picture is about (drawn bold).
    starts: set[str] = field(default_factory=set)


def _key(term: object) -> str | None:
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return "_:" + term.value
    return None


def _short(iri: str) -> str:
    """The last readable segment of an IRI, for a node with no label."""
    parts = [p for p in re.split(r"[#/]", iri) if p]
    return parts[-1] if parts else iri


def _kind(types: set[str]) -> str | None:
    if types & DESCRIPTION_CLASSES:
        return "description"
    if types & _AGENTS:
        return "agent"
    if PROV + "Activity" in types:
        return "activity"
    if types & _PARAMETERS:
        return "parameter"
    if PROV + "Entity" in types or types & _ENTITIES or any(t.startswith(VOPROV) for t in types):
        return "entity"
    return None


def from_triples(statements: Iterable[Triple | Quad], starts: Sequence[NamedNode] = ()) -> Picture:
    """The nodes and relations of some PROV-O statements (a lineage, a document)."""
    types: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    plain: list[tuple[str, str, str]] = []
    qualified: dict[str, tuple[str, str]] = {}  # qualified node → (subject, relation kind)
    influencer: dict[str, str] = {}  # qualified node → object
    roles: dict[str, list[tuple[bool, str]]] = defaultdict(list)  # (is a node, key or text)
    by_qualified = {r.qualified.value: r for r in RELATIONS.values() if r.qualified}
    influencers = {r.influencer.value for r in RELATIONS.values() if r.influencer}
    influencers |= {VOPROV + "parameter", VOPROV + "configFile"}
    for t in statements:
        subj, p, obj = _key(t.subject), t.predicate.value, t.object
        if subj is None:
            continue
        if p == RDF + "type" and isinstance(obj, NamedNode):
            types[subj].add(obj.value)
        elif p in _LABELS and isinstance(obj, Literal):
            if subj not in labels or p == RDFS + "label":
                labels[subj] = obj.value
        elif p in _EDGES and (ok := _key(obj)) is not None:
            plain.append((subj, _EDGES[p], ok))
        elif p in by_qualified and (ok := _key(obj)) is not None:
            qualified[ok] = (subj, by_qualified[p].kind)
        elif p in influencers and (ok := _key(obj)) is not None:
            influencer[subj] = ok
        elif p == PROV + "hadRole" and (ok := _key(obj)) is not None:
            roles[subj].append((True, ok))
        elif p == VOPROV + "role" and isinstance(obj, Literal):
            roles[subj].append((False, obj.value))
    role_of: dict[tuple[str, str, str], str] = {}
    for q, (subject, kind) in qualified.items():
        if q in influencer and roles.get(q):
            names = ((labels.get(r) or _short(r)) if node else r for node, r in roles[q])
            role_of[(subject, kind, influencer[q])] = ", ".join(dict.fromkeys(names))

    picture = Picture(starts={s.value for s in starts})
    kinds = {k: drawn for k, ts in types.items() if (drawn := _kind(ts))}
    for s, relation, o in plain:
        ends = _ENDS.get(relation, ("entity", "entity"))
        kinds.setdefault(s, ends[0])
        kinds.setdefault(o, ends[1])
    # Role nodes and qualified nodes are drawn as edge labels, not as nodes.
    hidden = set(qualified) | {r for rs in roles.values() for node, r in rs if node}
    for key, kind in kinds.items():
        if key in hidden and key not in picture.starts:
            continue
        label = labels.get(key) or _short(key)
        picture.nodes[key] = Node(key, kind, label, [key])
    for s, relation, o in plain:
        if s in picture.nodes and o in picture.nodes:
            picture.edges[Edge(s, o, relation, role_of.get((s, relation, o), ""))] += 1
    # Descriptions of usages and generations hang off qualified nodes: alone, they say
    # nothing in a picture.
    linked = {k for e in picture.edges for k in (e.source, e.target)} | picture.starts
    for key in [k for k, n in picture.nodes.items() if n.kind == "description"]:
        if key not in linked:
            del picture.nodes[key]
    return picture


# -- folding ----------------------------------------------------------------------------


def fold(picture: Picture, limit: int = LIMIT, hard_limit: int = HARD_LIMIT) -> Picture:
    """``picture`` with repeated structure folded when it has more than ``limit`` nodes
    (see the module docstring), cut to ``hard_limit`` nodes."""
    if len(picture.nodes) <= limit:
        return picture
    group: dict[str, str] = {k: k for k in picture.nodes}
    # 1. Activities that follow the same description.
    for e in picture.edges:
        if e.relation == "isDescribedBy" and picture.nodes[e.source].kind == "activity":
            if e.source not in picture.starts:
                group[e.source] = "runs of " + e.target
    # 2. Nodes whose relations to folded groups, roles and descriptions match.
    for _ in range(3):
        sizes = Counter(group.values())
        signatures: dict[str, tuple[object, ...]] = {}
        neighbours: dict[str, set[tuple[str, str, str, str]]] = defaultdict(set)
        for e in picture.edges:
            neighbours[e.source].add(("out", e.relation, group[e.target], e.role))
            neighbours[e.target].add(("in", e.relation, group[e.source], e.role))
        for key, node in picture.nodes.items():
            if sizes[group[key]] > 1 or key in picture.starts:
                continue
            # Relations to single nodes are left out of the signature: the DL1 files of
            # 100 calibration runs each come from their own raw file.
            near = {n for n in neighbours.get(key, set()) if sizes[n[2]] > 1}
            if not near:
                continue
            signatures[key] = (node.kind, frozenset(near))
        matches: dict[tuple[object, ...], list[str]] = defaultdict(list)
        for key, signature in signatures.items():
            matches[signature].append(key)
        changed = False
        for keys in matches.values():
            if len(keys) > 1:
                for key in keys:
                    group[key] = "like " + keys[0]
                changed = True
        if not changed:
            break
    folded = _merge(picture, group)
    if len(folded.nodes) > hard_limit:
        folded = _cut(folded, hard_limit)
    return folded


def _merge(picture: Picture, group: dict[str, str]) -> Picture:
    out = Picture(notes=list(picture.notes), starts=set(picture.starts))
    members: dict[str, list[str]] = defaultdict(list)
    for key in picture.nodes:
        members[group[key]].append(key)
    for gkey, keys in members.items():
        first = picture.nodes[keys[0]]
        if len(keys) == 1:
            out.nodes[gkey] = first
            continue
        label = _group_label(picture, gkey, first, len(keys))
        out.nodes[gkey] = Node(keys[0], first.kind, label, keys)
    # A folded edge counts the relations it stands for; those between members of one
    # group are left out (a loop on a folded node would say nothing), real loops kept.
    for e, count in picture.edges.items():
        folded = Edge(group[e.source], group[e.target], e.relation, e.role)
        if folded.source != folded.target or e.source == e.target:
            out.edges[folded] += count
    return out


def _group_label(picture: Picture, gkey: str, first: Node, n: int) -> str:
    if gkey.startswith("runs of "):
        description = picture.nodes.get(gkey[len("runs of ") :])
        name = description.label if description else first.label
        return f"{n} runs of {name}"
    noun = {"activity": "activities", "agent": "agents", "parameter": "parameters"}
    return f"{n} {noun.get(first.kind, 'entities')} like\n{first.label}"


def _cut(picture: Picture, hard_limit: int) -> Picture:
    """The ``hard_limit`` nodes nearest to the start nodes (breadth first, either way)."""
    adjacent: dict[str, list[str]] = defaultdict(list)
    for e in picture.edges:
        adjacent[e.source].append(e.target)
        adjacent[e.target].append(e.source)
    # Start nodes are never folded: their key is their IRI.
    starts = [k for k in picture.nodes if k in picture.starts] or list(picture.nodes)[:1]
    seen: dict[str, None] = dict.fromkeys(starts)
    queue = deque(starts)
    while queue and len(seen) < hard_limit:
        for nxt in adjacent[queue.popleft()]:
            if nxt not in seen and len(seen) < hard_limit:
                seen[nxt] = None
                queue.append(nxt)
    for key in picture.nodes:  # parts not connected to the start
        if len(seen) >= hard_limit:
            break
        seen.setdefault(key, None)
    out = Picture(notes=list(picture.notes), starts=set(picture.starts))
    out.nodes = {k: picture.nodes[k] for k in seen}
    left = sum(len(n.members) for k, n in picture.nodes.items() if k not in seen)
    for e, count in picture.edges.items():
        if e.source in seen and e.target in seen:
            out.edges[e] = count
    out.notes.append(f"{left} more nodes not drawn; ask for a smaller depth to see them")
    return out


# -- drawing ----------------------------------------------------------------------------


def _quote(text: str) -> str:
    """A DOT double-quoted string (backslashes, quotes and line breaks escaped)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r", "").replace("\n", "\\n")
    return f'"{text}"'


def _wrap(text: str, width: int = 28, lines: int = 3) -> str:
    words, out, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "…"
    return "\n".join(part[: width * 2] for part in out)


def _attrs(attrs: dict[str, str]) -> str:
    return ", ".join(f"{k}={_quote(v)}" for k, v in attrs.items())


def to_dot(picture: Picture, link: Callable[[str], str | None] = lambda iri: iri) -> str:
    """The picture as a graphviz DOT text; ``link`` gives each node's address (or None)."""
    lines = [
        "digraph provenance {",
        '  graph [rankdir="BT", charset="utf-8", fontname="Helvetica", fontsize="10",'
        ' nodesep="0.3", ranksep="0.45"];',
        '  node [style="filled", fontname="Helvetica", fontsize="10"];',
        '  edge [fontname="Helvetica", fontsize="8", arrowsize="0.7"];',
    ]
    ids = {key: f"n{i}" for i, key in enumerate(picture.nodes)}
    for key, node in picture.nodes.items():
        attrs = {**NODE_STYLE[node.kind]}
        attrs["label"] = "\n".join(_wrap(part) for part in node.label.split("\n"))
        if len(node.members) > 1:
            attrs["peripheries"] = "2"
        if key in picture.starts:
            attrs["penwidth"] = "2.5"
        href = None if key.startswith("_:") else link(node.iri)
        if href:
            attrs.update({"URL": href, "target": "_top", "tooltip": node.iri})
        lines.append(f"  {ids[key]} [{_attrs(attrs)}];")
    for e, count in picture.edges.items():
        label = e.relation + (f"\n{e.role}" if e.role else "")
        if count > 1:
            label += f" (×{count})"
        attrs = {"label": label, **_EDGE_STYLE.get(e.relation, {})}
        lines.append(f"  {ids[e.source]} -> {ids[e.target]} [{_attrs(attrs)}];")
    for i, note in enumerate(picture.notes):
        lines.append(f"  note{i} [{_attrs({**NODE_STYLE['note'], 'label': note})}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def have_graphviz() -> bool:
    return shutil.which("dot") is not None


def render(dot: str, fmt: str) -> bytes:
    """Run graphviz's ``dot`` on a DOT text; ``fmt`` is ``svg`` or ``png``."""
    if fmt == "dot":
        return dot.encode("utf-8")
    if fmt not in ("svg", "png"):
        raise DrawingError(f"pictures are drawn as svg, png or dot, not {fmt!r}")
    program = shutil.which("dot")
    if program is None:
        raise DrawingError(
            "graphviz is not installed: pictures need its dot program "
            "(Debian: apt install graphviz)"
        )
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"],
            input=dot.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DrawingError(f"graphviz took more than {DOT_TIMEOUT} s to draw the picture") from None
    if done.returncode != 0 or not done.stdout:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DrawingError(f"graphviz could not draw the picture: {' '.join(detail[-2:])}")
    return done.stdout


def draw(
    statements: Iterable[Triple | Quad],
    fmt: str = "svg",
    *,
    starts: Sequence[NamedNode] = (),
    link: Callable[[str], str | None] = lambda iri: iri,
    limit: int = LIMIT,
    notes: Sequence[str] = (),
) -> bytes:
    """The picture of some PROV-O statements in ``fmt`` (``svg``, ``png`` or ``dot``)."""
    picture = from_triples(statements, starts)
    picture.notes.extend(notes)
    return render(to_dot(fold(picture, limit), link), fmt)
