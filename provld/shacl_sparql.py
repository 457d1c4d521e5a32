"""provld's SHACL engine: shapes compiled to set-based SPARQL queries on the store.

pyshacl, the reference engine, checks one focus node at a time: a SHACL-SPARQL
constraint runs once per focus node, which takes hours on a document of a million
triples. Here each constraint becomes one SELECT over the whole document that returns
every violating focus node (and value) at once, run by Oxigraph's query engine on the
document's graph where it is stored, or on a temporary in-memory store.

The compiler covers the part of SHACL Core and SHACL-SPARQL that provld's shapes use,
with SHACL's semantics (``tests/test_validate.py`` checks that it reports exactly what
pyshacl reports on the test corpus):

- targets: ``sh:targetClass`` (with ``rdfs:subClassOf*`` in the data), ``sh:targetNode``,
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``;
- paths: predicates, ``sh:inversePath``, ``sh:alternativePath``, sequences and the
  ``sh:zeroOrMorePath``/``sh:oneOrMorePath``/``sh:zeroOrOnePath`` forms;
- components: ``minCount``, ``maxCount``, ``datatype``, ``nodeKind``, ``class``, ``in``,
  ``pattern`` (with ``flags``), ``hasValue``, ``lessThan``, ``lessThanOrEquals``,
  ``equals``, ``disjoint``, ``not``/``or``/``xone``/``and`` of shapes made of these
  (node tests and ``minCount`` 1), nested ``sh:property`` shapes, and ``sh:sparql``
  SELECT constraints on node shapes.

Anything else raises :class:`Unsupported`, and :mod:`provld.validate` hands such shapes
to pyshacl instead.

>>> import rdflib
>>> shapes = rdflib.Graph().parse(format="turtle", data='''
...   @prefix sh: <http://www.w3.org/ns/shacl#> .
...   <urn:s> sh:targetClass <urn:C> ; sh:property [ sh:path <urn:p> ; sh:minCount 1 ] .''')
>>> [c.component.split("#")[1] for c in compile_shapes(shapes)]
['MinCountConstraintComponent']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count

import rdflib
from rdflib import RDF, BNode, Literal, URIRef
from rdflib.collection import Collection

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
XSD = "http://www.w3.org/2001/XMLSchema#"
_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
#: XSD datatypes whose lexical forms SPARQL can check by casting.
_CASTABLE = {
    XSD + t for t in ("dateTime", "date", "integer", "decimal", "double", "float", "boolean")
}
#: Datatypes any lexical form is valid for: only the datatype itself is checked.
_LEXICAL_FREE = {
    XSD + "string",
    XSD + "anyURI",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
}
#: Parameters the compiler reads; a shape with any other sh: parameter is refused.
_KNOWN = {
    SH.path,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.minCount,
    SH.maxCount,
    SH.datatype,
    SH.nodeKind,
    SH["class"],
    SH["in"],
    SH.pattern,
    SH.flags,
    SH.hasValue,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.equals,
    SH.disjoint,
    SH["not"],
    SH["or"],
    SH.xone,
    SH["and"],
    SH.property,
    SH.sparql,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.deactivated,
    SH.order,
    SH.group,
    SH.defaultValue,
}


class Unsupported(Exception):
    """A shape uses SHACL that this engine does not compile."""


@dataclass(frozen=True, slots=True)
class Check:
    """One compiled constraint: a query whose rows are the violations."""

    shape: rdflib.term.Node  # the shape that holds the constraint (sh:sourceShape)
    owner: rdflib.term.Node  # the named shape it belongs to, for reports
    component: URIRef
    severity: URIRef
    message: str | None
    path: rdflib.term.Node | None
    path_sparql: str | None
    query: str


@dataclass
class _Ctx:
    """What a shape's constraints share while they are compiled."""

    graph: rdflib.Graph
    focus: str  # a SPARQL group pattern binding ?this
    owner: rdflib.term.Node
    checks: list[Check] = field(default_factory=list)
    names: Iterator[int] = field(default_factory=lambda: count(1))

    def var(self, stem: str) -> str:
        return f"?{stem}_{next(self.names)}"


def compile_shapes(graph: rdflib.Graph) -> list[Check]:
    """Every constraint of every targeted shape of ``graph``, as a :class:`Check`."""
    checks: list[Check] = []
    for cls in (rdflib.RDFS.Class, rdflib.OWL.Class):
        for s in graph.subjects(RDF.type, cls):
            if (s, RDF.type, SH.NodeShape) in graph or (s, RDF.type, SH.PropertyShape) in graph:
                raise Unsupported("implicit class targets are not compiled")
    if (None, RDF.type, SH.ConstraintComponent) in graph:
        raise Unsupported("SPARQL-based constraint components are not compiled")
    shapes = {s for p in _TARGETS for s in graph.subjects(p, None)}
    for shape in sorted(shapes, key=str):
        if _deactivated(graph, shape):
            continue
        ctx = _Ctx(graph, _focus(graph, shape), shape)
        _shape(ctx, shape)
        checks.extend(ctx.checks)
    return checks


def run(
    checks: list[Check], query: Callable[[str], Iterator[dict[str, object]]]
) -> Iterator[tuple[Check, dict[str, object]]]:
    """Run ``checks`` with ``query`` (SPARQL text to rows); yields each violation."""
    for check in checks:
        for row in query(check.query):
            yield check, row


# -- shapes ----------------------------------------------------------------------------


def _shape(ctx: _Ctx, shape: rdflib.term.Node) -> None:
    g = ctx.graph
    for p in set(g.predicates(shape, None)):
        if str(p).startswith(str(SH)) and p not in _KNOWN:
            raise Unsupported(f"{p.n3()} is not compiled")
    if (shape, RDF.type, rdflib.RDFS.Class) in g:
        raise Unsupported("implicit class targets are not compiled")
    path = g.value(shape, SH.path)
    if path is None:
        _constraints(ctx, shape, None, "?this")
    else:
        _constraints(ctx, shape, path, "?value")


def _constraints(
    ctx: _Ctx, shape: rdflib.term.Node, path: rdflib.term.Node | None, var: str
) -> None:
    """Compile the constraints of ``shape``; value nodes are ``var`` (?this for node
    shapes, ?value along ``path`` for property shapes)."""
    g = ctx.graph
    sparql_path = _path(g, path) if path is not None else None
    severity = g.value(shape, SH.severity) or SH.Violation
    message = _message(g, shape)

    def add(
        component: str, body: str, *, value: bool = True, group: str = "", raw: bool = False
    ) -> None:
        select = "?this ?value" if value else "?this"
        if path is not None and value and not raw:
            where = f"{ctx.focus} ?this {sparql_path} ?value . {body}"
        elif path is not None:
            where = f"{ctx.focus} {body}"
        else:
            where = f"{ctx.focus} {body}"
            select = "?this (?this AS ?value)" if value else "?this"
        query = f"SELECT DISTINCT {select} WHERE {{ {where} }} {group}"
        ctx.checks.append(
            Check(shape, ctx.owner, SH[component], severity, message, path, sparql_path, query)  # type: ignore[arg-type]
        )

    for prop in g.objects(shape, SH.property):
        if _deactivated(g, prop):
            continue
        if path is not None:
            raise Unsupported("sh:property inside a property shape is not compiled")
        inner = g.value(prop, SH.path)
        if inner is None:
            raise Unsupported("a property shape without sh:path")
        for p in set(g.predicates(prop, None)):
            if str(p).startswith(str(SH)) and p not in _KNOWN:
                raise Unsupported(f"{p.n3()} is not compiled")
        _constraints(ctx, prop, inner, "?value")

    if path is not None:
        for n in g.objects(shape, SH.minCount):
            add(
                "MinCountConstraintComponent",
                f"OPTIONAL {{ ?this {sparql_path} ?value }}",
                value=False,
                group=f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(str(n))})",
            )
        for n in g.objects(shape, SH.maxCount):
            add(
                "MaxCountConstraintComponent",
                f"?this {sparql_path} ?value",
                value=False,
                group=f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(str(n))})",
            )
        for other in g.objects(shape, SH.lessThan):
            add(
                "LessThanConstraintComponent",
                f"?this {_iri(other)} ?other . FILTER (COALESCE(!(?value < ?other), true))",
            )
        for other in g.objects(shape, SH.lessThanOrEquals):
            add(
                "LessThanOrEqualsConstraintComponent",
                f"?this {_iri(other)} ?other . FILTER (COALESCE(!(?value <= ?other), true))",
            )
        for other in g.objects(shape, SH.disjoint):
            add("DisjointConstraintComponent", f"?this {_iri(other)} ?value .")
        for other in g.objects(shape, SH.equals):
            o = _iri(other)
            add(
                "EqualsConstraintComponent",
                f"{{ ?this {sparql_path} ?value . FILTER NOT EXISTS {{ ?this {o} ?value }} }}"
                f" UNION {{ ?this {o} ?value . FILTER NOT EXISTS "
                f"{{ ?this {sparql_path} ?value }} }}",
                raw=True,
            )
        for wanted in g.objects(shape, SH.hasValue):
            add(
                "HasValueConstraintComponent",
                f"FILTER NOT EXISTS {{ ?this {sparql_path} {_term(wanted)} }}",
                value=False,
            )
    elif any(
        (shape, p, None) in g
        for p in (
            SH.minCount,
            SH.maxCount,
            SH.lessThan,
            SH.lessThanOrEquals,
            SH.equals,
            SH.disjoint,
        )
    ):
        raise Unsupported("a node shape with property-pair or count constraints")
    else:
        for wanted in g.objects(shape, SH.hasValue):
            add(
                "HasValueConstraintComponent",
                f"FILTER (!sameTerm(?this, {_term(wanted)}))",
                value=False,
            )

    for component, param in (
        ("ClassConstraintComponent", SH["class"]),
        ("DatatypeConstraintComponent", SH.datatype),
        ("NodeKindConstraintComponent", SH.nodeKind),
        ("InConstraintComponent", SH["in"]),
    ):
        for value in g.objects(shape, param):
            test = _test(ctx, param, value, shape, "?value" if path is not None else "?this")
            add(component, test.violation)
    for pattern in g.objects(shape, SH.pattern):
        flags = g.value(shape, SH.flags)
        v = "?value" if path is not None else "?this"
        add(
            "PatternConstraintComponent",
            f"FILTER (isBlank({v}) || !REGEX(STR({v}), {_string(str(pattern))}"
            f"{', ' + _string(str(flags)) if flags is not None else ''}))",
        )
    v = "?value" if path is not None else "?this"
    for inner in g.objects(shape, SH["not"]):
        add("NotConstraintComponent", f"FILTER ({_conforms(ctx, inner, v)})")
    for param, component in (
        (SH["or"], "OrConstraintComponent"),
        (SH.xone, "XoneConstraintComponent"),
        (SH["and"], "AndConstraintComponent"),
    ):
        for head in g.objects(shape, param):
            members = [_conforms(ctx, m, v) for m in Collection(g, head)]
            if param == SH["or"]:
                cond = f"!({' || '.join(members) or 'false'})"
            elif param == SH["and"]:
                cond = f"!({' && '.join(members) or 'true'})"
            else:
                cond = f"({' + '.join(f'IF({m}, 1, 0)' for m in members) or '0'}) != 1"
            add(component, f"FILTER ({cond})")
    for constraint in g.objects(shape, SH.sparql):
        if _deactivated(g, constraint):
            continue
        if path is not None:
            raise Unsupported("SPARQL constraints on property shapes are not compiled")
        ctx.checks.append(_sparql(ctx, shape, constraint, severity, message))


@dataclass(frozen=True, slots=True)
class _Test:
    violation: str  # a pattern that keeps the violating value nodes
    condition: str  # a boolean expression true when the value node conforms


def _test(
    ctx: _Ctx, param: URIRef, value: rdflib.term.Node, shape: rdflib.term.Node, v: str
) -> _Test:
    g = ctx.graph
    if param == SH["class"]:
        exists = f"EXISTS {{ {v} {_TYPE}/{_SUBCLASS}* {_iri(value)} }}"
        return _Test(f"FILTER (!{exists})", exists)
    if param == SH.datatype:
        dt = _iri(value)
        if str(value) in _CASTABLE:
            cast = ctx.var("cast")
            # BIND before the FILTER: an ill-formed lexical form leaves the cast unbound
            ok = f"isLiteral({v}) && DATATYPE({v}) = {dt} && BOUND({cast})"
            return _Test(f"BIND ({dt}(STR({v})) AS {cast}) FILTER (!({ok}))", "")
        if str(value) not in _LEXICAL_FREE:
            raise Unsupported(f"lexical checks of {value}")
        ok = f"(isLiteral({v}) && DATATYPE({v}) = {dt})"
        return _Test(f"FILTER (!{ok})", ok)
    if param == SH.nodeKind:
        kinds = {
            SH.IRI: f"isIRI({v})",
            SH.BlankNode: f"isBlank({v})",
            SH.Literal: f"isLiteral({v})",
            SH.BlankNodeOrIRI: f"(isIRI({v}) || isBlank({v}))",
            SH.BlankNodeOrLiteral: f"(isBlank({v}) || isLiteral({v}))",
            SH.IRIOrLiteral: f"(isIRI({v}) || isLiteral({v}))",
        }
        if value not in kinds:
            raise Unsupported(f"node kind {value}")
        return _Test(f"FILTER (!{kinds[value]})", kinds[value])  # type: ignore[index]
    if param == SH["in"]:
        members = [_term(m) for m in Collection(g, value)]
        ok = "(" + (" || ".join(f"sameTerm({v}, {m})" for m in members) or "false") + ")"
        return _Test(f"FILTER (!{ok})", ok)
    raise Unsupported(f"{param}")


def _conforms(ctx: _Ctx, shape: rdflib.term.Node, v: str) -> str:
    """A boolean SPARQL expression: the node ``v`` conforms to ``shape`` (a shape made
    of node tests, or of one property with ``sh:minCount 1``)."""
    g = ctx.graph
    params = {p for p in g.predicates(shape, None) if str(p).startswith(str(SH))}
    path = g.value(shape, SH.path)
    if path is not None:
        if (
            params - {SH.path, SH.minCount, SH.name, SH.message}
            or g.value(shape, SH.minCount) is None
            or int(str(g.value(shape, SH.minCount))) != 1
        ):  # type: ignore[arg-type]
            raise Unsupported("only sh:minCount 1 is compiled in a logical constraint")
        return f"EXISTS {{ {v} {_path(g, path)} [] }}"
    parts = []
    for p in params:
        if p in (SH["class"], SH.datatype, SH.nodeKind, SH["in"]):
            for value in g.objects(shape, p):
                test = _test(ctx, p, value, shape, v)  # type: ignore[arg-type]
                if not test.condition:
                    raise Unsupported("datatype checks of lexical forms inside logic")
                parts.append(test.condition)
        elif p not in (SH.name, SH.message, SH.description):
            raise Unsupported(f"{p.n3()} inside a logical constraint")
    return "(" + (" && ".join(parts) or "true") + ")"


def _sparql(
    ctx: _Ctx,
    shape: rdflib.term.Node,
    constraint: rdflib.term.Node,
    severity: rdflib.term.Node,
    message: str | None,
) -> Check:
    g = ctx.graph
    text = g.value(constraint, SH.select)
    if text is None:
        raise Unsupported("a SPARQL constraint without sh:select")
    query = str(text)
    if re.search(r"\b(MINUS|VALUES|SERVICE)\b|\bAS\s+[?$]this\b|\{\s*SELECT\b", query, re.I):
        # SHACL-SPARQL 5.3.1: pre-bound queries may not use these; refused, as SHACL says.
        raise ValueError(
            "SHACL-SPARQL constraint uses MINUS, VALUES, SERVICE, a subquery "
            "or rebinds $this, which pre-binding does not allow"
        )
    if re.search(r"\$(?!this\b)\w+", query):
        raise Unsupported("pre-bound variables other than $this")
    query = re.sub(r"\$this\b", "?this", query)
    where = re.search(r"\bWHERE\s*\{", query, re.I)
    if where is None:
        raise Unsupported("a SELECT without WHERE")
    # Join the focus nodes in as the first pattern: SHACL's pre-binding of $this, done
    # for every focus node at once.
    query = query[: where.end()] + f" {ctx.focus} " + query[where.end() :]
    prefixes = "".join(
        f"PREFIX {p}: <{ns}>\n" for p, ns in _declared_prefixes(g, constraint).items()
    )
    return Check(
        shape,
        ctx.owner,
        SH.SPARQLConstraintComponent,
        severity,  # type: ignore[arg-type]
        _message(g, constraint) or message,
        None,
        None,
        prefixes + query,
    )


def _declared_prefixes(g: rdflib.Graph, constraint: rdflib.term.Node) -> dict[str, str]:
    out: dict[str, str] = {}
    for holder in g.objects(constraint, SH.prefixes):
        for decl in g.objects(holder, SH.declare):
            prefix, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
            if prefix is not None and ns is not None:
                out[str(prefix)] = str(ns)
    return out


# -- targets, paths, terms ---------------------------------------------------------------


def _focus(g: rdflib.Graph, shape: rdflib.term.Node) -> str:
    parts = []
    for cls in g.objects(shape, SH.targetClass):
        parts.append(f"{{ ?this {_TYPE}/{_SUBCLASS}* {_iri(cls)} }}")
    nodes = [_term(n) for n in g.objects(shape, SH.targetNode)]
    if nodes:
        parts.append(f"{{ VALUES ?this {{ {' '.join(nodes)} }} }}")
    for p in g.objects(shape, SH.targetSubjectsOf):
        parts.append(f"{{ ?this {_iri(p)} [] }}")
    for p in g.objects(shape, SH.targetObjectsOf):
        parts.append(f"{{ [] {_iri(p)} ?this }}")
    # No DISTINCT subquery: a node that several targets select comes out more than once,
    # which every check absorbs (SELECT DISTINCT, COUNT(DISTINCT ...)); measured, the
    # subquery cost a third of the time on big documents.
    return " UNION ".join(parts) if len(parts) > 1 else parts[0]


def _path(g: rdflib.Graph, path: rdflib.term.Node) -> str:
    if isinstance(path, URIRef):
        return _iri(path)
    if isinstance(path, BNode):
        if (path, RDF.first, None) in g:
            return "(" + "/".join(_path(g, p) for p in Collection(g, path)) + ")"
        for prop, fmt in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "{}*"),
            (SH.oneOrMorePath, "{}+"),
            (SH.zeroOrOnePath, "{}?"),
        ):
            inner = g.value(path, prop)
            if inner is not None:
                return "(" + fmt.format(_path(g, inner)) + ")"
        alternatives = g.value(path, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(_path(g, p) for p in Collection(g, alternatives)) + ")"
    raise Unsupported(f"path {path!r}")


def _iri(term: rdflib.term.Node) -> str:
    if not isinstance(term, URIRef):
        raise Unsupported(f"{term!r} where an IRI is expected")
    return f"<{term}>"


def _term(term: rdflib.term.Node) -> str:
    if isinstance(term, URIRef | Literal):
        return term.n3()
    raise Unsupported("blank nodes as constants")


def _string(text: str) -> str:
    return Literal(text).n3()


def _message(g: rdflib.Graph, node: rdflib.term.Node) -> str | None:
    messages = list(g.objects(node, SH.message))
    for m in messages:
        if isinstance(m, Literal) and m.language in (None, "en"):
            return str(m)
    return str(messages[0]) if messages else None


def _deactivated(g: rdflib.Graph, node: rdflib.term.Node) -> bool:
    return any(str(v).lower() == "true" for v in g.objects(node, SH.deactivated))
