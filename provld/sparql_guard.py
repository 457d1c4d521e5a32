r"""Checks on a query before it runs: SERVICE only to the configured federation partners.

pyoxigraph would call any SERVICE endpoint a query names; on a public endpoint that is a
server-side request forgery. The query text is read once from left to right, as SPARQL's
own tokenizer reads it (an IRI, a string or a comment is whichever of them starts first),
and ``SERVICE`` clauses are looked for in what is left: an endpoint that is a variable, or
an IRI not in the allowed list, refuses the query.

>>> partners = ["http://a.org/sparql"]
>>> check_services("SELECT * { SERVICE <http://a.org/sparql> { ?s ?p ?o } }", partners)
>>> check_services("SELECT * { SERVICE <http://evil/> { ?s ?p ?o } }", [])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
provld.errors.QueryError: SERVICE <http://evil/> is not an allowed federation partner ...
>>> quotes = '"' * 3  # in a comment, they open no string
>>> hidden = f"SELECT * {{\n# {quotes}\nSERVICE<http://evil/> {{}}\n# {quotes}\n}}"
>>> check_services(hidden, [])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
provld.errors.QueryError: SERVICE <http://evil/> is not an allowed federation partner ...
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from provld.errors import QueryError
from provld.store.sparqltext import mask

# SERVICE as a keyword: not the end of a prefixed name (ex:SERVICE) or a variable.
_SERVICE = re.compile(
    r"(?<![\w:?$.-])SERVICE(?:\s+SILENT)?\s*(<[^>]*>|[?$]\w+|[A-Za-z][\w.-]*:[^\s{]*|:[^\s{]*)?",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


def check_services(query: str, allowed: Sequence[str]) -> None:
    """Raise QueryError when the query calls a SERVICE that is not allowed."""
    text = mask(query, iris=True)  # strings and comments blanked, IRIs kept
    if "service" not in text.lower():
        return
    prefixes = {p or "": ns for p, ns in _PREFIX.findall(text)}
    for target in _SERVICE.findall(text):
        if not target:
            raise QueryError("SERVICE without an endpoint IRI is refused")
        if target.startswith("<"):
            iri = target[1:-1]
        elif target.startswith(("?", "$")):
            raise QueryError("SERVICE with a variable endpoint is refused")
        else:
            prefix, _, local = target.partition(":")
            if prefix not in prefixes:
                raise QueryError(f"SERVICE {target}: undeclared prefix")
            iri = prefixes[prefix] + local
        if iri not in allowed:
            names = ", ".join(allowed) or "none"
            raise QueryError(
                f"SERVICE <{iri}> is not an allowed federation partner (allowed: {names})"
            )


_KEYWORD = re.compile(r"(?<![\w:?$.-])(USING|WITH|WHERE)(?![\w:-])", re.IGNORECASE)
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s+[\w.-]*:|BASE)\s*)*", re.IGNORECASE)
_MODIFY = re.compile(
    r"(?:WITH\b|DELETE\b(?!\s*(?:DATA|WHERE)\b)|INSERT\b(?!\s*DATA\b))", re.IGNORECASE
)


def _top_level(masked: str) -> list[tuple[int, int]]:
    """The spans of the operations of an update (split at ``;`` outside braces)."""
    spans, depth, start = [], 0, 0
    for i, char in enumerate(masked):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == ";" and depth == 0:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(masked)))
    return spans


def _keywords_at_depth_0(masked: str, start: int, end: int) -> list[re.Match[str]]:
    depth, found = 0, []
    matches = {m.start(): m for m in _KEYWORD.finditer(masked, start, end)}
    for i in range(start, end):
        char = masked[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and i in matches:
            found.append(matches[i])
    return found


def has_dataset_clause(update: str) -> bool:
    """True when an update names its own dataset (``USING`` or ``WITH``).

    >>> has_dataset_clause("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    True
    >>> has_dataset_clause('INSERT DATA { <a> <b> "USING" }')
    False
    """
    masked = mask(update)
    return any(
        m.group(1).upper() in ("USING", "WITH")
        for m in _keywords_at_depth_0(masked, 0, len(masked))
    )


def with_dataset(update: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """``update`` with the Protocol's ``using-graph-uri`` and ``using-named-graph-uri``
    written into every operation that has a WHERE clause (INSERT/DELETE ... WHERE), as the
    USING clauses they stand for.

    >>> with_dataset("CLEAR ALL ; INSERT { ?s a <C> } WHERE { ?s ?p ?o }", ["http://g"], [])
    'CLEAR ALL ; INSERT { ?s a <C> } USING <http://g> WHERE { ?s ?p ?o }'
    """
    if not using and not using_named:
        return update
    clause = "".join(f"USING <{g}> " for g in using)
    clause += "".join(f"USING NAMED <{g}> " for g in using_named)
    masked = mask(update)
    inserts: list[int] = []
    for start, end in _top_level(masked):
        body = _PROLOGUE.match(masked, start, end).end()  # type: ignore[union-attr]
        if not _MODIFY.match(masked, body, end):
            continue
        found = _keywords_at_depth_0(masked, body, end)
        where = [m.start() for m in found if m.group(1).upper() == "WHERE"]
        if where:
            inserts.append(where[0])
    for at in reversed(inserts):
        update = update[:at] + clause + update[at:]
    return update
