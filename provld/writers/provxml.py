"""Writing PROV-XML (W3C Note), IVOA record kinds included.

PROV kinds are written as ``prov:`` elements and IVOA kinds (``parameter``,
``wasConfiguredBy``...) as ``voprov:`` elements, all with ``prov:id`` and ``prov:ref``.
Children follow the order of the PROV-XML schema: the formal arguments, then the
attributes ``prov:label``, ``prov:location``, ``prov:role``, ``prov:type``,
``prov:value`` and the others in their order. Attribute values that are not plain strings
carry ``xsi:type`` (``xsd:QName`` for qualified names), language-tagged strings
``xml:lang``. Subtypes are written as the base element with a ``prov:type``
(``prov:entity`` typed ``prov:Plan``, not ``prov:plan``), which the schema allows and
every reader understands. The ``xsd`` prefix is declared as
``http://www.w3.org/2001/XMLSchema`` (no ``#``), as in the PROV-XML Note.

PROV-XML has no blank nodes: they are written as IRIs in the invented namespace
``urn:provld:bnode:`` (prefix ``bnode`` unless the document uses that prefix), which
:mod:`provld.readers.provxml` reads back as blank nodes.

>>> from provld.model import Document, Record, NamedNode, Literal
>>> doc = Document({"ex": "http://ex.org/"})
>>> doc.add(Record("entity", NamedNode("http://ex.org/e"), attrs=[
...     (NamedNode("http://www.w3.org/ns/prov#label"), Literal("an entity", language="en"))]))
>>> print(write_provxml(doc).decode())  # doctest: +NORMALIZE_WHITESPACE
<?xml version="1.0" encoding="UTF-8"?>
<prov:document xmlns:prov="http://www.w3.org/ns/prov#"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:voprov="http://www.ivoa.net/documents/ProvenanceDM/index.html#"
    xmlns:ex="http://ex.org/">
  <prov:entity prov:id="ex:e">
    <prov:label xml:lang="en">an entity</prov:label>
  </prov:entity>
</prov:document>
"""

from __future__ import annotations

import re

from pyoxigraph import BlankNode, Literal, NamedNode

from provld.errors import FormatError
from provld.model import (
    ELEMENT_ARGS,
    IVOA_ELEMENTS,
    PROV,
    RELATION_ARGS,
    VOPROV,
    VOPROV_RELATIONS,
    XSD,
    Document,
    Node,
    Record,
    Term,
    arg_namespace,
)
from provld.qnames import Namespaces

XSI = "http://www.w3.org/2001/XMLSchema-instance"
BNODE_NS = "urn:provld:bnode:"
_XSD_STRING = XSD + "string"
_INDENT = "  "
_PROV_KINDS = {"entity", "activity", "agent", *RELATION_ARGS} - VOPROV_RELATIONS
_IVOA_KINDS = {*IVOA_ELEMENTS, *VOPROV_RELATIONS}
# Attribute order of the PROV-XML schema; every other attribute comes after, in its order.
_ATTR_RANK = {PROV + name: rank for rank, name in enumerate(("label", "location", "role"))}
_ATTR_RANK |= {PROV + "type": 3, PROV + "value": 4}
# Prefixes whose meaning the writer fixes; a document cannot rebind them.
_FIXED = {"prov": PROV, "xsd": XSD, "voprov": VOPROV, "xsi": XSI, "xml": "", "xmlns": ""}

_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME = _START + r"\-.0-9\u00b7\u0300-\u036f\u203f\u2040"
_NCNAME = re.compile(f"^[{_START}][{_NAME}]*$")
_NAME_TAIL = re.compile(f"[{_NAME}]*$")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPE = re.compile("[&<>\r]")
_ATTR_ESCAPE = re.compile('[&<>"\r\n\t]')
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "\r": "&#13;",
    "\n": "&#10;",
    "\t": "&#9;",
}


def write_provxml(doc: Document) -> bytes:
    """Serialise ``doc`` and its bundles as PROV-XML, UTF-8, with an XML declaration.

    Raises :class:`~provld.errors.FormatError` for what XML cannot hold: control
    characters in a literal, an attribute IRI that ends in no XML name.
    """
    writer = _Writer(doc)
    body: list[str] = []
    writer.records(doc.records, 1, body)
    for bundle in doc.bundles.values():
        writer.merge_prefixes(bundle.namespaces)
    for bundle_id, bundle in doc.bundles.items():
        body.append(f'{_INDENT}<prov:bundleContent prov:id="{writer.qname(bundle_id)}">')
        writer.records(bundle.records, 2, body)
        body.append(f"{_INDENT}</prov:bundleContent>")
    head = ['<?xml version="1.0" encoding="UTF-8"?>', writer.root_tag()]
    return "\n".join([*head, *body, "</prov:document>", ""]).encode("utf-8")


class _Writer:
    def __init__(self, doc: Document) -> None:
        self.ns = Namespaces()
        self.declared: list[str] = []  # the document's own prefixes, in its order
        self.merge_prefixes(doc.namespaces)
        self.default = doc.namespaces.get("")
        self.used: set[str] = set()
        self.qnames: dict[Node, str] = {}
        self.elements: dict[str, str] = {}
        self.blank_labels: dict[BlankNode, str] = {}

    def merge_prefixes(self, namespaces: dict[str, str]) -> None:
        for prefix, ns in namespaces.items():
            if not prefix or not _NCNAME.match(prefix) or prefix.lower().startswith("xml"):
                continue
            if prefix in _FIXED:
                continue  # rebinding prov: or xsi: would change what the elements mean
            if prefix in self.ns.prefixes:
                continue  # a bundle may rebind a prefix: its IRIs get another one
            self.ns.prefixes[prefix] = ns
            self.declared.append(prefix)

    def root_tag(self) -> str:
        decls = [
            ("prov", PROV),
            ("xsd", XSD.rstrip("#")),  # the XML Schema namespace name, as PROV-XML uses it
            ("xsi", XSI),
            ("voprov", VOPROV),
        ]
        for prefix in self.declared:
            decls.append((prefix, self.ns.prefixes[prefix]))
        for prefix in sorted(self.used - {p for p, _ in decls}):
            decls.append((prefix, self.ns.prefixes[prefix]))
        if self.default:
            decls.append(("", self.default))
        attrs = "\n    ".join(f'xmlns{":" if p else ""}{p}="{_attr(ns)}"' for p, ns in decls)
        return f"<prov:document {attrs}>"

    # -- names ---------------------------------------------------------------------------

    def qname(self, node: Node) -> str:
        """``prefix:local`` for an identifier or a reference (an attribute value)."""
        text = self.qnames.get(node)
        if text is None:
            if isinstance(node, BlankNode):
                label = self.blank_labels.setdefault(node, f"b{len(self.blank_labels) + 1}")
                if "bnode" not in self.ns.prefixes:
                    self.ns.prefixes["bnode"] = BNODE_NS
                iri = BNODE_NS + label
            else:
                iri = node.value
            text = self.ns.compact(iri)
            self.used.add(text.partition(":")[0])
            self.qnames[node] = _attr(text)
        return self.qnames[node]

    def element(self, iri: str) -> str:
        """``prefix:local`` for an attribute IRI, whose local part must be an XML name."""
        name = self.elements.get(iri)
        if name is None:
            prefix, _, local = self.ns.compact(iri).partition(":")
            if not _NCNAME.match(local):
                tail = _NAME_TAIL.search(iri)
                cut = tail.start() if tail else len(iri)
                while cut < len(iri) and not _NCNAME.match(iri[cut:]):
                    cut += 1  # a name cannot start with a digit, '-' or '.'
                if cut == len(iri):
                    raise FormatError(f"attribute {iri} cannot be written as an XML element name")
                prefix, local = self._prefix_for(iri[:cut]), iri[cut:]
            self.used.add(prefix)
            name = self.elements[iri] = f"{prefix}:{local}"
        return name

    def _prefix_for(self, ns: str) -> str:
        for prefix, known in self.ns.prefixes.items():
            if known == ns:
                return prefix
        n = 1
        while f"ns{n}" in self.ns.prefixes:
            n += 1
        self.ns.prefixes[f"ns{n}"] = ns
        return f"ns{n}"

    # -- records -------------------------------------------------------------------------

    def records(self, records: list[Record], level: int, out: list[str]) -> None:
        indent = _INDENT * level
        inner = indent + _INDENT
        for record in records:
            kind = record.kind
            if kind in _PROV_KINDS:
                tag = f"prov:{kind}"
            elif kind in _IVOA_KINDS:
                tag = f"voprov:{kind}"
            else:
                raise FormatError(f"record kind {kind!r} cannot be written as PROV-XML")
            head = f"{indent}<{tag}"
            if record.id is not None:
                head += f' prov:id="{self.qname(record.id)}"'
            children = self.arguments(record, inner)
            children.extend(self.attributes(record, inner))
            if children:
                out.append(head + ">")
                out.extend(children)
                out.append(f"{indent}</{tag}>")
            else:
                out.append(head + "/>")

    def arguments(self, record: Record, indent: str) -> list[str]:
        if not record.args:
            return []
        formal = RELATION_ARGS.get(record.kind) or ELEMENT_ARGS.get(record.kind, ())
        extra = set(record.args) - set(formal)
        if extra:
            raise FormatError(f"record kind {record.kind!r} has no argument {sorted(extra)[0]!r}")
        space = "voprov" if arg_namespace(record.kind) == VOPROV else "prov"
        out = []
        for arg in formal:
            value = record.args.get(arg)
            if value is None:
                continue
            if isinstance(value, Literal):
                out.append(f"{indent}<{space}:{arg}>{_text(value.value)}</{space}:{arg}>")
            else:
                out.append(f'{indent}<{space}:{arg} prov:ref="{self.qname(value)}"/>')
        return out

    def attributes(self, record: Record, indent: str) -> list[str]:
        attrs = sorted(record.attrs, key=lambda pair: _ATTR_RANK.get(pair[0].value, 5))
        return [self.attribute(attr, value, indent) for attr, value in attrs]

    def attribute(self, attr: NamedNode, value: Term, indent: str) -> str:
        tag = self.element(attr.value)
        if isinstance(value, NamedNode | BlankNode):
            return f'{indent}<{tag} xsi:type="xsd:QName">{self.qname(value)}</{tag}>'
        text = _text(value.value)
        if value.language:
            return f'{indent}<{tag} xml:lang="{_attr(value.language)}">{text}</{tag}>'
        if value.datatype.value == _XSD_STRING:
            return f"{indent}<{tag}>{text}</{tag}>"
        return f'{indent}<{tag} xsi:type="{self.qname(value.datatype)}">{text}</{tag}>'


def _text(value: str) -> str:
    if _NOT_XML.search(value):
        raise FormatError(f"{value[:40]!r}: a character XML 1.0 cannot hold")
    if _TEXT_ESCAPE.search(value):
        return _TEXT_ESCAPE.sub(lambda m: _ESCAPES[m.group()], value)
    return value


def _attr(value: str) -> str:
    if _NOT_XML.search(value):
        raise FormatError(f"{value[:40]!r}: a character XML 1.0 cannot hold")
    if _ATTR_ESCAPE.search(value):
        return _ATTR_ESCAPE.sub(lambda m: _ESCAPES[m.group()], value)
    return value
