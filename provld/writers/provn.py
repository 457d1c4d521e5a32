"""Writing PROV-N (the W3C PROV Notation) from a :class:`~provld.model.Document`.

The output reads back with :func:`provld.readers.provn.read_provn` into an equal
document. Every IRI is written as a qualified name, never as ``<...>``: a declared prefix
is used when the rest of the IRI is a valid PROV-N local name (with the grammar's ``\\``
escapes for ``=``, ``:``, ``(``...), otherwise a prefix is invented (``ns1``...) and
declared. ``prov`` and ``xsd`` are predefined by PROV-N and never declared; every other
prefix in use is, in the document or in the bundle that uses it.

PROV-N has no blank nodes: a blank identifier ``_:x`` is written as ``bnode:x`` in the
namespace ``urn:provld:bnode:`` (:data:`provld.readers.provn.BNODE_NS`), which the reader
turns back into a blank node.

Formal arguments follow the PROV-N grammar: absent ones are ``-``, and the trailing
optional ones are dropped only when the record has no identifier, no attributes and none
of them is present. IVOA elements are written ``kind(id, [attrs])``.

>>> from pyoxigraph import NamedNode
>>> from provld.model import Document, Record
>>> doc = Document({"ex": "http://example.org/"})
>>> doc.add(Record("used", None, {"activity": NamedNode("http://example.org/a"),
...                               "entity": NamedNode("http://example.org/e=1")}))
>>> print(write_provn(doc), end="")
document
  prefix ex <http://example.org/>
  used(ex:a, ex:e\\=1, -)
endDocument
"""

from __future__ import annotations

import re

from pyoxigraph import BlankNode, Literal, NamedNode

from provld.errors import FormatError
from provld.model import (
    DRAFT_VOPROV,
    ELEMENT_ARGS,
    IVOA_ELEMENTS,
    PROV,
    RELATION_ARGS,
    XSD,
    Document,
    Record,
    Term,
    rewrite_namespace,
)
from provld.qnames import Namespaces
from provld.readers.provn import BNODE_NS, DATETIME, MIN_ARGS, PREFIX_NAME

__all__ = ["write_provn"]

_PREDEFINED = {"prov": PROV, "xsd": XSD}
_ELEMENT_KINDS = {"entity", "activity", "agent", *IVOA_ELEMENTS}
_TIME_ARGS = {"time", "startTime", "endTime"}
_XSD_STRING = XSD + "string"
_XSD_INT = XSD + "int"
_INT = re.compile(r"-?[0-9]+\Z")
# A local name that needs no escape at all: the common case, checked first.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_\-./]*[A-Za-z0-9_\-/])?\Z")
# An IRI as PROV-N's IRI_REF may hold it.
_IRI_REF = re.compile(r"[^<>\"{}|^`\\\x00-\x20]*\Z")
_STRING_ESCAPES = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
)
_ESCAPED = set("=',():;[]")  # PN_CHARS_ESC that are never valid unescaped
_OTHERS = set("/@~&+*?#$!")
_HEX = set("0123456789abcdefABCDEF")


def write_provn(doc: Document) -> str:
    """Serialise ``doc`` as PROV-N text (one record a line)."""
    top = _Names(doc.namespaces, parent=None)
    bundle_names = {bundle_id: top.qname(bundle_id) for bundle_id in doc.bundles}
    body = [f"  {_record(record, top)}" for record in doc.records]
    for bundle_id, bundle in doc.bundles.items():
        names = _Names(bundle.namespaces, parent=top)
        records = [f"    {_record(record, names)}" for record in bundle.records]
        body.append(f"  bundle {bundle_names[bundle_id]}")
        body.extend(names.declarations("    "))
        body.extend(records)
        body.append("  endBundle")
    lines = ["document", *top.declarations("  "), *body, "endDocument", ""]
    return "\n".join(lines)


def _declarable(namespaces: dict[str, str]) -> dict[str, str]:
    """The prefixes of a document that PROV-N can declare, drafts brought to the REC."""
    out = {}
    for prefix, iri in namespaces.items():
        if prefix in _PREDEFINED or not prefix or not PREFIX_NAME.match(prefix):
            continue
        if not _IRI_REF.match(iri):
            continue
        if iri.startswith(DRAFT_VOPROV):
            iri = rewrite_namespace(iri)
        out[prefix] = iri
    return out


class _Names:
    """Qualified names of one scope (the document or a bundle) and what it must declare."""

    ns: Namespaces

    def __init__(self, namespaces: dict[str, str], parent: _Names | None) -> None:
        own = _declarable(namespaces)
        own_default = namespaces.get("")
        if own_default is not None and not _IRI_REF.match(own_default):
            own_default = None
        inherited = dict(parent.ns.prefixes) if parent else {}
        default = own_default if own_default is not None or parent is None else parent.ns.default
        self.ns = Namespaces({**inherited, **own}, default)
        self.ns.prefixes.update(_PREDEFINED)
        self.ns.prefixes.setdefault("bnode", BNODE_NS)
        self.parent = parent
        self.own = own
        self.own_default = own_default
        self.used: set[str] = set()
        self.cache: dict[str, str] = {}

    def declarations(self, indent: str) -> list[str]:
        """``default`` and ``prefix`` lines: own prefixes, and those used but not inherited."""
        declared = dict(self.own)
        outer = self.parent.visible() if self.parent else {}
        for prefix in self.used:
            iri = self.ns.prefixes[prefix]
            if prefix not in _PREDEFINED and outer.get(prefix) != iri:
                declared[prefix] = iri
        lines = [f"{indent}default <{self.own_default}>"] if self.own_default is not None else []
        lines.extend(f"{indent}prefix {p} <{declared[p]}>" for p in sorted(declared))
        return lines

    def visible(self) -> dict[str, str]:
        """Prefixes this scope declares (or PROV-N predefines), for its bundles to inherit."""
        out = dict(_PREDEFINED)
        out.update(self.own)
        out.update({p: self.ns.prefixes[p] for p in self.used})
        return out

    def qname(self, node: NamedNode | BlankNode) -> str:
        iri = node.value if isinstance(node, NamedNode) else BNODE_NS + node.value
        found = self.cache.get(iri)
        if found is None:
            found = self.cache[iri] = self._compact(iri)
        return found

    def _compact(self, iri: str) -> str:
        # The longest namespace after which the rest of the IRI can be written wins.
        candidates = [
            (prefix, ns) for prefix, ns in self.ns.prefixes.items() if ns and iri.startswith(ns)
        ]
        for prefix, ns in sorted(candidates, key=lambda pair: (-len(pair[1]), pair[0])):
            local = _local(iri[len(ns) :])
            if local is not None:
                self.used.add(prefix)
                return f"{prefix}:{local}"
        default = self.ns.default
        if default and iri.startswith(default):
            local = _local(iri[len(default) :])
            # "#..." alone would be read as a name local to the document (voprov's bundles)
            if local and not local.startswith("#"):
                return local
        # No prefix fits: cut after the last '/', '#' or ':' (or later, until what is
        # left can be written) and declare a new prefix for the part before.
        cut = max(iri.rfind("#"), iri.rfind("/"), iri.rfind(":")) + 1
        while (local := _local(iri[cut:])) is None:
            cut += 1
        prefix = self._new_prefix(iri[:cut])
        self.used.add(prefix)
        return f"{prefix}:{local}"

    def _new_prefix(self, namespace: str) -> str:
        for prefix, known in self.ns.prefixes.items():
            if known == namespace:
                return prefix
        number = 1
        while f"ns{number}" in self.ns.prefixes:
            number += 1
        prefix = f"ns{number}"
        self.ns.prefixes[prefix] = namespace
        return prefix


def _local(text: str) -> str | None:
    """``text`` as a PROV-N local name (PN_LOCAL) with escapes, or None if it cannot be.

    >>> _local("run/42"), _local("a=b"), _local("-x."), _local("a b")
    ('run/42', 'a\\\\=b', '\\\\-x\\\\.', None)
    """
    if not text or _PLAIN_LOCAL.match(text):
        return text
    out = []
    last = len(text) - 1
    for i, char in enumerate(text):
        if char in _ESCAPED or (char == "-" and i == 0) or (char == "." and i in (0, last)):
            out.append("\\" + char)
        elif char == "%":
            # kept as it is (PERCENT) when it starts a %XX escape, else not writable
            if i + 2 > last or text[i + 1] not in _HEX or text[i + 2] not in _HEX:
                return None
            out.append(char)
        elif char in _OTHERS or char in "_-." or _is_pn_char(char, i == 0):
            out.append(char)
        else:
            return None
    return "".join(out)


def _is_pn_char(char: str, first: bool) -> bool:
    """True for a letter or digit of PN_CHARS (PN_CHARS_BASE, digits, the combining marks)."""
    code = ord(char)
    if code < 0x80:
        return char.isalnum()
    if char.isspace():
        return False
    base = (
        0xC0 <= code <= 0xD6
        or 0xD8 <= code <= 0xF6
        or 0xF8 <= code <= 0x2FF
        or 0x370 <= code <= 0x37D
        or 0x37F <= code <= 0x1FFF
        or 0x200C <= code <= 0x200D
        or 0x2070 <= code <= 0x218F
        or 0x2C00 <= code <= 0x2FEF
        or 0x3001 <= code <= 0xD7FF
        or 0xF900 <= code <= 0xFDCF
        or 0xFDF0 <= code <= 0xFFFD
        or 0x10000 <= code <= 0xEFFFF
    )
    return base or (
        not first and (code == 0xB7 or 0x300 <= code <= 0x36F or 0x203F <= code <= 0x2040)
    )


def _record(record: Record, names: _Names) -> str:
    kind = record.kind
    if kind in RELATION_ARGS:
        return _relation(record, names)
    if kind not in _ELEMENT_KINDS:
        raise FormatError(f"PROV-N has no record kind {kind!r}")
    if record.id is None:
        raise FormatError(f"a {kind} record needs an identifier to be written in PROV-N")
    formal = ELEMENT_ARGS.get(kind, ())
    extra = set(record.args) - set(formal)
    if extra:
        raise FormatError(f"{kind} has no argument {sorted(extra)[0]!r} in PROV-N")
    parts = [names.qname(record.id)]
    if any(name in record.args for name in formal):
        parts.extend(_argument(name, record.args.get(name), names) for name in formal)
    if record.attrs:
        parts.append(_attributes(record.attrs, names))
    return f"{kind}({', '.join(parts)})"


def _relation(record: Record, names: _Names) -> str:
    kind = record.kind
    formal = RELATION_ARGS[kind]
    args = record.args
    extra = set(args) - set(formal)
    if extra:
        raise FormatError(f"{kind} has no argument {sorted(extra)[0]!r} in PROV-N")
    minimum = MIN_ARGS[kind]
    if record.id is not None or record.attrs or any(name in args for name in formal[minimum:]):
        count = len(formal)
    else:
        count = minimum
    parts = [_argument(name, args.get(name), names) for name in formal[:count]]
    if record.attrs:
        parts.append(_attributes(record.attrs, names))
    text = ", ".join(parts)
    if record.id is not None:
        text = f"{names.qname(record.id)}; {text}"
    return f"{kind}({text})"


def _argument(name: str, value: Term | None, names: _Names) -> str:
    if value is None:
        return "-"
    if name in _TIME_ARGS:
        if not isinstance(value, Literal):
            raise FormatError(f"the {name} of a record must be a literal, not {value}")
        if not DATETIME.match(value.value):
            raise FormatError(f"the {name} {value.value!r} is not an xsd:dateTime")
        return value.value
    if name == "artefactType":
        return _value(value, names)  # a string in voprov's files, written as a literal
    if isinstance(value, Literal):
        raise FormatError(f"the {name} of a record must be an identifier, not {value}")
    return names.qname(value)


def _attributes(attrs: list[tuple[NamedNode, Term]], names: _Names) -> str:
    pairs = (f"{names.qname(key)}={_value(value, names)}" for key, value in attrs)
    return f"[{', '.join(pairs)}]"


def _value(value: Term, names: _Names) -> str:
    if not isinstance(value, Literal):
        return f"'{names.qname(value)}'"
    if value.language:
        return f"{_string(value.value)}@{value.language}"
    datatype = value.datatype.value
    if datatype == _XSD_STRING:
        return _string(value.value)
    if datatype == _XSD_INT and _INT.match(value.value):
        return value.value
    return f"{_string(value.value)} %% {names.qname(value.datatype)}"


def _string(text: str) -> str:
    return f'"{text.translate(_STRING_ESCAPES)}"'
