"""Checks on a query before it runs: SERVICE only to the configured federation partners.

pyoxigraph would call any SERVICE endpoint a query names; on a public endpoint that is a
server-side request forgery. The query text is scanned (comments and strings removed) for
``SERVICE`` clauses; an endpoint that is a variable, or an IRI not in the allowed list,
refuses the query.

>>> partners = ["http://a.org/sparql"]
>>> check_services("SELECT * { SERVICE <http://a.org/sparql> { ?s ?p ?o } }", partners)
>>> check_services("SELECT * { SERVICE <http://evil/> { ?s ?p ?o } }", [])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
provld.errors.QueryError: SERVICE <http://evil/> is not an allowed federation partner ...
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from provld.errors import QueryError

_STRINGS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
)
_COMMENT = re.compile(r"#[^\n]*")
_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_SERVICE = re.compile(r"\bSERVICE\s+(SILENT\s+)?(\S+)", re.IGNORECASE)
_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


def _strip(query: str) -> str:
    # IRIs may hold '#': protect them before removing comments, then put them back.
    iris: list[str] = []

    def keep(match: re.Match[str]) -> str:
        iris.append(match.group(0))
        return f"<{len(iris) - 1}>"

    text = _STRINGS.sub('""', query)
    text = _IRI.sub(keep, text)
    text = _COMMENT.sub("", text)
    return re.sub(r"<(\d+)>", lambda m: iris[int(m.group(1))], text)


def check_services(query: str, allowed: Sequence[str]) -> None:
    """Raise QueryError when the query calls a SERVICE that is not allowed."""
    text = _strip(query)
    if "service" not in text.lower():
        return
    prefixes = {p or "": ns for p, ns in _PREFIX.findall(text)}
    for _silent, target in _SERVICE.findall(text):
        if target.startswith("<"):
            iri = target[1 : target.index(">")] if ">" in target else target
        elif target.startswith(("?", "$")):
            raise QueryError("SERVICE with a variable endpoint is refused")
        else:
            prefix, _, local = target.partition(":")
            local = re.split(r"[\s{]", local, maxsplit=1)[0]
            if prefix not in prefixes:
                raise QueryError(f"SERVICE {target}: undeclared prefix")
            iri = prefixes[prefix] + local
        if iri not in allowed:
            names = ", ".join(allowed) or "none"
            raise QueryError(
                f"SERVICE <{iri}> is not an allowed federation partner (allowed: {names})"
            )
