"""The three views of provenance: workflow (activities), data flow (datasets) and credits
(agents).

A view looks at a *scope*: the lineage of some resources (a :func:`provld.lineage.walk`
with every description and parameter) or one stored document. Its named query
(``sparql/view-<name>.rq``) gives one row per fact, the focus first (an activity and its
start time, the same activity and one parameter...); the rows are grouped by focus into
one line each, every other column a list of values with the role the relation gave. The
RDF answer is the part of the scope the view shows: the statements about the nodes in its
lines, between them, with the qualified relations that carry their roles.

>>> sorted(VIEWS)
['credits', 'dataflow', 'workflow']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, QuerySolutions, Triple

from provld.describe import labels_in
from provld.errors import InputError, NotFoundError
from provld.lineage import LineageOptions, walk
from provld.model import PROV
from provld.resources import named_query
from provld.store.base import Backend
from provld.vocab import RDF_TYPE, RELATIONS

Term = NamedNode | BlankNode | Literal


@dataclass(frozen=True)
class View:
    name: str
    title: str
    focus: str
    about: str
    #: Column → its heading, in the order shown (``role`` is never a column of its own).
    columns: tuple[tuple[str, str], ...]


VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View(
            "workflow",
            "Workflow",
            "activity",
            "The chain of activities: when each ran, the description it followed, what it "
            "came after, its parameters and who ran it.",
            (
                ("started", "Started"),
                ("ended", "Ended"),
                ("description", "Description"),
                ("after", "After"),
                ("parameter", "Parameters"),
                ("agent", "Agents"),
            ),
        ),
        View(
            "dataflow",
            "Data flow",
            "entity",
            "Which files became which: each dataset, its format and place, the activity that "
            "made it and those that used it, with their roles.",
            (
                ("format", "Format"),
                ("location", "Location"),
                ("description", "Description"),
                ("madeBy", "Made by"),
                ("usedBy", "Used by"),
                ("derivedFrom", "Derived from"),
            ),
        ),
        View(
            "credits",
            "Credits",
            "agent",
            "Who did what: each person, organisation and program, whom it acted for, the "
            "activities it did or ran and what is attributed to it, with roles.",
            (
                ("kind", "Kind"),
                ("affiliation", "Affiliation"),
                ("email", "Email"),
                ("onBehalfOf", "On behalf of"),
                ("did", "Did"),
                ("made", "Attributed"),
            ),
        ),
    )
}

_KIND_NAMES = {
    PROV + "Person": "person",
    PROV + "Organization": "organisation",
    PROV + "SoftwareAgent": "software",
}


@dataclass
class Cell:
    value: Term
    label: str
    role: str = ""


@dataclass
class Line:
    focus: Term
    label: str
    cells: dict[str, list[Cell]] = field(default_factory=dict)


@dataclass
class ViewResult:
    view: View
    lines: list[Line]
    #: The statements the view shows (its RDF answer).
    triples: list[Triple]
    #: What the scope was: the resources walked from, or the document.
    starts: tuple[NamedNode, ...] = ()
    graph: NamedNode | None = None
    truncated: bool = False

    def as_json(self) -> dict[str, object]:
        def value(cell: Cell) -> dict[str, str]:
            out = {"id" if isinstance(cell.value, NamedNode) else "value": cell.value.value}
            if cell.label and cell.label != cell.value.value:
                out["label"] = cell.label
            if cell.role:
                out["role"] = cell.role
            return out

        return {
            "view": self.view.name,
            "title": self.view.title,
            "from": [s.value for s in self.starts],
            "document": self.graph.value if self.graph else None,
            "truncated": self.truncated,
            "columns": [self.view.focus, *(c for c, _ in self.view.columns)],
            "lines": [
                {
                    self.view.focus: value(Cell(line.focus, line.label)),
                    **{c: [value(v) for v in vs] for c, vs in line.cells.items()},
                }
                for line in self.lines
            ],
        }


def view_of(name: str) -> View:
    try:
        return VIEWS[name]
    except KeyError:
        raise NotFoundError(f"no view {name!r}: choose {', '.join(sorted(VIEWS))}") from None


def run_view(
    store: Backend,
    name: str,
    *,
    ids: Sequence[str | NamedNode] = (),
    graph: NamedNode | None = None,
    direction: str = "BACK",
    depth: int | None = None,
    base: str,
) -> ViewResult:
    """The view ``name`` of the lineage of ``ids`` (``direction``, ``depth`` hops), or of
    the stored document ``graph``."""
    view = view_of(name)
    if graph is not None:
        quads = store.graph_quads(graph)
        statements = [Triple(q.subject, q.predicate, q.object) for q in quads]
        result = ViewResult(view, [], [], graph=graph)
    elif ids:
        options = LineageOptions(
            tuple(ids),
            direction=direction,  # type: ignore[arg-type]  # parsed by LineageOptions
            depth=depth,
            descriptions=2,
            configuration=True,
        )
        lineage = walk(store, options, base=base)
        statements = lineage.triples
        result = ViewResult(view, [], [], starts=lineage.starts, truncated=lineage.truncated)
    else:
        raise InputError("id: give the resource whose provenance to view, or a document")
    scope = pyoxigraph.Store()
    scope.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in statements)
    rows = scope.query(named_query(f"view-{name}"))
    assert isinstance(rows, QuerySolutions)
    result.lines = _lines(view, rows, labels_in(statements))
    result.triples = _shown(statements, result.lines)
    return result


def _lines(view: View, rows: QuerySolutions, labels: dict[str, str]) -> list[Line]:
    lines: dict[Term, Line] = {}
    for row in rows:
        focus = row[view.focus]
        if focus is None or isinstance(focus, Triple):
            continue
        line = lines.get(focus)
        if line is None:
            line = lines[focus] = Line(focus, "", {c: [] for c, _ in view.columns})
        role = row["role"]
        for column, _ in view.columns:
            value = row[column]
            if value is None or isinstance(value, Triple):
                continue
            cell = Cell(value, "", role.value if isinstance(role, Literal) else "")
            cells = line.cells[column]
            if not any(c.value == cell.value and c.role == cell.role for c in cells):
                cells.append(cell)
    for line in lines.values():
        line.label = _label_of(line.focus, labels)
        for cells in line.cells.values():
            for cell in cells:
                cell.label = _label_of(cell.value, labels)
            # In label order: the rows come in whatever order the store gives them.
            cells.sort(key=lambda c: (c.label.lower(), c.role))
    out = list(lines.values())
    if view.name == "workflow":  # in the order they ran
        out.sort(key=lambda ln: (_first(ln, "started"), ln.label))
    else:
        out.sort(key=lambda ln: ln.label.lower())
    return out


def _first(line: Line, column: str) -> str:
    cells = line.cells.get(column) or []
    return cells[0].value.value if cells else "~"


def _label_of(term: Term, labels: dict[str, str]) -> str:
    if isinstance(term, Literal):
        return term.value
    if term.value in _KIND_NAMES:
        return _KIND_NAMES[term.value]
    return labels.get(term.value) or term.value.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


_QUALIFIED = {r.qualified for r in RELATIONS.values() if r.qualified}


def _shown(statements: Iterable[Triple], lines: list[Line]) -> list[Triple]:
    """The statements about the view's nodes: their attributes, the relations between
    them, and the qualified relations of those (roles)."""
    nodes: set[Term] = set()
    for line in lines:
        nodes.add(line.focus)
        nodes.update(c.value for cells in line.cells.values() for c in cells)
    statements = list(statements)
    qualified = {t.object for t in statements if t.subject in nodes and t.predicate in _QUALIFIED}
    return [
        t
        for t in statements
        if t.subject in qualified
        or (
            t.subject in nodes
            and (
                t.predicate == RDF_TYPE
                or isinstance(t.object, Literal)
                or t.object in nodes
                or t.object in qualified
            )
        )
    ]
