"""Qualified names: expanding ``prefix:local`` and compacting IRIs, for the PROV formats.

PROV serialisations name things with qualified names; RDF uses full IRIs. A
:class:`Namespaces` keeps the prefixes of one document and invents new ones (``ns1``,
``ns2``...) for IRIs no declared prefix covers, so that any IRI can be written out.

>>> ns = Namespaces({"ex": "http://example.org/"})
>>> ns.expand("ex:run/42")
'http://example.org/run/42'
>>> ns.compact("http://example.org/run/42")
'ex:run/42'
>>> ns.compact("http://other.org/a#b")
'ns1:b'
>>> ns.prefixes["ns1"]
'http://other.org/a#'
"""

from __future__ import annotations

import re

from provld.model import PROV, RDF, RDFS, VOPROV, XSD

STANDARD_PREFIXES = {
    "prov": PROV,
    "xsd": XSD,
    "voprov": VOPROV,
    "rdf": RDF,
    "rdfs": RDFS,
}

# Characters a PROV-N local name may hold without escaping (PN_CHARS, '.', '/', '-', ':'
# inside, per PROV-N's PN_LOCAL); anything else forces a new namespace split.
_SAFE_LOCAL = re.compile(r"^[A-Za-z0-9_\u00b7-\U000effff][A-Za-z0-9_.\-/\u00b7-\U000effff]*$")
_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


class Namespaces:
    """Prefixes of one document, with the standard ones always known."""

    def __init__(self, prefixes: dict[str, str] | None = None, default: str | None = None):
        self.prefixes: dict[str, str] = dict(STANDARD_PREFIXES)
        if prefixes:
            self.prefixes.update(prefixes)
        self.default = default
        self._counter = 0

    def expand(self, qname: str) -> str:
        """Expand ``prefix:local`` (or a bare local name in the default namespace).

        Returns the input unchanged when it already is an absolute IRI of an unknown
        scheme-like prefix, so ``urn:uuid:...`` and ``http://...`` pass through.
        """
        prefix, sep, local = qname.partition(":")
        if sep:
            ns = self.prefixes.get(prefix)
            if ns is not None:
                return ns + local
            return qname
        if self.default is not None:
            return self.default + qname
        return qname

    def compact(self, iri: str) -> str:
        """The shortest ``prefix:local`` for ``iri``; invents a prefix when needed."""
        best: tuple[str, str] | None = None
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                local = iri[len(ns) :]
                if _SAFE_LOCAL.match(local) and (best is None or len(local) < len(best[1])):
                    best = (prefix, local)
        if best is not None:
            return f"{best[0]}:{best[1]}"
        ns, local = split_iri(iri)
        prefix = self._new_prefix(ns)
        return f"{prefix}:{local}" if local else f"{prefix}:"

    def _new_prefix(self, ns: str) -> str:
        for prefix, known in self.prefixes.items():
            if known == ns:
                return prefix
        while True:
            self._counter += 1
            prefix = f"ns{self._counter}"
            if prefix not in self.prefixes:
                self.prefixes[prefix] = ns
                return prefix


def split_iri(iri: str) -> tuple[str, str]:
    """Split an IRI into a namespace and a local name that PROV-N can write unescaped.

    >>> split_iri("http://ex.org/a/b#c")
    ('http://ex.org/a/b#', 'c')
    >>> split_iri("urn:uuid:1234")
    ('urn:uuid:', '1234')
    """
    cut = max(iri.rfind("#"), iri.rfind("/"), iri.rfind(":")) + 1
    local = iri[cut:]
    while local and not _SAFE_LOCAL.match(local):
        # drop characters from the front of the local part until what is left is safe
        cut += 1
        local = iri[cut:]
    return iri[:cut], local


def is_valid_prefix(prefix: str) -> bool:
    return bool(_PREFIX.match(prefix))
