"""Reading PROV-XML (W3C Note), in its plain and its IVOA flavours, safe against hostile XML.

The input is parsed by :mod:`xml.parsers.expat` with handlers that build the records as
elements close, so no element tree is ever built and memory holds only the
:class:`~provld.model.Document`. Any DOCTYPE is refused before its internal subset is
read, so entity expansion (billion laughs) and external entities (XXE) never happen.

Besides the W3C form (``prov:entity prov:id=...``, ``prov:used`` with ``prov:ref``
children, subtype elements such as ``prov:person`` or ``prov:wasRevisionOf``), the reader
accepts what voprov writes: a ``voprov:document`` root, every record element in the
``voprov:`` namespace, ``voprov:id``/``voprov:ref``, IVOA kinds (``voprov:parameter``,
``voprov:wasConfiguredBy``...) and attributes whose value is a reference
(``<voprov:descriptor voprov:ref="..."/>``). ProvToolbox's old ``prov:bundle`` element
holding records is read as a bundle. ``prov:other`` is skipped, as the schema intends.

Identifiers in the ``urn:provld:bnode:`` namespace, which :mod:`provld.writers.provxml`
invents for blank nodes, are read back as blank nodes (one per label and document).

>>> doc = read_provxml(b'''<prov:document xmlns:prov="http://www.w3.org/ns/prov#"
...     xmlns:ex="http://ex.org/"><prov:used><prov:activity prov:ref="ex:a"/>
...     <prov:entity prov:ref="ex:e"/><prov:time>2024-01-02T03:04:05Z</prov:time>
...     </prov:used></prov:document>''')
>>> rec = doc.records[0]
>>> rec.kind, rec.args["entity"].value, rec.args["time"].value
('used', 'http://ex.org/e', '2024-01-02T03:04:05Z')
>>> read_provxml(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>')  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
provld.errors.ParseError: <input>:1:...: DOCTYPE declarations are refused (entities ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO, NoReturn
from urllib.parse import quote
from xml.parsers import expat

from pyoxigraph import BlankNode, Literal, NamedNode

from provld.drafts import KIND_RENAMES, upgrade_drafts
from provld.errors import FormatError, ParseError
from provld.model import (
    DATETIME,
    DRAFT_ARGS,
    ELEMENT_ARGS,
    IVOA_ELEMENTS,
    PROV,
    RDF,
    RELATION_ARGS,
    VOPROV,
    VOPROV_RELATIONS,
    XSD,
    Document,
    Node,
    Record,
    Term,
    rewrite_namespace,
)
from provld.qnames import STANDARD_PREFIXES

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
#: Where the writer puts blank nodes, which PROV-XML cannot name.
BNODE_NS = "urn:provld:bnode:"
#: Where identifiers that are neither prefixed nor resolvable go (voprov's ``#bundle``).
LOCAL_BASE = "urn:provld:local:"

# A character no XML document can contain, so it cannot clash with a namespace or a name.
_SEP = "\x1f"
_CHUNK = 1 << 20
_TIME_ARGS = {"time", "startTime", "endTime"}
_TIME = DATETIME
_XSD_DATETIME = NamedNode(XSD + "dateTime")
_QNAME_TYPES = {XSD + "QName", PROV + "QUALIFIED_NAME"}
_STRING_TYPES = {XSD + "string", PROV + "InternationalizedString", RDF + "langString"}
_PROV_TYPE = NamedNode(PROV + "type")
#: URI schemes taken as absolute IRIs in ``prov:ref``, not as undeclared prefixes.
_SCHEMES = {"http", "https", "urn", "file", "ivo", "ftp", "mailto", "doi", "tag", "uuid"}
# Draft kinds that provld.drafts rewrites after reading (as the PROV-JSON reader does).
_DRAFT_ARGS = DRAFT_ARGS

_Kind = tuple[str, NamedNode | None]  # (record kind, prov:type the element name implies)
_Where = tuple[int, int]  # line and 1-based column


def _subtypes(kind: str, *elements: str) -> dict[str, _Kind]:
    """Subtype elements (``prov:softwareAgent``) and the ``prov:type`` each implies."""
    return {e: (kind, NamedNode(PROV + e[0].upper() + e[1:])) for e in elements}


_PROV_KINDS: dict[str, _Kind] = {
    **{k: (k, None) for k in ("entity", "activity", "agent")},
    **{k: (k, None) for k in RELATION_ARGS if k not in VOPROV_RELATIONS},
    **_subtypes("agent", "person", "organization", "softwareAgent"),
    **_subtypes("entity", "plan", "collection", "emptyCollection", "bundle"),
    **_subtypes("entity", "dictionary", "emptyDictionary"),
    "wasRevisionOf": ("wasDerivedFrom", NamedNode(PROV + "Revision")),
    "wasQuotedFrom": ("wasDerivedFrom", NamedNode(PROV + "Quotation")),
    "hadPrimarySource": ("wasDerivedFrom", NamedNode(PROV + "PrimarySource")),
}
# voprov writes PROV kinds in its own namespace too; there ``collection`` is the IVOA kind.
_VOPROV_KINDS: dict[str, _Kind] = {
    **_PROV_KINDS,
    **{k: (k, None) for k in IVOA_ELEMENTS},
    **{k: (k, None) for k in VOPROV_RELATIONS},
    **{k: (v, None) for k, v in KIND_RENAMES.items()},
    **{k: (k, None) for k in _DRAFT_ARGS},
}
#: PROV-Dictionary relations: the record model has no place for their key-entity pairs.
_UNSUPPORTED = {"hadDictionaryMember", "derivedByInsertionFrom", "derivedByRemovalFrom"}
_INVALID_TOKEN = expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN]


def read_provxml(
    data: bytes | BinaryIO, source: str | None = None, *, local_base: str = LOCAL_BASE
) -> Document:
    """Parse a PROV-XML document given as bytes, or as a binary file read in chunks.

    Raises :class:`~provld.errors.ParseError` (with line and 1-based column) for malformed
    or hostile XML and for content that is not PROV-XML, and
    :class:`~provld.errors.FormatError` for PROV-Dictionary relations.
    """
    return _Reader(source, local_base).run(data)


@dataclass(slots=True)
class _Pending:
    """A record element being read."""

    kind: str
    id: Node | None
    formal: tuple[str, ...]
    where: _Where
    attrs: list[tuple[NamedNode, Term]] = field(default_factory=list)
    args: dict[str, Term] = field(default_factory=dict)
    members: list[Term] = field(default_factory=list)  # hadMember may list several entities
    children: int = 0
    maybe_bundle: bool = False  # a prov:bundle element, which may hold records


@dataclass(slots=True)
class _Child:
    """An argument or attribute element of a record being read."""

    ns: str
    local: str
    label: str
    ref: str | None
    xsi_type: str | None
    lang: str | None
    where: _Where
    text: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, source: str | None, local_base: str) -> None:
        self.source = source
        self.local_base = local_base
        p = self.parser = expat.ParserCreate(namespace_separator=_SEP)
        p.namespace_prefixes = True
        p.buffer_text = True
        p.StartDoctypeDeclHandler = self._refuse_doctype
        # unreachable once the DOCTYPE is refused; kept in case expat ever reports one first
        p.EntityDeclHandler = p.UnparsedEntityDeclHandler = self._refuse_entity
        p.ExternalEntityRefHandler = self._refuse_entity
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.XmlDeclHandler = self._xml_decl
        p.StartNamespaceDeclHandler = self._start_ns
        p.EndNamespaceDeclHandler = self._end_ns
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._text
        self.encoding: str | None = None
        self.ns: dict[str, str] = {}  # in-scope prefixes, "" for the default namespace
        self.ns_saved: dict[str, list[str | None]] = {}
        self.new_ns: dict[str, str] = {}  # declared on the element about to start
        self.names: dict[str, tuple[str, str, str]] = {}
        self.keys: dict[str, str | None] = {}  # attribute name -> id, ref, type, lang or None
        self.nodes: dict[str, Node] = {}  # QName -> node, valid while self.ns is unchanged
        self.attr_nodes: dict[str, NamedNode] = {}  # attribute element IRI -> node
        self.blanks: dict[str, BlankNode] = {}
        self.depth = 0
        self.skip = 0  # depth inside a skipped prov:other
        self.doc: Document | None = None
        self.container: Document | None = None
        self.bundle_depth = -1
        self.record: _Pending | None = None
        self.child: _Child | None = None

    # -- driving expat -------------------------------------------------------------------

    def run(self, data: bytes | BinaryIO) -> Document:
        parse = self.parser.Parse
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                if not len(data):
                    raise ParseError("empty document", source=self.source, line=1, column=1)
                view = memoryview(data)
                for start in range(0, len(view), _CHUNK):
                    parse(view[start : start + _CHUNK], False)
            else:
                while chunk := data.read(_CHUNK):
                    parse(chunk, False)
            parse(b"", True)
        except expat.ExpatError as exc:
            reason = expat.ErrorString(exc.code) or str(exc)
            reason = self._utf8_reason(data, exc) or reason
            raise ParseError(
                reason, source=self.source, line=exc.lineno, column=exc.offset + 1
            ) from None
        assert self.doc is not None  # expat reports "no element found" otherwise
        upgrade_drafts(self.doc)
        return self.doc

    def _utf8_reason(self, data: bytes | BinaryIO, exc: expat.ExpatError) -> str | None:
        """Say "not valid UTF-8" where expat only says "invalid token"."""
        utf8 = (self.encoding or "utf-8").lower() in ("utf-8", "utf8")
        if utf8 and isinstance(data, bytes) and exc.code == _INVALID_TOKEN:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as err:
                return f"not valid UTF-8 at byte {err.start}"
        return None

    def pos(self) -> _Where:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def fail(self, message: str, where: _Where | None = None) -> ParseError:
        line, column = where or self.pos()
        return ParseError(message, source=self.source, line=line, column=column)

    def _refuse_doctype(self, name: str, *_: object) -> NoReturn:
        raise self.fail(
            f"DOCTYPE declarations are refused (entities and external references in "
            f"XML are unsafe and PROV-XML needs none): <!DOCTYPE {name}>"
        )

    def _refuse_entity(self, name: str | None, *_: object) -> NoReturn:
        raise self.fail(f"entity declarations and references are refused: {name!r}")

    def _xml_decl(self, version: str, encoding: str | None, standalone: int) -> None:
        self.encoding = encoding

    # -- namespaces ----------------------------------------------------------------------

    def _start_ns(self, prefix: str | None, uri: str | None) -> None:
        key = prefix or ""
        self.ns_saved.setdefault(key, []).append(self.ns.get(key))
        if uri:
            self.ns[key] = uri
        else:
            self.ns.pop(key, None)
        self.new_ns[key] = uri or ""
        self.nodes.clear()

    def _end_ns(self, prefix: str | None) -> None:
        key = prefix or ""
        previous = self.ns_saved[key].pop()
        if previous is None:
            self.ns.pop(key, None)
        else:
            self.ns[key] = previous
        self.nodes.clear()

    def split(self, name: str) -> tuple[str, str, str]:
        """``(namespace, local, label)`` of an expat name; label is ``prefix:local``."""
        parts = self.names.get(name)
        if parts is None:
            pieces = name.split(_SEP)
            if len(pieces) == 1:
                parts = ("", name, name)
            else:
                ns = pieces[0] if pieces[0] == XSI else rewrite_namespace(pieces[0])
                label = f"{pieces[2]}:{pieces[1]}" if len(pieces) == 3 else pieces[1]
                parts = (ns, pieces[1], label)
            self.names[name] = parts
        return parts

    def special(self, attrs: dict[str, str]) -> dict[str, str]:
        """The attributes PROV-XML gives a meaning: prov:id, prov:ref (or voprov:),
        xsi:type and xml:lang, keyed by local name."""
        out = {}
        for key, value in attrs.items():
            local = self.keys.get(key, "")
            if local == "":
                ns, local, _ = self.split(key)
                known = (ns in (PROV, VOPROV) and local in ("id", "ref")) or (ns, local) in (
                    (XSI, "type"),
                    (XML_NS, "lang"),
                )
                local = self.keys[key] = local if known else None
            if local is not None:
                out[local] = value
        return out

    def node(self, qname: str, where: _Where | None = None) -> Node:
        """The node a ``prefix:local`` reference names, with the in-scope namespaces."""
        qname = qname.strip()
        node = self.nodes.get(qname)
        if node is not None:
            return node
        if not qname:
            raise self.fail("empty qualified name", where)
        prefix, sep, local = qname.partition(":")
        default = self.ns.get("")
        if sep:
            ns = self.ns.get(prefix) or STANDARD_PREFIXES.get(prefix)
            if ns is not None:
                iri = ns + local
            elif prefix.lower() in _SCHEMES or local.startswith("//"):
                iri = qname
            else:
                raise self.fail(f"undeclared prefix {prefix!r} in {qname!r}", where)
        elif default is not None and _valid_iri(default + qname):
            iri = default + qname
        else:
            iri = self.local_base + quote(qname, safe="")
        iri = rewrite_namespace(iri)
        if iri.startswith(BNODE_NS):
            label = iri[len(BNODE_NS) :]
            node = self.blanks.get(label)
            if node is None:
                node = self.blanks[label] = BlankNode()
        else:
            try:
                node = NamedNode(iri)
            except ValueError:
                raise self.fail(f"{qname!r} is not a valid IRI", where) from None
        self.nodes[qname] = node
        return node

    # -- elements ------------------------------------------------------------------------

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        depth = self.depth
        self.depth += 1
        declared, self.new_ns = self.new_ns, {}
        if self.skip:
            self.skip += 1
            return
        ns, local, label = self.split(name)
        if depth == 0:
            if local != "document" or ns not in (PROV, VOPROV):
                raise self.fail(f"the root element is <{label}>, not <prov:document>")
            self.doc = self.container = Document(namespaces=_namespaces(declared))
            return
        if self.child is not None:
            raise self.fail(
                f"unexpected element <{label}> inside <{self.child.label}>: "
                "attribute values are text or a reference"
            )
        record = self.record
        if record is not None:
            record.children += 1
            if not (record.maybe_bundle and record.children == 1 and self._kind(ns, local)):
                self._start_child(ns, local, label, attrs)
                return
            # ProvToolbox's old form of a bundle: <prov:bundle prov:id=..> holding records
            self.record = None
            self._open_bundle(record.id, depth - 1, {}, label)
        if ns == PROV and local == "other":
            self.skip = 1
            return
        if local == "bundleContent" and ns in (PROV, VOPROV):
            bundle_id = self.special(attrs).get("id")
            node = self.node(bundle_id) if bundle_id is not None else None
            self._open_bundle(node, depth, declared, label)
            return
        self._start_record(ns, local, label, attrs)

    def _kind(self, ns: str, local: str) -> _Kind | None:
        if ns == PROV:
            return _PROV_KINDS.get(local)
        if ns == VOPROV:
            return _VOPROV_KINDS.get(local)
        return None

    def _open_bundle(
        self, bundle_id: Node | None, depth: int, declared: dict[str, str], label: str
    ) -> None:
        assert self.doc is not None
        if self.container is not self.doc:
            raise self.fail(f"<{label}> inside a bundle: bundles cannot be nested")
        if not isinstance(bundle_id, NamedNode):
            raise self.fail(f"<{label}> needs a prov:id naming the bundle")
        bundle = self.doc.bundles.get(bundle_id)
        if bundle is None:
            bundle = self.doc.bundles[bundle_id] = Document(namespaces=_namespaces(declared))
        self.container = bundle
        self.bundle_depth = depth

    def _start_record(self, ns: str, local: str, label: str, attrs: dict[str, str]) -> None:
        kind = self._kind(ns, local)
        if kind is None:
            if ns == PROV and local in _UNSUPPORTED:
                where = f"{self.source or '<input>'}:{self.parser.CurrentLineNumber}"
                raise FormatError(f"{where}: PROV-Dictionary relation <{label}> is not supported")
            raise self.fail(f"unknown element <{label}>: not a PROV or IVOA record kind")
        name, implied_type = kind
        special = self.special(attrs)
        record_id: Node | None = None
        if "id" in special:
            record_id = self.node(special["id"])
        elif name not in RELATION_ARGS and name != "hadStep":
            record_id = BlankNode()  # PROV-XML makes ids optional, PROV-DM does not
        formal = RELATION_ARGS.get(name) or ELEMENT_ARGS.get(name) or _DRAFT_ARGS.get(name, ())
        maybe_bundle = local == "bundle" and ns == PROV
        record = self.record = _Pending(
            name, record_id, formal, self.pos(), maybe_bundle=maybe_bundle
        )
        if implied_type is not None:
            record.attrs.append((_PROV_TYPE, implied_type))
        if "type" in special:  # xsi:type on a record: PROV-XML's other way to give a subtype
            record.attrs.append((_PROV_TYPE, self.node(special["type"])))

    def _start_child(self, ns: str, local: str, label: str, attrs: dict[str, str]) -> None:
        special = self.special(attrs)
        ref, xsi_type, lang = special.get("ref"), special.get("type"), special.get("lang")
        self.child = _Child(ns, local, label, ref, xsi_type, lang, self.pos())

    def _text(self, data: str) -> None:
        if self.child is not None:
            self.child.text.append(data)

    def _end(self, name: str) -> None:
        self.depth -= 1
        if self.skip:
            self.skip -= 1
        elif self.child is not None:
            self._end_child(self.child)
            self.child = None
        elif self.record is not None:
            self._end_record(self.record)
            self.record = None
        elif self.depth == self.bundle_depth:
            self.container = self.doc
            self.bundle_depth = -1

    def _end_child(self, child: _Child) -> None:
        record = self.record
        assert record is not None
        where = child.where
        if child.local in record.formal and child.ns in (PROV, VOPROV):
            arg = child.local
            text = "".join(child.text).strip()
            value: Term
            if arg in _TIME_ARGS:
                if not _TIME.match(text):
                    raise self.fail(f"<{child.label}>: {text!r} is not an xsd:dateTime", where)
                value = Literal(text, datatype=_XSD_DATETIME)
            elif arg == "artefactType":
                value = Literal(text)
            elif child.ref is None:
                raise self.fail(f"<{child.label}> needs a prov:ref attribute", where)
            else:
                value = self.node(child.ref, where)
            if record.kind == "hadMember" and arg == "entity":
                record.members.append(value)
            elif arg in record.args:
                raise self.fail(f"<{child.label}> is repeated", where)
            else:
                record.args[arg] = value
            return
        if not child.ns:
            raise self.fail(f"attribute element <{child.label}> has no namespace", where)
        attr = self.node_attr(child.ns + child.local, where)
        record.attrs.append((attr, self._value(child)))

    def node_attr(self, iri: str, where: _Where) -> NamedNode:
        node = self.attr_nodes.get(iri)
        if node is None:
            try:
                node = self.attr_nodes[iri] = NamedNode(iri)
            except ValueError:
                raise self.fail(f"{iri!r} is not a valid attribute IRI", where) from None
        return node

    def _value(self, child: _Child) -> Term:
        where = child.where
        text = "".join(child.text)
        if child.ref is not None:
            return self.node(child.ref, where)
        datatype = None
        if child.xsi_type is not None:
            dt = self.node(child.xsi_type, where)
            if not isinstance(dt, NamedNode):
                raise self.fail(f"xsi:type {child.xsi_type!r} is not a datatype", where)
            if dt.value in _QNAME_TYPES:
                return self.node(text, where)
            if dt.value not in _STRING_TYPES:
                datatype = dt
        try:
            if datatype is not None:
                # XSD collapses whitespace for every type but strings
                return Literal(text.strip(), datatype=datatype)
            if child.lang:
                return Literal(text, language=child.lang)
        except ValueError as exc:
            raise self.fail(f"<{child.label}>: {exc}", where) from None
        return Literal(text)

    def _end_record(self, pending: _Pending) -> None:
        assert self.container is not None
        records = self.container.records
        for member in pending.members:  # one hadMember record per entity
            args = {**pending.args, "entity": member}
            records.append(Record(pending.kind, pending.id, args, list(pending.attrs)))
        if pending.members:
            return
        records.append(Record(pending.kind, pending.id, pending.args, pending.attrs))


def _namespaces(declared: dict[str, str]) -> dict[str, str]:
    """The prefixes declared on a document or bundle element, as the model keeps them."""
    out = {}
    for prefix, uri in declared.items():
        if prefix in ("xsi", "xml") or uri in (XSI, XML_NS) or not uri:
            continue
        out[prefix] = rewrite_namespace(uri)
    return out


def _valid_iri(iri: str) -> bool:
    try:
        NamedNode(iri)
    except ValueError:
        return False
    return True
