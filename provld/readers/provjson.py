"""Reading PROV-JSON (W3C Member Submission), in its plain and its IVOA flavours.

The IVOA flavour is what voprov and OPUS write: extra record kinds
(``activityDescription``, ``parameter``, ``wasConfiguredBy``, ``isDescribedBy``...),
description and configuration bundles, ``prov:name`` for names. The 2017/18 drafts
(RAVE examples) add draft namespaces, draft kinds (``activityFlow``, ``hadStep``) and
draft attribute names; :mod:`provld.drafts` brings those to the REC.

Blank identifiers (``_:id1``) are local to their bundle: voprov reuses them in every bundle.

>>> doc = read_provjson(b'{"prefix": {"ex": "http://ex.org/"},'
...                     b' "entity": {"ex:e": {"prov:label": "an entity"}}}')
>>> doc.records[0].kind, doc.records[0].id.value
('entity', 'http://ex.org/e')
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode

from provld.drafts import DRAFT_TOUCHED, KIND_RENAMES, upgrade_drafts
from provld.errors import ParseError
from provld.model import (
    DATETIME,
    DRAFT_ARGS,
    ELEMENT_ARGS,
    IVOA_ELEMENTS,
    PROV,
    RELATION_ARGS,
    VOPROV,
    XSD,
    Document,
    Node,
    Record,
    Term,
    rewrite_namespace,
)
from provld.qnames import STANDARD_PREFIXES
from provld.readers import read_json

_ELEMENT_KINDS = {"entity", "activity", "agent", *IVOA_ELEMENTS}
_DRAFT_KINDS = {"activityFlow", "hadStep"}
_DRAFT_ARGS = DRAFT_ARGS
_XSD_DATETIME = NamedNode(XSD + "dateTime")
_XSD_STRING = NamedNode(XSD + "string")
_XSD_INT = NamedNode(XSD + "int")
_XSD_DOUBLE = NamedNode(XSD + "double")
_XSD_BOOLEAN = NamedNode(XSD + "boolean")
_QNAME_TYPES = {XSD + "QName", PROV + "QUALIFIED_NAME"}
_TIME = DATETIME
#: URI schemes that are taken as absolute IRIs, not as undeclared prefixes.
_SCHEMES = {"http", "https", "urn", "file", "ivo", "ftp", "mailto", "doi", "tag", "uuid"}
_PROV_TYPE = PROV + "type"
_ARG, _ATTR, _REF, _TYPE = object(), object(), object(), object()
_TIMES = {"time", "startTime", "endTime"}
#: Attributes whose string values name other records (voprov writes them unquoted).
_REFERENCES = {VOPROV + "descriptor"}


def read_provjson(
    data: bytes | str, source: str | None = None, *, local_base: str = "urn:provld:local:"
) -> Document:
    """Parse a PROV-JSON document.

    ``local_base`` resolves identifiers that are neither prefixed nor absolute (bundle
    names like ``#description#entities`` that voprov writes).
    """
    reader = _Reader(source, local_base)
    doc = reader.document(_parse(data, source), None, "")
    upgrade_drafts(doc)
    return doc


def stream_provjson(
    data: bytes | str, source: str | None = None, *, local_base: str = "urn:provld:local:"
) -> tuple[Document, Iterator[Record]]:
    """A PROV-JSON document read record by record, for big documents: the records come
    as they are read, so that they can be mapped and stored meanwhile.

    Returns the document (its prefixes; its bundles once the records are all read) and
    the records, each once, bundles' included. Records the draft upgrade may change
    (:data:`provld.drafts.DRAFT_TOUCHED`: a few parameters) come last, upgraded with
    every identifier of the document known, as :func:`read_provjson` does.
    """
    top = _parse(data, source)
    reader = _Reader(source, local_base)
    scope = reader.scope(top, None, "")
    doc = reader.header(scope)

    def records() -> Iterator[Record]:
        ids: set[object] = set()
        later: list[Record] = []
        for key in list(top):
            section = top.pop(key)
            if key == "prefix":
                continue
            if key == "bundle":
                for bundle_id, bundle in reader.bundles(section, scope, "").items():
                    upgrade_drafts(bundle)
                    doc.bundles[bundle_id] = bundle
                    for record in bundle.all_records():
                        ids.add(record.id)
                        yield record
                continue
            for record in reader.section(key, section, scope, ""):
                ids.add(record.id)
                if record.kind in DRAFT_TOUCHED:
                    later.append(record)
                else:
                    yield record
        rest = Document(namespaces=doc.namespaces, records=later)
        upgrade_drafts(rest, ids)
        yield from rest.records

    return doc, records()


def _parse(data: bytes | str, source: str | None) -> dict[str, Any]:
    top = read_json(data, source)
    if not isinstance(top, dict):
        raise ParseError(
            f"a PROV-JSON document is a JSON object, not {type(top).__name__}", source=source
        )
    return top


class _Reader:
    def __init__(self, source: str | None, local_base: str) -> None:
        self.source = source
        self.local_base = local_base

    def fail(self, where: str, message: str) -> ParseError:
        return ParseError(f"{where}: {message}" if where else message, source=self.source)

    def scope(self, top: dict[str, Any], parent: _Scope | None, where: str) -> _Scope:
        prefixes = top.get("prefix", {})
        if not isinstance(prefixes, dict):
            raise self.fail(where, "'prefix' must be an object")
        return _Scope(self, prefixes, parent, where)

    def header(self, scope: _Scope) -> Document:
        """An empty document with the prefixes of ``scope``."""
        doc = Document(namespaces=dict(scope.prefixes))
        if scope.default is not None:
            doc.namespaces[""] = scope.default
        return doc

    def document(self, top: dict[str, Any], parent: _Scope | None, where: str) -> Document:
        scope = self.scope(top, parent, where)
        doc = self.header(scope)
        # Sections are taken out of the parsed JSON as they are read, so that the JSON and
        # the records are not both whole in memory for a big document.
        for key in list(top):
            section = top.pop(key)
            if key == "prefix":
                continue
            if key == "bundle":
                doc.bundles.update(self.bundles(section, scope, where))
                continue
            doc.records.extend(self.section(key, section, scope, where))
        return doc

    def bundles(self, section: Any, scope: _Scope, where: str) -> dict[NamedNode, Document]:
        if not isinstance(section, dict):
            raise self.fail(where, "'bundle' must be an object")
        out = {}
        for name, content in section.items():
            bundle_id = scope.iri(name, f"{where}bundle {name!r}")
            if not isinstance(content, dict):
                raise self.fail(where, f"bundle {name!r} must be an object")
            assert isinstance(bundle_id, NamedNode)
            out[bundle_id] = self.document(content, scope, f"{where}bundle {name}: ")
        return out

    def section(self, key: str, section: Any, scope: _Scope, where: str) -> Iterator[Record]:
        """The records of one section (``"entity": {...}``)."""
        kind = KIND_RENAMES.get(key, key)
        if kind not in _ELEMENT_KINDS and kind not in RELATION_ARGS and kind not in _DRAFT_KINDS:
            raise self.fail(where, f"unknown record kind {key!r}")
        if not isinstance(section, dict):
            raise self.fail(where, f"{key!r} must be an object of records")
        for rid, body in section.items():
            bodies = body if isinstance(body, list) else [body]
            for one in bodies:
                if not isinstance(one, dict):
                    raise self.fail(where, f"{key} {rid!r}: a record must be an object")
                members = one.get("prov:entity")
                if kind == "hadMember" and isinstance(members, list):
                    # PROV-JSON lets one hadMember list several members
                    for member in members:
                        yield scope.record(kind, rid, {**one, "prov:entity": member})
                    continue
                yield scope.record(kind, rid, one)


def _where(context: str | tuple[str, ...]) -> str:
    """Where in the document an error is: ``used 'ex:u1' prov:time``."""
    if isinstance(context, str):
        return context
    kind, rid, *key = context
    return f"{kind} {rid!r}" + (f" {key[0]}" if key else "")


class _Scope:
    """Prefixes and blank identifiers of one document or bundle."""

    prefixes: dict[str, str]

    def __init__(
        self, reader: _Reader, prefixes: dict[str, Any], parent: _Scope | None, where: str
    ) -> None:
        self.reader = reader
        self.where = where
        base: dict[str, str] = dict(parent.prefixes) if parent else dict(STANDARD_PREFIXES)
        self.default: str | None = parent.default if parent else None
        for prefix, ns in prefixes.items():
            if not isinstance(ns, str):
                raise reader.fail(where, f"prefix {prefix!r} must map to a string")
            ns = rewrite_namespace(ns)
            if prefix == "default":
                self.default = ns
            else:
                base[prefix] = ns
        self.prefixes = base
        self.blanks: dict[str, BlankNode] = {}
        self.cache: dict[str, Node] = {}
        self.keys: dict[tuple[str, str], tuple[object, Any]] = {}
        self.strings: dict[str, Literal] = {}

    def iri(self, name: str, context: str | tuple[str, ...]) -> Node:
        node = self.cache.get(name)
        if node is not None:
            return node
        if name.startswith("_:"):
            node = self.blanks.get(name)
            if node is None:
                node = self.blanks[name] = BlankNode()
            self.cache[name] = node
            return node
        prefix, sep, local = name.partition(":")
        if name.startswith("#"):
            # A relative reference (voprov's bundle names): local to this document.
            iri = self.reader.local_base + quote(name, safe="")
        elif sep and prefix in self.prefixes:
            iri = self.prefixes[prefix] + local
        elif sep and (prefix.lower() in _SCHEMES or local.startswith("//")):
            iri = rewrite_namespace(name)  # declared prefixes were rewritten already
        elif sep:
            raise self.reader.fail(
                self.where, f"{_where(context)}: undeclared prefix {prefix!r} in {name!r}"
            )
        elif self.default is not None:
            iri = self.default + name
        else:
            iri = self.reader.local_base + quote(name, safe="")
        try:
            node = NamedNode(iri)
        except ValueError:
            # voprov names bundles like "#description#entities": keep the name, escaped.
            cut = len(iri) - len(local if sep else name)
            try:
                node = NamedNode(iri[:cut] + quote(iri[cut:], safe="/:@!$&'()*+,;=-._~"))
            except ValueError:
                raise self.reader.fail(
                    self.where, f"{_where(context)}: {name!r} is not a valid IRI"
                ) from None
        self.cache[name] = node
        return node

    def record(self, kind: str, rid: str, body: dict[str, Any]) -> Record:
        rec = Record(kind, self.iri(rid, (kind, rid)))
        args, attrs = rec.args, rec.attrs
        keys = self.keys
        for key, value in body.items():
            how = keys.get((kind, key))
            if how is None:
                how = keys[(kind, key)] = self.key(kind, rid, key)
            role, name = how
            if role is _ARG:
                args[name] = self.argument(name, value, (kind, rid, key))
            elif type(value) is str and role is _ATTR:
                literal = self.strings.get(value)
                if literal is None:
                    literal = self.strings[value] = Literal(value)
                attrs.append((name, literal))
            else:
                values = value if isinstance(value, list) else [value]
                if role is _REF and all(isinstance(v, str) for v in values):
                    attrs.extend((name, self.iri(v, (kind, rid, key))) for v in values)
                else:
                    is_type = role is _TYPE
                    attrs.extend((name, self.value(v, (kind, rid, key), is_type)) for v in values)
        if kind in RELATION_ARGS and isinstance(rec.id, BlankNode):
            # Blank relation keys only make records distinct in JSON: no identity.
            rec.id = None
        return rec

    def key(self, kind: str, rid: str, key: str) -> tuple[object, Any]:
        """How a key of a record of ``kind`` is read: formal argument or attribute."""
        attr = self.iri(key, (kind, rid))
        assert isinstance(attr, NamedNode)
        iri = attr.value
        formal: tuple[str, ...] = (
            RELATION_ARGS.get(kind) or ELEMENT_ARGS.get(kind) or _DRAFT_ARGS.get(kind) or ()
        )
        for ns in (PROV, VOPROV):
            if iri.startswith(ns) and iri[len(ns) :] in formal:
                return _ARG, iri[len(ns) :]
        if iri in _REFERENCES:
            return _REF, attr
        if iri == _PROV_TYPE:
            return _TYPE, attr
        return _ATTR, attr

    def argument(self, arg: str, value: Any, context: tuple[str, ...]) -> Term:
        where = context
        if arg in _TIMES:
            text = value.get("$") if isinstance(value, dict) else value
            if not isinstance(text, str) or not _TIME.match(text.strip()):
                raise self.reader.fail(
                    self.where, f"{_where(where)}: {text!r} is not an xsd:dateTime"
                )
            return Literal(text.strip(), datatype=_XSD_DATETIME)
        if arg == "artefactType":
            text = value.get("$") if isinstance(value, dict) else value
            return Literal(str(text))
        if isinstance(value, dict):
            value = value.get("$")
        if not isinstance(value, str):
            raise self.reader.fail(
                self.where, f"{_where(where)}: expected an identifier, got {value!r}"
            )
        return self.iri(value, where)

    def value(self, value: Any, where: tuple[str, ...], is_type: bool) -> Term:
        if isinstance(value, str):
            if is_type and ":" in value:
                prefix = value.split(":", 1)[0]
                if prefix in self.prefixes:
                    return self.iri(value, where)
            return Literal(value)
        if isinstance(value, bool):
            return Literal("true" if value else "false", datatype=_XSD_BOOLEAN)
        if isinstance(value, int):
            return Literal(str(value), datatype=_XSD_INT)
        if isinstance(value, float):
            return Literal(repr(value), datatype=_XSD_DOUBLE)
        if isinstance(value, dict) and "$" in value:
            text = value["$"]
            if isinstance(text, bool):
                text = "true" if text else "false"
            elif not isinstance(text, str):
                text = json.dumps(text)
            if "lang" in value:
                return Literal(text, language=str(value["lang"]))
            if "type" in value:
                dtype = self.iri(str(value["type"]), where)
                if dtype.value in _QNAME_TYPES:
                    return self.iri(text, where)
                return Literal(text, datatype=dtype)  # type: ignore[arg-type]
            return Literal(text)
        raise self.reader.fail(self.where, f"{_where(where)}: cannot read the value {value!r}")
