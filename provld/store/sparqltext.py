r"""What a remote backend needs to know of SPARQL text before sending it.

A SPARQL server takes text, not pyoxigraph's substitutions (SEP-0007), so a value bound
by the caller replaces its variable in the ``WHERE`` clause (where a FILTER inside an
OPTIONAL or a UNION branch sees it as pre-binding says) and a ``VALUES`` block at the start
of that clause binds the variable in the results too, as pyoxigraph gives it. Terms are
written in their N-Triples form, which pyoxigraph escapes, and variable names are checked:
nothing of a caller's text is pasted anywhere.

The text is read as SPARQL's tokenizer reads it, left to right: an IRI, a string or a
comment is whichever of them starts first, and keywords and braces are looked for in what
is left (:func:`mask` blanks the rest, keeping every position).

>>> from pyoxigraph import Literal, NamedNode
>>> with_values("SELECT ?g ?n WHERE { GRAPH ?g { ?s ?p ?n } }", {"g": NamedNode("http://g")})
'SELECT ?g ?n WHERE { VALUES (?g) { (<http://g>) } GRAPH <http://g> { ?s ?p ?n } }'
>>> with_values('ASK { ?s ?p ?o }', {"o": Literal('say "hi"')})
'ASK { VALUES (?o) { ("say \\"hi\\"") } ?s ?p "say \\"hi\\"" }'
>>> with_values("CONSTRUCT WHERE { ?s ?p ?o }", {"s": NamedNode("http://s")})
'CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s) { (<http://s>) } <http://s> ?p ?o }'
>>> query_form("PREFIX ask: <http://x/> # SELECT\nDESCRIBE ask:y")
'DESCRIBE'
>>> query_form("INSERT DATA { <http://a> <http://b> <http://c> }")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
provld.errors.QueryError: INSERT: a query cannot write to the store ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urljoin

import pyoxigraph
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat

from provld.errors import QueryError

_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\''
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n\r]*",
    re.DOTALL,
)
# A keyword: not part of a prefixed name, a variable, a blank node label or a longer word.
_WORD = r"(?<![\w:?$.-]){}(?![\w:-])"
_FORM = re.compile(_WORD.format("(SELECT|CONSTRUCT|DESCRIBE|ASK)"), re.IGNORECASE)
# Words that only an update (or a server's own extension) has; a query never needs them.
_WRITES = re.compile(
    _WORD.format("(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH|DEFINE)"),
    re.IGNORECASE,
)
_WHERE = re.compile(_WORD.format("WHERE"), re.IGNORECASE)
_INSERT_DATA = re.compile(_WORD.format(r"INSERT\s+DATA"), re.IGNORECASE)
_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_VARNAME = re.compile(r"[A-Za-z0-9_\u00b7\u00c0-\ufffd]+")


def mask(text: str, iris: bool = False) -> str:
    """``text`` with every string, comment and (unless ``iris``) IRI blanked out,
    positions kept."""

    def blank(found: re.Match[str]) -> str:
        token = found.group(0)
        return token if iris and token.startswith("<") else " " * len(token)

    return _TOKENS.sub(blank, text)


def query_form(text: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK; a :class:`QueryError` for anything that could
    write (an update, or a server's pragma such as Virtuoso's ``DEFINE``)."""
    masked = mask(text)
    refused = _WRITES.search(masked)
    if refused:
        raise QueryError(
            f"{refused.group(1).upper()}: a query cannot write to the store "
            "(updates are not taken here)"
        )
    form = _FORM.search(masked)
    if form is None:
        raise QueryError("not a SPARQL query: no SELECT, CONSTRUCT, DESCRIBE or ASK")
    return form.group(1).upper()


def term(value: object) -> str:
    """The SPARQL form of a bound value (an IRI or a literal)."""
    if isinstance(value, NamedNode | Literal):
        return str(value)
    if isinstance(value, BlankNode):
        raise QueryError("a blank node cannot be sent to a SPARQL server as a bound value")
    raise QueryError(f"{value!r} cannot be a bound value")


def with_values(
    text: str,
    bindings: Mapping[str, object],
    blank: Callable[[BlankNode], str | None] | None = None,
) -> str:
    """``text`` with ``bindings`` substituted in its ``WHERE`` clause and joined in as the
    first pattern of it (so the variables are bound in the results too), as pyoxigraph's
    substitutions do. ``blank`` writes a blank node of the server's as the server reads it,
    if it can; a blank node it cannot write matches nothing."""
    if not bindings:
        return text
    for name in bindings:
        if not _VARNAME.fullmatch(name):
            raise QueryError(f"{name!r} is not a variable name")
    terms: dict[str, str | None] = {}
    for name, value in bindings.items():
        if isinstance(value, BlankNode):
            terms[name] = blank(value) if blank is not None else None
        else:
            terms[name] = term(value)
    names = " ".join(f"?{name}" for name in bindings)
    known = None not in terms.values()
    row = "(" + " ".join(t for t in terms.values() if t is not None) + ")" if known else ""
    block = f" VALUES ({names}) {{ {row} }}"
    masked = mask(text)
    form = _FORM.search(masked)
    if form is None:
        raise QueryError("not a SPARQL query: no SELECT, CONSTRUCT, DESCRIBE or ASK")
    start = form.end()
    if form.group(1).upper() == "CONSTRUCT":
        short = re.match(r"\s*WHERE\s*\{", masked[start:], re.IGNORECASE)
        if short:
            # CONSTRUCT WHERE { T } is CONSTRUCT { T } WHERE { T }: the long form takes VALUES.
            open_ = start + short.end() - 1
            close = _closing(masked, open_)
            template = text[open_ : close + 1]
            text = f"{text[:start]} {template} WHERE {text[open_:]}"
            masked = mask(text)
            start = start + 1 + len(template)
        else:
            open_ = _group(masked, start)
            start = _closing(masked, open_) + 1
    where = _WHERE.search(masked, start)
    open_ = _group(masked, where.end() if where else start)
    close = _closing(masked, open_)
    body = text[open_ + 1 : close]
    if known:
        body = _substitute(body, masked[open_ + 1 : close], terms)  # type: ignore[arg-type]
    if re.match(r"\s*SELECT\b", masked[open_ + 1 :], re.IGNORECASE):
        # { SELECT ... } is a subquery as the whole group: VALUES goes beside it.
        body = f" {{{body}}} "
    return f"{text[: open_ + 1]}{block}{body}{text[close:]}"


_VARIABLE = re.compile(r"[?$]([A-Za-z0-9_\u00b7\u00c0-\ufffd]+)")
# Where a variable cannot become a value: a subquery's projection, GROUP BY, the variables
# of VALUES, and what AS names.
_KEPT = re.compile(
    _WORD.format(r"(SELECT|GROUP\s+BY|VALUES)") + r"|" + _WORD.format(r"AS") + r"\s*[?$]\w+",
    re.IGNORECASE,
)


def _substitute(body: str, masked: str, terms: Mapping[str, str]) -> str:
    """The variables of ``terms`` in ``body`` (a WHERE clause) replaced by their values."""
    kept: list[tuple[int, int]] = []
    for found in _KEPT.finditer(masked):
        word = (found.group(1) or "").upper()
        if word == "SELECT":
            end = _group(masked, found.end())
        elif word == "VALUES":
            end = masked.find("{", found.end())
        elif word:  # GROUP BY: to the end of the subquery
            end = masked.find("}", found.end())
        else:
            end = found.end()
        kept.append((found.start(), end if end >= 0 else len(masked)))
    out, done = [], 0
    for found in _VARIABLE.finditer(masked):
        value = terms.get(found.group(1))
        if value is None or any(a <= found.start() < b for a, b in kept):
            continue
        out.append(body[done : found.start()])
        out.append(value)
        done = found.end()
    out.append(body[done:])
    return "".join(out)


def resolve_iris(text: str) -> str:
    """``text`` with relative IRIs resolved against its ``BASE``, for a server that would
    send them back relative (Virtuoso: ``CONSTRUCT { <s> <p> 1 }`` gives ``<s>``).

    >>> resolve_iris("BASE <http://ex.org/a/> SELECT * { <s> <#p> <http://b> }")
    'BASE <http://ex.org/a/> SELECT * { <http://ex.org/a/s> <http://ex.org/a/#p> <http://b> }'
    """
    masked = mask(text)
    if not re.search(r"(?i)\bBASE\b", masked):
        return text
    out, done = [], 0
    base: str | None = None
    for found in _TOKENS.finditer(text):
        token = found.group(0)
        if not (token.startswith("<") and token.endswith(">")):
            continue
        iri = token[1:-1]
        if base is not None and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri):
            iri = urljoin(base, iri)
            out.append(text[done : found.start()] + f"<{iri}>")
            done = found.end()
        if re.search(r"(?i)\bBASE\s*$", masked[max(0, found.start() - 40) : found.start()]):
            base = iri
    out.append(text[done:])
    return "".join(out)


def relative_iri(text: str) -> str | None:
    """The first relative IRI of a query that declares no ``BASE``, if there is one.

    >>> relative_iri("CONSTRUCT { <s> <p> 1 } WHERE {}"), relative_iri("ASK { <a:b> ?p ?o }")
    ('s', None)
    """
    if re.search(r"(?i)\bBASE\b", mask(text)):
        return None
    for found in _TOKENS.finditer(text):
        token = found.group(0)
        if token.startswith("<") and not re.match(r"<[A-Za-z][A-Za-z0-9+.-]*:", token):
            return token[1:-1]
    return None


_GRAPH_LIST = re.compile(
    r"(?i)^(\s*(?:PREFIX\s+[\w.-]*:\s*<[^>]*>\s*)*SELECT\s+DISTINCT\s+([?$]\w+)\s+(?:WHERE\s*)?"
    r"\{\s*GRAPH\s+\2\s*\{\s*[?$]\w+\s+[?$]\w+\s+[?$]\w+\s*\.?\s*\})(\s*\})"
)


def graph_list_checked(text: str) -> str:
    """``SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }`` with a ``FILTER(isIRI(?g))``
    that changes nothing, for a server whose shortcut for exactly that query lists graphs
    the user may not read (Virtuoso: its own private graphs).

    >>> graph_list_checked("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5")
    'SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?g)) } LIMIT 5'
    """
    found = _GRAPH_LIST.match(mask(text, iris=True))
    if found is None:
        return text
    cut = found.end(1)
    return f"{text[:cut]} FILTER(isIRI({found.group(2)})){text[cut:]}"


_SILENT = re.compile(r"(?i)(?<![\w:?$.-])SERVICE\s+SILENT\s*<([^>]*)>\s*\{")


def silent_services(text: str) -> list[str]:
    """The endpoints of the ``SERVICE SILENT`` clauses of a query."""
    return [found.group(1) for found in _SILENT.finditer(mask(text, iris=True))]


def without_silent_service(text: str, endpoint: str) -> str:
    """``text`` with each ``SERVICE SILENT <endpoint> { ... }`` replaced by ``{}``: what a
    failed silent SERVICE gives, one solution that binds nothing (SPARQL 1.1 Federated
    Query, 4.1), for a server that fails the whole query instead (Virtuoso).

    >>> without_silent_service("SELECT * { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://x> "
    ...                        "{ ?s <http://q> ?v } } }", "http://x")
    'SELECT * { ?s ?p ?o OPTIONAL { {} } }'
    """
    masked = mask(text, iris=True)
    out, done = [], 0
    for found in _SILENT.finditer(masked):
        if found.group(1) != endpoint or found.start() < done:
            continue
        close = _closing(masked, found.end() - 1)
        out.append(text[done : found.start()] + "{}")
        done = close + 1
    out.append(text[done:])
    return "".join(out)


_TRAILING_VALUES = re.compile(_WORD.format("VALUES"), re.IGNORECASE)
_AGGREGATE = re.compile(
    _WORD.format(r"(GROUP\s+BY|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)"), re.IGNORECASE
)


def trailing_values_inside(text: str) -> str:
    """A query's trailing ``VALUES`` block moved to the start of its ``WHERE`` clause, which
    means the same when nothing is aggregated, for a server that cannot bind there a
    variable it does not project (Virtuoso: "SQ200: No column entity", on what rdflib's
    ``initBindings`` send).

    >>> trailing_values_inside("SELECT ?a WHERE { ?a ?p ?b } VALUES (?b) { (1) }")
    'SELECT ?a WHERE { VALUES (?b) { (1) } ?a ?p ?b } '
    """
    masked = mask(text)
    form = _FORM.search(masked)
    if form is None or form.group(1).upper() == "CONSTRUCT" or _AGGREGATE.search(masked):
        return text
    where = _WHERE.search(masked, form.end())
    try:
        open_ = _group(masked, where.end() if where else form.end())
        close = _closing(masked, open_)
    except QueryError:
        return text
    found = _TRAILING_VALUES.search(masked, close)
    if found is None:
        return text
    end = _closing(masked, masked.index("{", found.end()))
    block = text[found.start() : end + 1]
    return f"{text[: open_ + 1]} {block}{text[open_ + 1 : found.start()]}{text[end + 1 :]}"


_BOUND_BOOLEAN = re.compile(r"(?i)\bBIND\s*\(\s*(true|false)\s+AS\b")


def booleans_as_typed_literals(text: str) -> str:
    """``BIND(true AS ?x)`` written ``BIND(STRDT("true", xsd:boolean) AS ?x)``, for a server
    that binds the boolean keywords as the integers 1 and 0 but keeps the datatype of a
    typed boolean (Virtuoso). Elsewhere the keywords stay: Virtuoso's compiler fails on
    ``COALESCE(!(...), STRDT(...))`` where ``COALESCE(!(...), true)`` works.

    >>> booleans_as_typed_literals('SELECT * { ?s ?p true . BIND(false AS ?o) }')[24:]
    'BIND(STRDT("false", <http://www.w3.org/2001/XMLSchema#boolean>) AS ?o) }'
    """
    masked = mask(text)
    out, done = [], 0
    for found in _BOUND_BOOLEAN.finditer(masked):
        out.append(text[done : found.start(1)])
        out.append(f'STRDT("{found.group(1).lower()}", <{_XSD_BOOLEAN}>)')
        done = found.end(1)
    out.append(text[done:])
    return "".join(out)


_STEP = r"(?:<[^<>\s]*>|[A-Za-z][\w.-]*:[\w.-]*|:[\w.-]*|a)"
_SEQUENCE_STAR = re.compile(rf"(?<![\w:?$.<>-])({_STEP})\s*/\s*({_STEP})\s*\*")


def zero_or_more_as_alternative(text: str) -> str:
    """Property paths ``p/q*`` written ``(p|p/q+)``, which means the same, for a server
    that evaluates the first wrongly inside ``EXISTS`` (Virtuoso: ``FILTER NOT EXISTS
    { ?v rdf:type/rdfs:subClassOf* C }`` is true for a ``?v`` of type ``C``).

    >>> zero_or_more_as_alternative("ASK { FILTER EXISTS { ?v a/rdfs:subClassOf* <C> } }")
    'ASK { FILTER EXISTS { ?v (a|a/rdfs:subClassOf+) <C> } }'
    """
    masked = mask(text, iris=True)
    out, done = [], 0
    for found in _SEQUENCE_STAR.finditer(masked):
        first, second = text[found.start(1) : found.end(1)], text[found.start(2) : found.end(2)]
        out.append(text[done : found.start()])
        out.append(f"({first}|{first}/{second}+)")
        done = found.end()
    out.append(text[done:])
    return "".join(out)


def insert_data_without_blank_nodes(text: str, batch: int = 100) -> str:
    """``INSERT DATA { ... }`` blocks that have blank nodes, rewritten for a server that
    refuses blank nodes there: their triples without blank nodes stay in ``INSERT DATA``,
    the others, a few blank-node-connected groups at a time, go in ``INSERT { ... } WHERE
    {}``, which means the same (fresh blank nodes). Small templates: a server compiles
    each into code whose size grows with it.

    >>> print(insert_data_without_blank_nodes(
    ...     'INSERT DATA { GRAPH <http://g> { <http://a> <http://b> _:x . '
    ...     '_:x <http://c> "}" . <http://a> <http://b> <http://d> } }'))
    INSERT DATA {
    GRAPH <http://g> {
    <http://a> <http://b> <http://d> .
    }
    } ;
    INSERT {
    GRAPH <http://g> {
    <http://a> <http://b> _:x .
    _:x <http://c> "}" .
    }
    } WHERE {}
    """
    masked = mask(text)
    out, done = [], 0
    for found in _INSERT_DATA.finditer(masked):
        if found.start() < done:
            continue
        open_ = _group(masked, found.end())
        close = _closing(masked, open_)
        if "_:" not in masked[open_:close] and "[" not in masked[open_:close]:
            continue
        try:
            quads = list(pyoxigraph.parse(text[open_ + 1 : close], RdfFormat.TRIG))
        except SyntaxError:  # prefixed names, say: one template then
            operations = [f"INSERT {text[open_ : close + 1]} WHERE {{}}"]
        else:
            operations = _split(quads, batch)
        out.append(text[done : found.start()])
        out.append(" ;\n".join(operations))
        done = close + 1
    out.append(text[done:])
    return "".join(out)


def _split(quads: list[Quad], batch: int) -> list[str]:
    plain = [q for q in quads if not any(isinstance(t, BlankNode) for t in q)]
    # blank-node-connected groups of quads (union-find over the blank nodes)
    parent: dict[BlankNode, BlankNode] = {}

    def root(node: BlankNode) -> BlankNode:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for q in quads:
        blanks = [t for t in (q.subject, q.object) if isinstance(t, BlankNode)]
        for other in blanks[1:]:
            parent[root(other)] = root(blanks[0])
    groups: dict[BlankNode, list[Quad]] = {}
    for q in quads:
        blank = next((t for t in (q.subject, q.object) if isinstance(t, BlankNode)), None)
        if blank is not None:
            groups.setdefault(root(blank), []).append(q)
    operations = [f"INSERT DATA {{\n{quad_block(plain)}\n}}"] if plain else []
    chunk: list[Quad] = []
    for group in groups.values():
        chunk.extend(group)
        if len(chunk) >= batch:
            operations.append(f"INSERT {{\n{quad_block(chunk)}\n}} WHERE {{}}")
            chunk = []
    if chunk:
        operations.append(f"INSERT {{\n{quad_block(chunk)}\n}} WHERE {{}}")
    return operations


def quad_block(quads: Iterable[Quad]) -> str:
    """The quads in SPARQL's quad syntax (``GRAPH <g> { ... }`` for a named graph's), for
    INSERT DATA or an INSERT template."""
    by_graph: dict[object, list[str]] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, []).append(f"{q.subject} {q.predicate} {q.object} .")
    parts = []
    for graph, lines in by_graph.items():
        body = "\n".join(lines)
        parts.append(body if isinstance(graph, DefaultGraph) else f"GRAPH {graph} {{\n{body}\n}}")
    return "\n".join(parts)


def _group(masked: str, start: int) -> int:
    """Where the first ``{`` at parenthesis depth 0 from ``start`` is."""
    depth = 0
    for i in range(start, len(masked)):
        c = masked[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "{" and depth <= 0:
            return i
    raise QueryError("bound values need a query with a WHERE clause")


def _closing(masked: str, open_: int) -> int:
    depth = 0
    for i in range(open_, len(masked)):
        if masked[i] == "{":
            depth += 1
        elif masked[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise QueryError("malformed query: unbalanced braces")
