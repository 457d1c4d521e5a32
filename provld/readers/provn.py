"""Reading PROV-N (the W3C PROV Notation), with the IVOA record kinds that voprov writes.

The ``prov`` package cannot read PROV-N, so this is a small hand-written parser: one
compiled regular expression cuts the text into tokens, and a recursive-descent parser
turns them into a :class:`~provld.model.Document`. Token positions are character offsets;
line and column are only computed when an error is raised, which keeps the loop fast.

What it reads beyond the letter of the PROV-N grammar, because real files need it:

- the IVOA element kinds (``activityDescription(id, name, [...])``...) with voprov's
  positional arguments, mapped to the attributes the PROV-JSON flavour of the same
  document carries (``prov:name``, ``prov:role``, ``voprov:contentType``...);
- looser formal arguments: ``-`` in any argument of a relation (the grammar wants the
  first ones given), an unquoted ``artefactType`` (``wasConfiguredBy(a, p, Parameter)``,
  kept as an ``xsd:string`` literal), a quoted time where a time is expected, and
  identifiers and attributes on ``alternateOf``, ``hadMember``... as on other relations;
- prefixes declared inside a bundle that the bundle's own identifier uses.

Identifiers in the namespace ``urn:provld:bnode:`` (what :mod:`provld.writers.provn`
writes for blank nodes) become blank nodes again. PROV dictionaries
(``hadDictionaryMember``, ``derivedByInsertionFrom``...) are not part of PROV-N 1.0 and
are refused with a :class:`~provld.errors.ParseError` that says so.

>>> doc = read_provn('''document
...   prefix ex <http://example.org/>
...   entity(ex:e1, [prov:label="an entity"])
...   used(ex:a1, ex:e1, 2012-03-31T09:21:00)
... endDocument''')
>>> [r.kind for r in doc.records]
['entity', 'used']
>>> doc.records[1].args["time"].value
'2012-03-31T09:21:00'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode

from provld.drafts import upgrade_drafts
from provld.errors import ParseError
from provld.model import DATETIME as MODEL_DATETIME
from provld.model import (
    DRAFT_VOPROV,
    IVOA_ELEMENTS,
    OLD_XSD,
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

__all__ = ["BNODE_NS", "read_provn"]

#: Namespace in which PROV-N names stand for blank nodes (PROV-N has none of its own).
BNODE_NS = "urn:provld:bnode:"

# Blanks and comments before a token are eaten by possessive loops (no backtracking); every
# alternative after them is one token kind, and the match's ``lastgroup`` names it.
_TOKEN = re.compile(
    r"(?:\s++|//[^\n]*+|/\*.*?\*/)*+"
    r"(?:"
    r'(?P<long>"""(?:(?:"|"")?(?:[^"\\]|\\.))*+""")'
    r'|(?P<badlong>""")'
    r'|(?P<str>"(?:[^"\\\n\r]|\\.)*+"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*)?)'
    r"|(?P<qlit>'(?:[^'\\\n\r]|\\.)*+')"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*+>)"
    r"|(?P<badcomment>/\*)"
    r"|(?P<word>(?:[^\s(),;\[\]=\"'<>\\%{}]|\\\S|%[0-9A-Fa-f]{2})++)"
    r"|(?P<punct>%%|[(),;\[\]=])"
    r"|(?P<eof>\Z)"
    r"|(?P<bad>.)"
    r")",
    re.S,
)
# The fast path: a whole record without comments, escapes or long strings in one match
# (most records are like that). Anything it does not take goes through the tokens.
_NAME = r"[A-Za-z0-9_:.#\-+@~&*?$!][A-Za-z0-9_:./#\-+@~&*?$!]*+"
# "<(>" opens a group: capturing in _FAST_ATTR, which reads the values, not in _FAST.
_VALUE = (
    r'<(>"[^"\\\n\r]*+")(?:@<(>[A-Za-z]++(?:-[A-Za-z0-9]++)*+)|\s*+%%\s*+<(>NAME))?'
    r"|'<(>NAME)'|<(>-?[0-9]++)"
).replace("NAME", _NAME)
_FAST_ATTR = re.compile(rf"\s*+,?\s*+({_NAME})\s*+=\s*+(?:{_VALUE.replace('<(>', '(')})")
_ATTR = rf"{_NAME}\s*+=\s*+(?:{_VALUE.replace('<(>', '(?:')})"
_FAST = re.compile(
    rf"\s*+([A-Za-z]++)\s*+\(\s*+(?:({_NAME})\s*+;\s*+)?({_NAME}(?:\s*+,\s*+{_NAME})*+)"
    rf"(?:\s*+,\s*+\[(\s*+(?:{_ATTR}(?:\s*+,\s*+{_ATTR})*+)?\s*+)\])?\s*+\)"
)
_INT = re.compile(r"-?[0-9]+\Z")
DATETIME = MODEL_DATETIME
PREFIX_NAME = re.compile(r"[^\W\d_](?:[\w.\-\u00b7\u0300-\u036f\u203f\u2040]*[\w\-])?\Z")
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_STRING_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_IRI_SAFE = "/:@!$&'()*+,;=-._~%"
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}

_XSD_INT = NamedNode(XSD + "int")
_XSD_DATETIME = NamedNode(XSD + "dateTime")
_QNAME_TYPES = {XSD + "QName", PROV + "QUALIFIED_NAME"}
_TIME_ARGS = {"time", "startTime", "endTime"}

_ELEMENT_KINDS = {"entity", "activity", "agent", *IVOA_ELEMENTS}
#: Mandatory arguments of each relation in the PROV-N grammar; the others may be dropped.
MIN_ARGS = {
    **{kind: 2 for kind in RELATION_ARGS},
    "used": 1,
    "wasGeneratedBy": 1,
    "wasInvalidatedBy": 1,
    "wasStartedBy": 1,
    "wasEndedBy": 1,
    "wasAssociatedWith": 1,
    "mentionOf": 3,
}
#: voprov writes some attributes of its elements as positional arguments (its
#: FORMAL_ATTRIBUTES); these are the attributes its PROV-JSON gives them.
IVOA_POSITIONAL: dict[str, tuple[str, ...]] = {
    "activityDescription": (PROV + "name",),
    "entityDescription": (PROV + "name",),
    "usageDescription": (PROV + "role",),
    "generationDescription": (PROV + "role",),
    "valueDescription": (PROV + "name", VOPROV + "valueType"),
    "datasetDescription": (PROV + "name", VOPROV + "contentType"),
    "configFileDescription": (PROV + "name", VOPROV + "contentType"),
    "parameterDescription": (PROV + "name", VOPROV + "valueType"),
    "parameter": (PROV + "name", PROV + "value"),
    "configFile": (PROV + "name", PROV + "location"),
}
#: Record kinds of PROV extensions that are not PROV-N 1.0, refused with a clear reason.
UNSUPPORTED_KINDS = {
    "hadDictionaryMember": "PROV-Dictionary",
    "derivedByInsertionFrom": "PROV-Dictionary",
    "derivedByRemovalFrom": "PROV-Dictionary",
}

Token = tuple[str, str, int]


def read_provn(
    data: str | bytes, source: str | None = None, *, local_base: str = "urn:provld:local:"
) -> Document:
    """Parse a PROV-N document; raise :class:`ParseError` with line and column if malformed.

    ``local_base`` resolves unprefixed names that start with ``#`` (voprov's bundle
    names), like :func:`provld.readers.provjson.read_provjson` does.

    >>> read_provn("document entity(e) endDocument")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    provld.errors.ParseError: <input>:1:17: no default namespace is declared for ... 'e'
    """
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            start = data.rfind(b"\n", 0, exc.start) + 1
            column = len(data[start : exc.start].decode("utf-8", "replace")) + 1
            raise ParseError(
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                source=source,
                line=line,
                column=column,
            ) from None
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte order mark is no column of the first line
    doc = _Parser(text, source, local_base).document()
    upgrade_drafts(doc)
    return doc


class _Scope:
    """Prefixes of a document or bundle, and the names already resolved in it."""

    __slots__ = ("prefixes", "default", "cache", "declared", "blanks")

    def __init__(self, parent: _Scope | None, blanks: dict[str, BlankNode]) -> None:
        self.prefixes: dict[str, str] = dict(parent.prefixes if parent else STANDARD_PREFIXES)
        self.default: str | None = parent.default if parent else None
        self.cache: dict[str, Node] = {}
        self.declared: dict[str, str] = {}
        self.blanks = blanks


class _Parser:
    def __init__(self, text: str, source: str | None, local_base: str) -> None:
        self.text = text
        self.source = source
        self.local_base = local_base
        self.rewrites: dict[str, bool] = {}
        self._next = _tokens(text, 0).__next__
        self.tok: Token = self._next()
        self.blanks: dict[str, BlankNode] = {}

    # -- errors and tokens ------------------------------------------------------------

    def error(self, message: str, pos: int | None = None) -> ParseError:
        if pos is None:
            pos = self.tok[2]
        line = self.text.count("\n", 0, pos) + 1
        column = pos - self.text.rfind("\n", 0, pos)
        return ParseError(message, source=self.source, line=line, column=column)

    def unexpected(self, expected: str) -> ParseError:
        kind, value, pos = self.tok
        if kind == "eof":
            return self.error(f"expected {expected}, found the end of the input")
        if kind.startswith("bad"):
            return self.error(_bad_token_message(kind, value))
        shown = value if len(value) <= 40 else value[:37] + "..."
        return self.error(f"expected {expected}, found {shown!r}")

    def expect(self, punct: str) -> None:
        tok = self.tok
        if tok[1] != punct or tok[0] != "punct":
            raise self.unexpected(repr(punct))
        self.tok = self._next()

    def keyword(self, word: str) -> None:
        tok = self.tok
        if tok[0] != "word" or tok[1] != word:
            raise self.unexpected(repr(word))
        self.tok = self._next()

    # -- document structure -----------------------------------------------------------

    def document(self) -> Document:
        self.keyword("document")
        scope = _Scope(None, self.blanks)
        doc = Document()
        self.statements(doc, scope, "endDocument")
        doc.namespaces = scope.declared
        self.tok = self._next()
        if self.tok[0] != "eof":
            raise self.unexpected("the end of the input after 'endDocument'")
        return doc

    def statements(self, doc: Document, scope: _Scope, end: str) -> None:
        records = doc.records
        text, fast, match = self.text, self.fast_record, _FAST.match
        pos = self.tok[2]
        while True:
            found = match(text, pos)
            while found is not None and (record := fast(found, scope)) is not None:
                records.append(record)
                pos = found.end()
                found = match(text, pos)
            self._next = _tokens(text, pos).__next__
            self.tok = self._next()
            kind, value, pos = self.tok
            if kind != "word":
                raise self.unexpected(f"a record or {end!r}")
            if value == end:
                return
            if value in ("endDocument", "endBundle"):
                raise self.error(f"expected {end!r} before {value!r}", pos)
            if value == "prefix" or value == "default":
                self.declaration(scope)
            elif value == "bundle":
                if end != "endDocument":
                    raise self.error("bundles cannot be nested: expected 'endBundle'", pos)
                self.bundle(doc, scope)
            else:
                records.append(self.record(scope))
            pos = self.tok[2]

    def declaration(self, scope: _Scope) -> None:
        is_default = self.tok[1] == "default"
        self.tok = self._next()
        name = ""
        if not is_default:
            kind, name, pos = self.tok
            if kind != "word" or not PREFIX_NAME.match(name):
                raise self.unexpected("a prefix name")
            self.tok = self._next()
        kind, iri, pos = self.tok
        if kind != "iri":
            raise self.unexpected("a namespace IRI in <...>")
        self.tok = self._next()
        iri = iri[1:-1]
        scope.declared[name] = iri
        if is_default:
            scope.default = iri
        else:
            scope.prefixes[name] = iri
        scope.cache.clear()

    def bundle(self, doc: Document, parent: _Scope) -> None:
        self.tok = self._next()
        kind, name, pos = self.tok
        if kind != "word" or name == "-":
            raise self.unexpected("the identifier of the bundle")
        self.tok = self._next()
        scope = _Scope(parent, self.blanks)
        # A bundle's own prefixes come first and its name may use them (ProvToolbox
        # writes such files), so the name is resolved once they have been read.
        while self.tok[0] == "word" and self.tok[1] in ("prefix", "default"):
            self.declaration(scope)
        colon = name.find(":")
        if colon > 0:
            use = parent if name[:colon] in parent.prefixes else scope
        else:
            use = parent if parent.default is not None else scope
        bundle_id = self.name(name, pos, use, blank=False)
        assert isinstance(bundle_id, NamedNode)
        if bundle_id in doc.bundles:
            raise self.error(f"bundle {name!r} is declared twice", pos)
        bundle = Document()
        self.statements(bundle, scope, "endBundle")
        bundle.namespaces = scope.declared
        self.tok = self._next()
        doc.bundles[bundle_id] = bundle

    # -- records ----------------------------------------------------------------------

    def record(self, scope: _Scope) -> Record:
        kind, value, kpos = self.tok
        if value in RELATION_ARGS:
            is_relation = True
        elif value in _ELEMENT_KINDS:
            is_relation = False
        elif value in UNSUPPORTED_KINDS:
            raise self.error(
                f"{value!r} belongs to {UNSUPPORTED_KINDS[value]}, an extension of PROV "
                "that this reader does not support",
                kpos,
            )
        else:
            raise self.error(f"unknown record kind {value!r}", kpos)
        self.tok = self._next()
        self.expect("(")
        ident, items, close, more = self.body()
        record = Record(value)
        # Formal arguments are resolved before the attributes are read, so that errors
        # come in the order of the text.
        if is_relation:
            self.relation(record, ident, items, close, scope)
        else:
            if ident is not None:
                raise self.error(f"{value} takes an identifier without ';'", ident[2])
            self.element(record, items, close, scope)
        if more:
            self.tok = self._next()
            record.attrs.extend(self.attributes(scope))
            self.expect(")")
        return record

    def fast_record(self, match: re.Match[str], scope: _Scope) -> Record | None:
        """The record of a :data:`_FAST` match, or None to read it token by token.

        It goes through the same checks as the token path; on any error the token path
        reads the record again, and raises with the exact position.
        """
        kind, ident, args, attrs = match.groups()
        record = Record(kind)
        items = [("word", arg.strip(), 0) for arg in args.split(",")]
        try:
            if kind in RELATION_ARGS:
                self.relation(record, ident and ("word", ident, 0) or None, items, 0, scope)
            elif kind in _ELEMENT_KINDS and ident is None:
                self.element(record, items, 0, scope)
            else:
                return None
            if attrs:
                node, name, typed = self.node, self.name, self.typed
                values = record.attrs
                for key, string, lang, datatype, qname, integer in _FAST_ATTR.findall(attrs):
                    value: Term
                    if string:
                        if lang:
                            value = Literal(string[1:-1], language=lang)
                        elif datatype:
                            value = typed(string[1:-1], datatype, 0, 0, scope)
                        else:
                            value = Literal(string[1:-1])
                    elif qname:
                        value = name(qname, 0, scope)
                    else:
                        value = Literal(integer, datatype=_XSD_INT)
                    values.append((node(("word", key, 0), scope, False), value))  # type: ignore[arg-type]
        except (ParseError, ValueError):
            return None
        return record

    def body(self) -> tuple[Token | None, list[Token], int, bool]:
        """The inside of ``kind(...)`` up to ``)`` or ``[``: identifier, positional tokens,
        the position of that ``)`` or ``[``, and whether it is ``[`` (attributes follow).
        """
        ident: Token | None = None
        items: list[Token] = []
        nxt = self._next
        tok = self.tok
        while True:
            if tok[0] == "punct":
                if tok[1] == "[" and (items or ident):
                    return ident, items, tok[2], True  # self.tok is the "["
                if tok[1] == ")" and not items and ident is None:
                    raise self.unexpected("an identifier")
                raise self.unexpected("an identifier, '-' or a value")
            if tok[0] not in ("word", "str", "qlit", "long"):
                raise self.unexpected("an identifier, '-' or a value")
            items.append(tok)
            tok = nxt()
            if tok[0] == "punct":
                sep = tok[1]
                if sep == ",":
                    tok = self.tok = nxt()
                    continue
                if sep == ")":
                    self.tok = nxt()
                    return ident, items, tok[2], False
                if sep == ";" and ident is None and len(items) == 1:
                    ident = items.pop()
                    tok = self.tok = nxt()
                    continue
            self.tok = tok
            raise self.unexpected("',' or ')'")

    def relation(
        self, record: Record, ident: Token | None, items: list[Token], close: int, scope: _Scope
    ) -> None:
        kind = record.kind
        names = RELATION_ARGS[kind]
        if ident is not None and ident[1] != "-":
            record.id = self.node(ident, scope)
        if len(items) > len(names):
            raise self.error(
                f"{kind} takes at most {len(names)} arguments ({', '.join(names)})",
                items[len(names)][2],
            )
        if len(items) < MIN_ARGS[kind]:
            count = MIN_ARGS[kind]
            raise self.error(
                f"{kind} needs at least {count} argument{'s' * (count > 1)} ({', '.join(names)})",
                close,
            )
        args = record.args
        for name, tok in zip(names, items, strict=False):
            if tok[1] == "-" and tok[0] == "word":
                continue
            if name in _TIME_ARGS:
                args[name] = self.time(tok)
            elif name == "artefactType":
                args[name] = self.loose_value(tok, scope)
            else:
                args[name] = self.node(tok, scope)

    def element(self, record: Record, items: list[Token], close: int, scope: _Scope) -> None:
        kind = record.kind
        if not items:
            raise self.error(f"{kind} needs an identifier", close)
        first = items[0]
        if first[1] == "-":
            raise self.error(f"{kind} needs an identifier, not '-'", first[2])
        record.id = self.node(first, scope)
        if kind == "activity":
            if len(items) > 3:
                raise self.error("activity takes at most an identifier and two times", items[3][2])
            for name, tok in zip(("startTime", "endTime"), items[1:], strict=False):
                if tok[1] != "-" or tok[0] != "word":
                    record.args[name] = self.time(tok)
            return
        positional = IVOA_POSITIONAL.get(kind, ())
        if len(items) > 1 + len(positional):
            raise self.error(
                f"{kind} takes {len(positional) or 'no'} arguments after its identifier",
                items[1 + len(positional)][2],
            )
        for attr, tok in zip(positional, items[1:], strict=False):
            if tok[1] == "-" and tok[0] == "word":
                continue
            record.attrs.append((NamedNode(attr), self.loose_value(tok, scope)))

    def attributes(self, scope: _Scope) -> list[tuple[NamedNode, Term]]:
        """``k = v, ...]`` after the opening bracket, up to and including ``]``."""
        attrs: list[tuple[NamedNode, Term]] = []
        nxt = self._next
        tok = self.tok
        if tok[1] == "]" and tok[0] == "punct":
            self.tok = nxt()
            return attrs
        while True:
            if tok[0] != "word":
                raise self.unexpected("an attribute name")
            key = self.node(tok, scope, blank=False)
            self.tok = nxt()
            self.expect("=")
            attrs.append((key, self.value(scope)))  # type: ignore[arg-type]
            tok = self.tok
            if tok[0] == "punct":
                if tok[1] == ",":
                    tok = self.tok = nxt()
                    continue
                if tok[1] == "]":
                    self.tok = nxt()
                    return attrs
            raise self.unexpected("',' or ']'")

    # -- values -----------------------------------------------------------------------

    def value(self, scope: _Scope) -> Term:
        """A literal in an attribute list: string, typed, language-tagged, int or 'qname'."""
        kind, text, pos = self.tok
        self.tok = self._next()
        if kind == "str" or kind == "long":
            lexical, lang = _string(text, kind)
            if self.tok[1] == "%%" and self.tok[0] == "punct":
                if lang:
                    raise self.error("a string with a language tag cannot also have a datatype")
                self.tok = self._next()
                dkind, dname, dpos = self.tok
                if dkind != "word":
                    raise self.unexpected("a datatype name after '%%'")
                self.tok = self._next()
                return self.typed(lexical, dname, pos, dpos, scope)
            if lang:
                try:
                    return Literal(lexical, language=lang)
                except ValueError:
                    raise self.error(f"invalid language tag {lang!r}", pos) from None
            return Literal(lexical)
        if kind == "qlit":
            return self.name(text[1:-1], pos + 1, scope)
        if kind == "word" and _INT.match(text):
            return Literal(text, datatype=_XSD_INT)
        self.tok = (kind, text, pos)
        raise self.unexpected("a literal (\"...\", an integer or 'prefix:name')")

    def typed(self, lexical: str, datatype: str, pos: int, dpos: int, scope: _Scope) -> Term:
        """A literal ``"lexical" %% datatype``; qualified names become nodes."""
        dtype = self.name(datatype, dpos, scope, blank=False)
        if dtype.value in _QNAME_TYPES:
            return self.name(lexical, pos, scope)
        return Literal(lexical, datatype=dtype)  # type: ignore[arg-type]

    def loose_value(self, tok: Token, scope: _Scope) -> Term:
        """A value voprov writes in a formal position: a bare token is a string."""
        kind, text, pos = tok
        if kind == "qlit":
            return self.name(text[1:-1], pos + 1, scope)
        if kind == "word":
            return Literal(_LOCAL_ESCAPE.sub(r"\1", text) if "\\" in text else text)
        lexical, lang = _string(text, kind)
        try:
            return Literal(lexical, language=lang) if lang else Literal(lexical)
        except ValueError:
            raise self.error(f"invalid language tag {lang!r}", pos) from None

    def time(self, tok: Token) -> Literal:
        kind, text, pos = tok
        if kind == "str":
            text = _string(text, kind)[0]
        elif kind != "word":
            raise self.error("expected a time (xsd:dateTime) or '-'", pos)
        if not DATETIME.match(text):
            raise self.error(f"{text!r} is not a valid xsd:dateTime", pos)
        return Literal(text, datatype=_XSD_DATETIME)

    def node(self, tok: Token, scope: _Scope, blank: bool = True) -> Node:
        """The node an identifier token names (a qualified name, or ``'qname'``)."""
        kind, text, pos = tok
        if kind == "word":
            node = scope.cache.get(text)
            if node is not None and (blank or type(node) is NamedNode):
                return node
            return self.name(text, pos, scope, blank)
        if kind == "qlit":
            return self.name(text[1:-1], pos + 1, scope, blank)
        raise self.error("expected an identifier (a qualified name)", pos)

    def name(self, text: str, pos: int, scope: _Scope, blank: bool = True) -> Node:
        """Expand a qualified name with the prefixes in scope."""
        colon = text.find(":")
        if colon > 0 and "\\" not in text[:colon]:
            prefix = text[:colon]
            ns = scope.prefixes.get(prefix)
            if ns is None:
                raise self.error(f"undeclared prefix {prefix!r} in {text!r}", pos)
            local = text[colon + 1 :]
        elif colon == 0:
            raise self.error(f"{text!r} is not a qualified name (empty prefix)", pos)
        elif text.startswith("#"):
            # voprov names its bundles "#description#...": a reference local to the
            # document, resolved as the PROV-JSON reader does.
            ns, local = self.local_base, quote(_LOCAL_ESCAPE.sub(r"\1", text), safe="")
        else:
            if scope.default is None:
                raise self.error(
                    f"no default namespace is declared for the unprefixed name {text!r}", pos
                )
            ns, local = scope.default, text
        if "\\" in local:
            local = _LOCAL_ESCAPE.sub(r"\1", local)
        rewrite = self.rewrites.get(ns)
        if rewrite is None:
            # Only a namespace that overlaps a draft or old one can give an IRI to rewrite.
            olds = (*DRAFT_VOPROV, *OLD_XSD)
            rewrite = self.rewrites[ns] = any(o.startswith(ns) or ns.startswith(o) for o in olds)
        iri = rewrite_namespace(ns + local) if rewrite else ns + local
        node: Node
        if iri.startswith(BNODE_NS) and blank:
            label = iri[len(BNODE_NS) :]
            found = scope.blanks.get(label)
            if found is None:
                try:
                    found = BlankNode(label)
                except ValueError:
                    found = BlankNode()
                scope.blanks[label] = found
            node = found
        else:
            try:
                node = NamedNode(iri)
            except ValueError:
                node = self.escaped_iri(iri, len(ns), text, pos)
            if iri.startswith(BNODE_NS):
                return node  # a NamedNode only when asked for one: not for the cache
        scope.cache[text] = node
        return node

    def escaped_iri(self, iri: str, cut: int, text: str, pos: int) -> NamedNode:
        """Percent-encode what an IRI cannot hold in the local part, as PROV-JSON's reader."""
        try:
            return NamedNode(iri[:cut] + quote(iri[cut:], safe=_IRI_SAFE))
        except ValueError as exc:
            raise self.error(f"{text!r} is not a valid IRI ({exc}): {iri!r}", pos) from None


def _tokens(text: str, pos: int) -> Iterator[Token]:
    for match in _TOKEN.finditer(text, pos):
        kind = match.lastgroup
        assert kind is not None
        yield kind, match.group(kind), match.start(kind)


def _string(token: str, kind: str) -> tuple[str, str | None]:
    """Lexical form and language tag of a string token."""
    lang = None
    if kind == "long":
        body = token[3:-3]
    else:
        end = token.rfind('"')
        if end != len(token) - 1:
            lang = token[end + 2 :]
        body = token[1:end]
    if "\\" in body:
        body = _STRING_ESCAPE.sub(_unescape, body)
    return body, lang


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    if code:
        return chr(int(code, 16))
    char = match.group(3)
    return _ECHAR.get(char, "\\" + char)


def _bad_token_message(kind: str, value: str) -> str:
    if kind == "badlong":
        return 'unterminated long string (no closing """)'
    if kind == "badcomment":
        return "unterminated comment (no closing */)"
    if value == '"':
        return 'unterminated string (no closing " on this line)'
    if value == "'":
        return "unterminated qualified name literal (no closing ')"
    if value == "<":
        return 'malformed IRI: expected <...> without spaces or <>"{}|^`\\ inside'
    if value == "\\":
        return "a backslash may only escape a character inside a name"
    return f"unexpected character {value!r}"
