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

# One alternation, tried at each position: whichever construct starts first wins, so a
# quote inside a comment or a '#' inside an IRI or a string is never taken for more.
_TOKENS = re.compile(
    r'(?P<long>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\')'
    r'|(?P<short>"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\')'
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|(?P<comment>#[^\n\r]*)",
    re.DOTALL,
)
# SERVICE as a keyword: not the end of a prefixed name (ex:SERVICE) or a variable.
_SERVICE = re.compile(
    r"(?<![\w:?$.-])SERVICE(?:\s+SILENT)?\s*(<[^>]*>|[?$]\w+|[A-Za-z][\w.-]*:[^\s{]*|:[^\s{]*)?",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


def _skeleton(query: str) -> str:
    """The query with strings emptied and comments blanked, IRIs kept."""

    def keep(match: re.Match[str]) -> str:
        if match.group("iri"):
            return match.group(0)
        return " " if match.group("comment") else '""'

    return _TOKENS.sub(keep, query)


def check_services(query: str, allowed: Sequence[str]) -> None:
    """Raise QueryError when the query calls a SERVICE that is not allowed."""
    text = _skeleton(query)
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
