"""Reading PROV-JSONLD (W3C Member Submission, Moreau & Huynh) into the PROV record model.

PROV-JSONLD is JSON-LD whose remote context (``https://openprovenance.org/prov-jsonld/
context.jsonld``) gives short keys a PROV meaning: one node per statement in ``@graph``,
``"@type": "Usage"`` with ``activity``, ``entity`` and ``time``, ``"Derivation"`` with
``generatedEntity`` and ``usedEntity``, bundles as ``"Bundle"`` nodes with their own
``@graph``. A JSON-LD processor would have to fetch that context, which provld never does
while reading, and would give typed nodes rather than PROV-O anyway; so documents are read
here directly, as the PROV-JSON reader reads PROV-JSON, and the context URL is only
recognised. Any other remote context is refused: provld fetches nothing.

What it reads beyond the submission's schema, because real files need it:

- ProvToolbox's 2020 dialect: ``"@type": "prov:Entity"``, ``"prov:type"`` keys and the
  context ``http://openprovenance.org/prov-jsonld.json``;
- subtypes as ``@type`` (``Person``, ``Plan``, ``Revision``...), read as the base kind
  with a ``prov:type``, and ``Mention`` (``specificEntity``, ``generalEntity``,
  ``bundle``), which the submission leaves out;
- ``atTime``, ``startedAtTime``, ``endedAtTime`` for ``time``, ``startTime``, ``endTime``;
- ``@vocab`` as the default namespace (as the ``prov`` package writes it), ``@base``, and
  an inline copy of the PROV-JSONLD context.

Errors name the node (``@graph[2] Derivation``) and, found again in the text, its line
and column.

>>> doc = read_provjsonld('''{"@context": [{"ex": "http://example.org/"},
...     "https://openprovenance.org/prov-jsonld/context.jsonld"],
...   "@graph": [{"@type": "Usage", "activity": "ex:a", "entity": "ex:e",
...               "time": "2024-05-01T10:00:00Z"}]}''')
>>> rec = doc.records[0]
>>> rec.kind, rec.args["entity"].value, rec.args["time"].value
('used', 'http://example.org/e', '2024-05-01T10:00:00Z')
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any
from urllib.parse import quote, urljoin

from pyoxigraph import BlankNode, Literal, NamedNode

from provld.drafts import upgrade_drafts
from provld.errors import ParseError
from provld.model import (
    DATETIME,
    ELEMENT_ARGS,
    PROV,
    RELATION_ARGS,
    XSD,
    Document,
    Node,
    Record,
    Term,
    rewrite_namespace,
)
from provld.qnames import STANDARD_PREFIXES
from provld.readers import read_json

#: The namespace of the submission's extension ontology (Specialization, Membership...).
PROVEXT = "https://openprovenance.org/ns/provext#"

#: ``@type`` names of PROV-JSONLD → (record kind, the ``prov:type`` the name implies).
STATEMENT_TYPES: dict[str, tuple[str, str | None]] = {
    "Entity": ("entity", None),
    "Activity": ("activity", None),
    "Agent": ("agent", None),
    "Person": ("agent", "Person"),
    "Organization": ("agent", "Organization"),
    "SoftwareAgent": ("agent", "SoftwareAgent"),
    "Plan": ("entity", "Plan"),
    "Collection": ("entity", "Collection"),
    "EmptyCollection": ("entity", "EmptyCollection"),
    "Usage": ("used", None),
    "Generation": ("wasGeneratedBy", None),
    "Invalidation": ("wasInvalidatedBy", None),
    "Start": ("wasStartedBy", None),
    "End": ("wasEndedBy", None),
    "Communication": ("wasInformedBy", None),
    "Derivation": ("wasDerivedFrom", None),
    "Revision": ("wasDerivedFrom", "Revision"),
    "Quotation": ("wasDerivedFrom", "Quotation"),
    "PrimarySource": ("wasDerivedFrom", "PrimarySource"),
    "Attribution": ("wasAttributedTo", None),
    "Association": ("wasAssociatedWith", None),
    "Delegation": ("actedOnBehalfOf", None),
    "Influence": ("wasInfluencedBy", None),
    "Specialization": ("specializationOf", None),
    "Alternate": ("alternateOf", None),
    "Membership": ("hadMember", None),
    "Mention": ("mentionOf", None),
}

# The context URLs of the submission and its drafts, and ProvToolbox's older one.
_URL = (
    r"(?:https?://(?:www\.)?openprovenance\.(?:org|sussex\.ac\.uk)/prov-jsonld"
    r"|https?://www\.w3\.org/submissions/(?:\d{4}/SUBM-)?prov-jsonld)[\w./-]*"
)
_CONTEXT_URL = re.compile(_URL)
_QUOTED_CONTEXT_URL = re.compile(f'"{_URL}"')
_BARE_TYPE = re.compile(r'"@type"\s*:\s*(?:\[\s*)?"(' + "|".join(STATEMENT_TYPES) + r')"')
_PROV_VOCAB = re.compile(r'"@vocab"\s*:\s*"' + re.escape(PROV) + '"')
#: URI schemes taken as absolute IRIs, not as undeclared prefixes.
_SCHEMES = {"http", "https", "urn", "file", "ivo", "ftp", "mailto", "doi", "tag", "uuid"}
_ALIASES = {"atTime": "time", "startedAtTime": "startTime", "endedAtTime": "endTime"}
_SPECIAL = {"type", "label", "location", "role", "value"}
#: Keys the context types ``@id``: their string values name things.
_ID_TYPED = {PROV + "type", PROV + "role", PROV + "location"}
_QNAME_TYPES = {XSD + "QName", PROV + "QUALIFIED_NAME"}
_TIMES = {"time", "startTime", "endTime"}
_XSD_DATETIME, _XSD_DOUBLE = NamedNode(XSD + "dateTime"), NamedNode(XSD + "double")
_XSD_BOOLEAN, _XSD_INTEGER = NamedNode(XSD + "boolean"), NamedNode(XSD + "integer")
_PROV_TYPE = NamedNode(PROV + "type")
_BUNDLE_TYPES = {"Bundle", "prov:Bundle", PROV + "Bundle"}

Path = tuple[str | int, ...]
#: Where a value is: its path in the JSON (to find line and column) and how to name it.
At = tuple[Path, str]


def is_provjsonld(data: bytes) -> bool:
    """True when ``data`` looks like PROV-JSONLD rather than plain JSON-LD or PROV-JSON:
    its context names a PROV-JSONLD context URL, or its nodes use PROV-JSONLD ``@type``
    names (``"Entity"``, ``"Usage"``...) without mapping them to PROV-O by ``@vocab``.
    Only the first 64 KiB are looked at.

    >>> is_provjsonld(b'{"@context": "https://openprovenance.org/prov-jsonld/context.jsonld"}')
    True
    >>> is_provjsonld(b'{"@graph": [{"@id": "ex:e", "@type": "prov:Entity"}]}')
    False
    """
    head = data[:65536].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if head[:1] not in ("{", "["):
        return False
    if _QUOTED_CONTEXT_URL.search(head):
        return True
    return _BARE_TYPE.search(head) is not None and _PROV_VOCAB.search(head) is None


def read_provjsonld(
    data: bytes | str, source: str | None = None, *, local_base: str = "urn:provld:local:"
) -> Document:
    """Parse a PROV-JSONLD document.

    ``local_base`` resolves identifiers that are neither prefixed nor absolute when the
    context sets no ``@base`` or ``@vocab``.
    """
    top = read_json(data, source, what="invalid JSON: ")
    doc = _Reader(data, source, local_base).document(top)
    upgrade_drafts(doc)
    return doc


class _Scope:
    """What the contexts in force say: prefixes, ``@vocab`` and ``@base``."""

    def __init__(self, parent: _Scope | None = None) -> None:
        self.prefixes: dict[str, str] = dict(parent.prefixes if parent else STANDARD_PREFIXES)
        self.vocab: str | None = parent.vocab if parent else None
        self.base: str | None = parent.base if parent else None
        self.names: dict[str, NamedNode] = {}  # identifiers already read in this scope

    def namespaces(self) -> dict[str, str]:
        return {**self.prefixes, "": self.vocab} if self.vocab else dict(self.prefixes)


class _Reader:
    def __init__(self, data: bytes | str, source: str | None, local_base: str) -> None:
        self.data = data
        self.source = source
        self.local_base = local_base
        # JSON-LD blank node labels are scoped to the whole document, bundles included.
        self.blanks: dict[str, BlankNode] = {}

    def fail(self, at: At, message: str) -> ParseError:
        path, where = at
        line = column = None
        offset = _locate(self.data, path)
        if offset is not None:
            text = _text(self.data)
            line = text.count("\n", 0, offset) + 1
            column = offset - text.rfind("\n", 0, offset)
        message = f"{where}: {message}" if where else message
        return ParseError(message, source=self.source, line=line, column=column)

    # -- document, context, graph -------------------------------------------------------

    def document(self, top: Any) -> Document:
        if not isinstance(top, dict):
            kind = type(top).__name__
            raise self.fail(((), ""), f"a PROV-JSONLD document is a JSON object, not {kind}")
        scope = _Scope()
        if "@context" in top:
            scope = self.context(top["@context"], scope, (("@context",), "@context"))
        if "@graph" not in top:
            raise self.fail(((), ""), "no @graph: PROV-JSONLD lists its statements in @graph")
        for key in top:
            if key not in ("@context", "@graph", "@type"):
                raise self.fail(((key,), ""), f"unexpected key {key!r} in the document")
        if top.get("@type", "Document") not in ("Document", "prov:Document"):
            raise self.fail((("@type",), ""), f"@type {top['@type']!r}, not 'Document'")
        doc = Document(namespaces=scope.namespaces())
        self.graph(top["@graph"], scope, (("@graph",), ""), doc, nested=False)
        return doc

    def context(self, value: Any, parent: _Scope, at: At) -> _Scope:
        scope = _Scope(parent)
        (path, where), listed = at, isinstance(value, list)
        for i, item in enumerate(value if listed else [value]):
            here = ((*path, i), where) if listed else at
            if item is None:
                scope = _Scope()  # JSON-LD: null resets the context
            elif isinstance(item, str) and not _CONTEXT_URL.fullmatch(item):
                raise self.fail(
                    here,
                    f"remote context {item!r} is not the PROV-JSONLD context, and provld "
                    "fetches nothing: declare its prefixes in an inline @context object",
                )
            elif isinstance(item, dict):
                self.context_object(item, scope, here)
            elif not isinstance(item, str):
                raise self.fail(here, f"a context is a URL or an object, not {item!r}")
        return scope

    def context_object(self, obj: dict[str, Any], scope: _Scope, at: At) -> None:
        entity = obj.get("Entity")
        if isinstance(entity, dict) and entity.get("@id") in ("prov:Entity", PROV + "Entity"):
            # An inline copy of the PROV-JSONLD context: this reader knows its terms
            # already; only its prefixes matter.
            obj = {k: v for k, v in obj.items() if isinstance(v, str)}
        for key, value in obj.items():
            here = ((*at[0], key), at[1])
            if key == "@version":
                continue
            if value is not None and not isinstance(value, str):
                raise self.fail(
                    here,
                    f"cannot read the definition of {key!r}: a PROV-JSONLD "
                    "context declares prefixes, each mapped to a string",
                )
            iri = None if value is None else rewrite_namespace(self.expand(value, scope))
            if key == "@vocab":
                scope.vocab = iri
            elif key == "@base":
                scope.base = iri
            elif key.startswith("@"):
                raise self.fail(here, f"context keyword {key!r} is not supported")
            elif iri is None:
                scope.prefixes.pop(key, None)
            else:
                scope.prefixes[key] = iri

    def graph(self, nodes: Any, scope: _Scope, at: At, doc: Document, *, nested: bool) -> None:
        path, where = at
        if not isinstance(nodes, list):
            raise self.fail(at, "@graph must be a JSON array of statements")
        for i, node in enumerate(nodes):
            here = ((*path, i), f"{where}@graph[{i}]")
            if not isinstance(node, dict):
                raise self.fail(here, f"a statement is a JSON object, not {node!r}")
            local = scope
            if "@context" in node:
                local = self.context(node["@context"], scope, ((*here[0], "@context"), here[1]))
            if "@graph" in node or _is_bundle(node.get("@type")):
                self.bundle(node, local, here, doc, nested=nested)
            else:
                doc.records.extend(self.statement(node, local, here))

    def bundle(
        self, node: dict[str, Any], scope: _Scope, at: At, doc: Document, *, nested: bool
    ) -> None:
        if "@graph" not in node:
            # A bundle described, not given: PROV-N's entity(b, [prov:type='prov:Bundle']).
            types = [*_as_list(node.get("type")), "prov:Bundle"]
            doc.records.extend(
                self.statement({**node, "@type": "Entity", "type": types}, scope, at)
            )
            return
        (path, where), name = at, node.get("@id")
        at = (path, f"{where} Bundle" + (f" {name!r}" if isinstance(name, str) else ""))
        if nested:
            raise self.fail(at, "a bundle cannot contain another bundle")
        if not _is_bundle(node.get("@type")):
            raise self.fail(at, "a node with @graph must have the @type 'Bundle'")
        if not isinstance(name, str):
            raise self.fail(at, "a bundle needs an @id")
        for key in node:
            if key not in ("@type", "@id", "@context", "@graph"):
                raise self.fail(((*path, key), at[1]), f"unexpected key {key!r} in a bundle")
        bundle_id = self.iri(name, scope, ((*path, "@id"), at[1]))
        if not isinstance(bundle_id, NamedNode):
            raise self.fail(at, "a bundle is named by an IRI, not a blank node")
        bundle = doc.bundles.get(bundle_id)
        if bundle is None:
            bundle = doc.bundles[bundle_id] = Document(namespaces=scope.namespaces())
        else:  # JSON-LD merges the contents of graphs that share a name
            bundle.namespaces.update(scope.namespaces())
        self.graph(node["@graph"], scope, ((*path, "@graph"), f"{at[1]} "), bundle, nested=True)

    # -- one statement ------------------------------------------------------------------

    def statement(self, node: dict[str, Any], scope: _Scope, at: At) -> list[Record]:
        (path, where), rid = at, node.get("@id")
        if rid is not None and not isinstance(rid, str):
            raise self.fail(((*path, "@id"), where), f"@id must be a string, not {rid!r}")
        named = " ".join(w for w in (where, repr(rid) if rid else "") if w)
        kind, extra_types, type_text = self.kind(node.get("@type"), scope, (path, named))
        where = " ".join(w for w in (where, type_text, repr(rid) if rid else "") if w)
        record = Record(kind)
        if rid is not None:
            record.id = self.iri(rid, scope, ((*path, "@id"), where))
        elif kind not in RELATION_ARGS:
            raise self.fail((path, where), "an element (entity, activity, agent) needs an @id")
        record.attrs.extend((_PROV_TYPE, t) for t in extra_types)
        formal = RELATION_ARGS.get(kind) or ELEMENT_ARGS.get(kind) or ()
        members: list[Node] = []
        for key, value in node.items():
            here = ((*path, key), f"{where} {key}")
            if key in ("@type", "@id", "@context") or value is None:
                continue
            if key.startswith("@"):
                raise self.fail((here[0], where), f"{key!r} is not part of PROV-JSONLD")
            name = key[5:] if key.startswith("prov:") else key
            name = _ALIASES.get(name, name)
            if name not in formal:
                attr = self.key(key, name, scope, (here[0], where), (type_text, formal))
                for v in _as_list(value):
                    term = self.value(v, scope, here, id_typed=attr.value in _ID_TYPED)
                    if term is not None:
                        record.attrs.append((attr, term))
            elif kind == "hadMember" and name == "entity" and isinstance(value, list):
                members.extend(self.reference(v, scope, here) for v in value)
            else:
                record.args[name] = self.argument(name, value, scope, here)
        # The submission lets one Membership list several members: one record each.
        return [
            Record(kind, record.id, {**record.args, "entity": m}, list(record.attrs))
            for m in members
        ] or [record]

    def kind(self, value: Any, scope: _Scope, at: At) -> tuple[str, list[Term], str]:
        """The record kind a node's ``@type`` gives, the ``prov:type`` values it adds, and
        the type name to use in messages."""
        if value is None:
            raise self.fail(at, "a statement needs an @type (Entity, Usage...)")
        here = ((*at[0], "@type"), at[1])
        kinds: list[tuple[str, str]] = []
        extra: list[Term] = []
        for name in _as_list(value):
            if not isinstance(name, str):
                raise self.fail(here, f"@type must be a string, not {name!r}")
            known = self.statement_type(name, scope)
            if known is not None:
                kinds.append((known[0], name))
                if known[1] is not None:
                    extra.append(NamedNode(PROV + known[1]))
            elif isinstance(value, list):
                extra.append(self.iri(name, scope, here))  # other types are prov:type values
        if not kinds:
            close = difflib.get_close_matches(str(value), [*STATEMENT_TYPES, "Bundle"], 1)
            hint = f"did you mean {close[0]!r}?" if close else "Entity, Usage..."
            raise self.fail(here, f"unknown type {value!r}: not a PROV-JSONLD type ({hint})")
        if len({k for k, _ in kinds}) > 1:
            raise self.fail(here, f"@type {value!r} mixes statements of different kinds")
        # "Agent" + "Person" is an agent typed prov:Person: name it by the subtype.
        return kinds[-1][0], extra, kinds[-1][1]

    def statement_type(self, name: str, scope: _Scope) -> tuple[str, str | None] | None:
        if name in STATEMENT_TYPES:
            return STATEMENT_TYPES[name]
        iri = self.expand(name, scope)
        for ns in (PROV, PROVEXT):
            if iri.startswith(ns) and iri[len(ns) :] in STATEMENT_TYPES:
                return STATEMENT_TYPES[iri[len(ns) :]]
        return None

    def key(
        self, key: str, name: str, scope: _Scope, at: At, statement: tuple[str, tuple[str, ...]]
    ) -> NamedNode:
        """The attribute IRI of a key that is not a formal argument; ``statement`` (type
        name, formal arguments) is for the error message."""
        if name in _SPECIAL:
            return NamedNode(PROV + name)
        if ":" in key:
            attr = self.iri(key, scope, at)
            if isinstance(attr, NamedNode):
                return attr
            raise self.fail(at, f"{key!r} is a blank node, not an attribute name")
        if scope.vocab is not None:
            return self.node(scope.vocab + key, at)
        type_text, formal = statement
        takes = f"{type_text} takes {', '.join(formal)}; o" if formal else "O"
        raise self.fail(at, f"unknown key {key!r} ({takes}ther attributes need a prefix)")

    # -- values -------------------------------------------------------------------------

    def argument(self, arg: str, value: Any, scope: _Scope, at: At) -> Term:
        if isinstance(value, list):
            raise self.fail(at, f"takes one value, not a list: {value!r}")
        if arg in _TIMES:
            text = value.get("@value") if isinstance(value, dict) else value
            if not isinstance(text, str) or not DATETIME.match(text.strip()):
                raise self.fail(at, f"{text!r} is not an xsd:dateTime")
            return Literal(text.strip(), datatype=_XSD_DATETIME)
        return self.reference(value, scope, at)

    def reference(self, value: Any, scope: _Scope, at: At) -> Node:
        if isinstance(value, dict) and set(value) == {"@id"}:
            value = value["@id"]
        if not isinstance(value, str):
            raise self.fail(at, f"expected an identifier, got {value!r}")
        return self.iri(value, scope, at)

    def value(self, value: Any, scope: _Scope, at: At, *, id_typed: bool = False) -> Term | None:
        if value is None:
            return None  # JSON-LD drops nulls
        if isinstance(value, str):
            return self.name_or_string(value, scope) if id_typed else Literal(value)
        if isinstance(value, bool):
            return Literal("true" if value else "false", datatype=_XSD_BOOLEAN)
        if isinstance(value, int):
            return Literal(str(value), datatype=_XSD_INTEGER)
        if isinstance(value, float):
            return Literal(repr(value), datatype=_XSD_DOUBLE)
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self.reference(value, scope, at)
        if isinstance(value, dict) and "@value" in value:
            return self.value_object(value, scope, at)
        raise self.fail(
            at,
            f"cannot read the value {value!r}: expected a string, a number "
            "or a value object with @value",
        )

    def value_object(self, value: dict[str, Any], scope: _Scope, at: At) -> Term | None:
        text, dtype, lang = value["@value"], value.get("@type"), value.get("@language")
        if set(value) - {"@value", "@type", "@language"} or not isinstance(
            text, str | int | float | bool | None
        ):
            raise self.fail(at, f"cannot read the value object {value!r}")
        if dtype is not None and lang is not None:
            raise self.fail(at, "a value has an @type or an @language, not both")
        if text is None:
            return None
        if lang is not None:
            if not isinstance(lang, str) or not isinstance(text, str):
                raise self.fail(at, f"cannot read the language string {value!r}")
            try:
                return Literal(text, language=lang)
            except ValueError:
                raise self.fail(at, f"{lang!r} is not a language tag") from None
        if dtype is None:
            return self.value(text, scope, at)
        if not isinstance(dtype, str):
            raise self.fail(at, f"the @type of a value must be a string, not {dtype!r}")
        text = ("true" if text else "false") if isinstance(text, bool) else str(text)
        datatype = self.iri(dtype, scope, at)
        if not isinstance(datatype, NamedNode):
            raise self.fail(at, f"a datatype is an IRI, not {dtype!r}")
        if datatype.value in _QNAME_TYPES:
            return self.iri(text, scope, at)
        return Literal(text, datatype=datatype)

    def name_or_string(self, value: str, scope: _Scope) -> Term:
        """A value of ``type``, ``role`` or ``location``: a qualified name when it is one
        in scope, else kept as the string it is (``"role": ["somerole"]``)."""
        prefix, sep, _ = value.partition(":")
        if (prefix in scope.prefixes or prefix.lower() in _SCHEMES) if sep else scope.vocab:
            try:
                return self.iri(value, scope, ((), ""))
            except ParseError:
                pass
        return Literal(value)

    # -- names --------------------------------------------------------------------------

    def expand(self, name: str, scope: _Scope, *, at: At | None = None) -> str:
        """``prefix:local`` or an absolute IRI as a full IRI, rewritten from draft
        namespaces. Given ``at``, a prefix that is neither declared nor a URI scheme is an
        error there."""
        prefix, sep, local = name.partition(":")
        if sep and prefix in scope.prefixes and not local.startswith("//"):
            return scope.prefixes[prefix] + local  # declared prefixes were rewritten already
        if sep and at and prefix.lower() not in _SCHEMES and not local.startswith("//"):
            raise self.fail(at, f"undeclared prefix {prefix!r} in {name!r}")
        return rewrite_namespace(name)

    def iri(self, name: str, scope: _Scope, at: At) -> Node:
        known = scope.names.get(name)
        if known is not None:
            return known
        if name.startswith("_:"):
            blank = self.blanks.get(name)
            if blank is None:
                blank = self.blanks[name] = BlankNode()
            return blank
        if ":" in name:
            iri = self.expand(name, scope, at=at)
        elif scope.base is not None:
            iri = urljoin(scope.base, name)
        elif scope.vocab is not None:
            iri = scope.vocab + name  # what the prov package means by @vocab
        else:
            iri = self.local_base + quote(name, safe="")
        node = scope.names[name] = self.node(iri, at)
        return node

    def node(self, iri: str, at: At) -> NamedNode:
        try:
            return NamedNode(iri)
        except ValueError:
            raise self.fail(at, f"{iri!r} is not a valid IRI") from None


def _is_bundle(types: Any) -> bool:
    return any(isinstance(t, str) and t in _BUNDLE_TYPES for t in _as_list(types))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    return data.decode(json.detect_encoding(data), errors="replace")


def _skip(text: str, pos: int) -> int:
    """The offset of the first non-blank character from ``pos``."""
    while pos < len(text) and text[pos] in " \t\n\r":
        pos += 1
    return pos


def _locate(data: bytes | str, path: Path) -> int | None:
    """Offset in the text of the value at ``path`` (of the key, when the path ends with
    one), found by walking the JSON again: only done when an error is reported.

    >>> _locate('{"a": [1, {"b": 2}]}', ("a", 1, "b"))
    11
    """
    text = _text(data)
    scan = json.JSONDecoder().raw_decode  # parses one value at an offset, gives its end
    try:
        pos = _skip(text, 1 if text.startswith("\ufeff") else 0)
        for n, step in enumerate(path):
            if isinstance(step, int):
                if text[pos] != "[":
                    return None
                pos = _skip(text, pos + 1)
                for _ in range(step):
                    pos = _skip(text, scan(text, pos)[1])
                    if text[pos] != ",":
                        return None
                    pos = _skip(text, pos + 1)
                continue
            if text[pos] != "{":
                return None
            pos, found = _skip(text, pos + 1), None
            while text[pos] == '"':
                start = pos
                key, pos = scan(text, pos)
                pos = _skip(text, _skip(text, pos) + 1)  # past the ':'
                if key == step:  # the last one wins, as in json.loads
                    found = start if n == len(path) - 1 else pos
                pos = _skip(text, scan(text, pos)[1])
                if text[pos] == ",":
                    pos = _skip(text, pos + 1)
            if found is None:
                return None
            pos = found
        return pos
    except (IndexError, ValueError):
        return None
