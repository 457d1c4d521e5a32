"""A SHACL validation report, and its three renderings: text for people, Turtle (the
``sh:ValidationReport`` graph) and JSON for programs.

A report *conforms* when it has no result of severity Violation: warnings and infos are
reported but do not block a release (the Turtle report says the same with
``sh:conforms``, as pyshacl's ``allow_warnings`` does).

The text groups results by shape and message, and names each focus node with a label a
person recognises (its ``rdfs:label`` or ``voprov:name``, or the relation it qualifies for
a blank node), so that a pipeline developer sees what to fix without reading RDF:

>>> from pyoxigraph import NamedNode, Literal
>>> r = Result("Violation", NamedNode("http://ex.org/agent/1"), "voprov:name", None,
...            "An agent must have exactly one name (voprov:name), a string.",
...            NamedNode("https://w3id.org/provld/shapes#AgentName"), "agent name",
...            NamedNode("http://www.w3.org/ns/shacl#MinCountConstraintComponent"))
>>> report = Report([r], document="run.json", profile="release")
>>> print(report.text(), end="")
run.json: does not conform to the release profile: 1 violation, 0 warnings, 0 infos
<BLANKLINE>
VIOLATION agent name (shp:AgentName), 1 node
  An agent must have exactly one name (voprov:name), a string.
  - <http://ex.org/agent/1>
      path: voprov:name
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize
from pyoxigraph import RdfFormat as _Rdf

SH = "http://www.w3.org/ns/shacl#"
SEVERITIES = ("Violation", "Warning", "Info")
#: Prefixes used to shorten IRIs in the text report and in Turtle.
PREFIXES = {
    "sh": SH,
    "prov": "http://www.w3.org/ns/prov#",
    "voprov": "http://www.ivoa.net/documents/ProvenanceDM/index.html#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "shp": "https://w3id.org/provld/shapes#",
}
#: Focus nodes listed under one group of the text report before "... and N more".
TEXT_LIMIT = 10

Term = NamedNode | BlankNode | Literal


@dataclass(frozen=True, slots=True)
class Result:
    """One SHACL validation result.

    ``shape`` is the named shape the result belongs to (the node shape that holds a
    nested property shape); ``source_shape`` is SHACL's ``sh:sourceShape`` when they
    differ. ``path`` is the property path in SPARQL syntax, with known prefixes.
    """

    severity: str
    focus: Term
    path: str | None
    value: Term | None
    message: str
    shape: NamedNode | BlankNode
    shape_name: str
    component: NamedNode
    source_shape: NamedNode | BlankNode | None = None
    path_node: NamedNode | None = None

    def key(self) -> tuple[str, ...]:
        """What identifies the result across engines (blank shape ids excepted)."""
        return (
            self.severity,
            str(self.focus),
            self.path or "",
            str(self.value) if self.value is not None else "",
            str(self.shape),
            self.component.value,
        )


@dataclass
class Report:
    """The outcome of validating one document against one profile."""

    results: list[Result]
    document: str | None = None
    profile: str = "release"
    engine: str = "provld"
    shapes: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0
    labels: dict[Term, str] = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        """True when no result is a violation (warnings and infos do not block)."""
        return not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def summary(self) -> str:
        v, w, i = (self.count(s) for s in SEVERITIES)
        verdict = "conforms to" if self.conforms else "does not conform to"
        return (
            f"{self.document or 'document'}: {verdict} the {self.profile} profile: "
            f"{v} violation{'s' * (v != 1)}, {w} warning{'s' * (w != 1)}, "
            f"{i} info{'s' * (i != 1)}"
        )

    # -- text ------------------------------------------------------------------------

    def text(self, limit: int = TEXT_LIMIT) -> str:
        lines = [self.summary()]
        groups: dict[tuple[int, str, str, str], list[Result]] = {}
        for r in self.results:
            order = SEVERITIES.index(r.severity) if r.severity in SEVERITIES else 3
            shape = r.shape.value if isinstance(r.shape, NamedNode) else str(r.shape)
            groups.setdefault((order, shape, r.shape_name, r.message), []).append(r)
        for (_, shape, name, message), results in sorted(groups.items()):
            nodes = len({str(r.focus) for r in results})
            head = results[0].severity.upper()
            lines += ["", f"{head} {name} ({_short(shape)}), {nodes} node{'s' * (nodes != 1)}"]
            lines.append(f"  {message}")
            for r in results[:limit]:
                lines.append(f"  - {self._named(r.focus)}")
                if r.path:
                    lines.append(f"      path: {r.path}")
                if r.value is not None:
                    lines.append(f"      value: {self._named(r.value)}")
            if len(results) > limit:
                lines.append(f"  ... and {len(results) - limit} more")
        return "\n".join(lines) + "\n"

    def _named(self, term: Term) -> str:
        label = self.labels.get(term)
        if label and isinstance(term, BlankNode):
            return label  # a blank node's own id means nothing to a reader
        shown = _show(term)
        return f"{label} {shown}" if label and label != shown else shown

    # -- Turtle ----------------------------------------------------------------------

    def triples_of(self) -> Iterable[Triple]:
        """The ``sh:ValidationReport`` graph."""
        report = BlankNode()
        sh = _SH
        yield Triple(report, _RDF_TYPE, sh("ValidationReport"))
        yield Triple(
            report,
            sh("conforms"),
            Literal("true" if self.conforms else "false", datatype=_XSD_BOOLEAN),
        )
        for r in self.results:
            node = BlankNode()
            yield Triple(report, sh("result"), node)
            yield Triple(node, _RDF_TYPE, sh("ValidationResult"))
            yield Triple(node, sh("resultSeverity"), sh(r.severity))
            yield Triple(node, sh("focusNode"), r.focus)
            if r.path_node is not None:
                yield Triple(node, sh("resultPath"), r.path_node)
            if r.value is not None:
                yield Triple(node, sh("value"), r.value)
            yield Triple(node, sh("resultMessage"), Literal(r.message))
            yield Triple(node, sh("sourceShape"), r.source_shape or r.shape)
            yield Triple(node, sh("sourceConstraintComponent"), r.component)

    def turtle(self) -> bytes:
        out = serialize(self.triples_of(), format=_Rdf.TURTLE, prefixes=PREFIXES)
        return out or b""

    # -- JSON ------------------------------------------------------------------------

    def as_dict(self) -> dict[str, object]:
        return {
            "document": self.document,
            "profile": self.profile,
            "engine": self.engine,
            "shapes": self.shapes,
            "conforms": self.conforms,
            "triples": self.triples,
            "counts": {s.lower(): self.count(s) for s in SEVERITIES},
            "results": [
                {
                    "severity": r.severity,
                    "focusNode": _json_term(r.focus),
                    "focusLabel": self.labels.get(r.focus),
                    "path": r.path,
                    "value": _json_term(r.value) if r.value is not None else None,
                    "message": r.message,
                    "shape": r.shape.value if isinstance(r.shape, NamedNode) else str(r.shape),
                    "shapeName": r.shape_name,
                    "component": r.component.value,
                }
                for r in self.results
            ],
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)

    def render(self, fmt: str) -> bytes:
        """``text``, ``turtle`` or ``json``."""
        if fmt == "turtle":
            return self.turtle()
        if fmt == "json":
            return (self.json() + "\n").encode()
        return self.text().encode()


_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD_BOOLEAN = NamedNode("http://www.w3.org/2001/XMLSchema#boolean")


def _SH(local: str) -> NamedNode:  # noqa: N802 - reads like the prefix it stands for
    return NamedNode(SH + local)


def _short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _show(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<{term.value}>"
    if isinstance(term, Literal):
        return json.dumps(term.value, ensure_ascii=False)
    return str(term)


def _json_term(term: Term) -> object:
    if isinstance(term, Literal):
        out: dict[str, str] = {"value": term.value, "datatype": term.datatype.value}
        if term.language:
            out["language"] = term.language
        return out
    return term.value if isinstance(term, NamedNode) else str(term)


def short(iri: str) -> str:
    """``iri`` with a known prefix (``voprov:name``), else as it is."""
    return _short(iri)
