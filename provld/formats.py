"""The one registry of formats: names, media types, extensions, readers and writers.

Ingest, export, the command line's ``--format`` and the web's content negotiation all ask
this module. RDF formats are pyoxigraph's :class:`~pyoxigraph.RdfFormat`, which stays the
source of their media types and extensions; the PROV formats and the output-only ones are
added beside them.

>>> lookup("turtle").media_type
'text/turtle'
>>> lookup("application/json").name
'provjson'
>>> lookup(".provn").name
'provn'
>>> guess(path="run42.trig").name
'trig'
>>> guess(content=b'{"entity": {}}').name
'provjson'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from pyoxigraph import RdfFormat

from provld.errors import FormatError


@dataclass(frozen=True, slots=True)
class Format:
    """One format: ``name`` is the short lower-case name of DESIGN.md (``provjson``)."""

    name: str
    label: str
    media_types: tuple[str, ...]
    extensions: tuple[str, ...]
    kind: str  # "rdf", "prov" (read into the PROV record model), "log", "html", "image"
    readable: bool
    writable: bool
    rdf: RdfFormat | None = None

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def extension(self) -> str:
        return self.extensions[0]

    @property
    def is_rdf(self) -> bool:
        return self.rdf is not None

    @property
    def has_datasets(self) -> bool:
        """True when the format can carry named graphs (TriG, N-Quads)."""
        return self.rdf is not None and self.rdf.supports_datasets


def _rdf(name: str, fmt: RdfFormat, extra_types: tuple[str, ...] = ()) -> Format:
    return Format(
        name=name,
        label=fmt.name,
        media_types=(fmt.media_type, *extra_types),
        extensions=(fmt.file_extension,),
        kind="rdf",
        readable=True,
        writable=True,
        rdf=fmt,
    )


FORMATS: tuple[Format, ...] = (
    _rdf("turtle", RdfFormat.TURTLE, ("application/x-turtle",)),
    _rdf("trig", RdfFormat.TRIG, ("application/x-trig",)),
    _rdf("ntriples", RdfFormat.N_TRIPLES),
    _rdf("nquads", RdfFormat.N_QUADS, ("text/x-nquads",)),
    _rdf("jsonld", RdfFormat.JSON_LD),
    _rdf("rdfxml", RdfFormat.RDF_XML),
    Format(
        "provjson",
        "PROV-JSON",
        ("application/provenance+json", "application/json"),
        ("json",),
        "prov",
        True,
        True,
    ),
    Format(
        "provxml",
        "PROV-XML",
        ("application/provenance+xml",),
        ("provx", "provxml"),
        "prov",
        True,
        True,
    ),
    Format(
        "provn",
        "PROV-N",
        ("text/provenance-notation",),
        ("provn",),
        "prov",
        True,
        True,
    ),
    # PROV-JSONLD (W3C member submission) has no media type or extension of its own; its
    # files are .jsonld / application/ld+json, told from plain JSON-LD by their content.
    Format(
        "provjsonld",
        "PROV-JSONLD",
        ("application/ld+json;profile=prov-jsonld",),
        ("provjsonld",),
        "prov",
        True,
        False,
    ),
    Format(
        "ctapipe",
        "ctapipe provenance log",
        ("application/x-ctapipe-provenance+json",),
        ("provenance.log",),
        "log",
        True,
        False,
    ),
    Format(
        "html", "HTML", ("text/html", "application/xhtml+xml"), ("html", "htm"), "html", False, True
    ),
    Format("svg", "SVG graph", ("image/svg+xml",), ("svg",), "image", False, True),
    Format("png", "PNG graph", ("image/png",), ("png",), "image", False, True),
    Format("dot", "Graphviz DOT", ("text/vnd.graphviz",), ("gv", "dot"), "image", False, True),
)

_BY_NAME = {f.name: f for f in FORMATS}
_BY_MEDIA = {m: f for f in FORMATS for m in f.media_types}
_BY_EXT = {e: f for f in FORMATS for e in f.extensions}
# Extensions that are common aliases: .ttl is Turtle's own, but .n3 files are usually
# plain Turtle, and .xml needs the content to tell PROV-XML from RDF/XML.
_BY_EXT.update(
    {"n3": _BY_NAME["turtle"], "owl": _BY_NAME["rdfxml"], "provxml": _BY_NAME["provxml"]}
)
_ALIASES = {
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "nq": "nquads",
    "n-quads": "nquads",
    "json-ld": "jsonld",
    "rdf/xml": "rdfxml",
    "xml": "provxml",
    "prov-json": "provjson",
    "prov-xml": "provxml",
    "prov-n": "provn",
}


def _normalise(text: str) -> str:
    return re.sub(r"[\s_]", "", text.strip().lower())


def lookup(spec: str) -> Format:
    """The format named by ``spec``: a short name, an extension, or a media type.

    Raises :class:`FormatError` listing the known names when nothing matches.
    """
    key = _normalise(spec)
    if key in _BY_MEDIA:
        return _BY_MEDIA[key]
    if ";" in key:  # media type parameters (charset, profile) do not change the format
        key = key.split(";", 1)[0]
    if key in _BY_NAME:
        return _BY_NAME[key]
    if key in _BY_MEDIA:
        return _BY_MEDIA[key]
    bare = key.lstrip(".")
    if bare in _BY_EXT:
        return _BY_EXT[bare]
    if key in _ALIASES:
        return _BY_NAME[_ALIASES[key]]
    squashed = re.sub(r"[^a-z0-9]", "", key)
    if squashed in _BY_NAME:
        return _BY_NAME[squashed]
    names = ", ".join(f.name for f in FORMATS)
    raise FormatError(f"unknown format {spec!r} (known: {names})")


def readable() -> list[Format]:
    return [f for f in FORMATS if f.readable]


def writable() -> list[Format]:
    return [f for f in FORMATS if f.writable]


def guess(
    *,
    option: str | None = None,
    path: str | None = None,
    media_type: str | None = None,
    content: bytes | None = None,
) -> Format:
    """Decide the format of an input: the option, then the extension, then the media
    type, then the content, in that order (the first that gives an answer wins).
    """
    fmt = _guess(option, path, media_type, content)
    if fmt.name == "jsonld" and content is not None and _is_provjsonld(content):
        return _BY_NAME["provjsonld"]
    return fmt


def _is_provjsonld(content: bytes) -> bool:
    from provld.readers.provjsonld import is_provjsonld

    return is_provjsonld(content)


def _guess(
    option: str | None, path: str | None, media_type: str | None, content: bytes | None
) -> Format:
    if option:
        return lookup(option)
    if path:
        name = PurePath(path).name.lower()
        if name.endswith(".provenance.log"):
            return _BY_NAME["ctapipe"]
        suffix = PurePath(name).suffix.lstrip(".")
        if suffix == "xml" and content is not None:
            return sniff(content)
        if suffix == "gz":
            raise FormatError(f"{path}: compressed input is not read; decompress it first")
        if suffix in _BY_EXT:
            return _BY_EXT[suffix]
    if media_type:
        base = media_type.split(";", 1)[0].strip().lower()
        if base in _BY_MEDIA:
            fmt = _BY_MEDIA[base]
            # application/json is also what JSON-LD and ctapipe logs are sent as
            if base == "application/json" and content is not None:
                return sniff(content)
            return fmt
        if base in {"application/xml", "text/xml"} and content is not None:
            return sniff(content)
    if content is not None:
        return sniff(content)
    raise FormatError("cannot tell the format: give --format, a file extension or a media type")


_XML_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)[\s/>]")


def sniff(content: bytes) -> Format:
    """Tell the format from the first bytes of a document."""
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise FormatError("the document is empty")
    if head[:1] in (b"{", b"["):
        if _is_provjsonld(content):
            return _BY_NAME["provjsonld"]
        if b'"@context"' in head or b'"@id"' in head or b'"@graph"' in head:
            return _BY_NAME["jsonld"]
        if b'"activity_uuid"' in head or b'"activity_name"' in head:
            return _BY_NAME["ctapipe"]
        if head[:1] == b"[":
            return _BY_NAME["jsonld"]
        return _BY_NAME["provjson"]
    if head[:1] == b"<":
        text = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.S).lstrip()
        match = _XML_ROOT.match(text)
        if match and match.group(2) == b"RDF":
            return _BY_NAME["rdfxml"]
        if match and match.group(2) == b"document":
            return _BY_NAME["provxml"]
        if match:
            # An N-Triples or N-Quads line starts with <iri>; XML elements do not hold ':'
            # followed by '//' right after the name.
            if re.match(rb"<[^>\s]*>\s*<", text):
                return _BY_NAME["nquads"] if _looks_like_quads(text) else _BY_NAME["ntriples"]
            return _BY_NAME["rdfxml"]
        return _BY_NAME["nquads"] if _looks_like_quads(text) else _BY_NAME["ntriples"]
    text = re.sub(rb"(?m)^\s*(//|#).*$", b"", head).lstrip()
    if text.startswith(b"document"):
        return _BY_NAME["provn"]
    if re.search(rb"(?m)^\s*(@prefix|@base|PREFIX|BASE)\b", head, flags=re.I) or text[:1] == b"_":
        if re.search(rb"(?m)^\s*(GRAPH\s+)?(<[^>]*>|[\w-]*:[\w-]*|_:\w+)?\s*\{", text):
            return _BY_NAME["trig"]
        return _BY_NAME["turtle"]
    raise FormatError("cannot tell the format from the content: give --format")


def _looks_like_quads(text: bytes) -> bool:
    first = text.split(b"\n", 1)[0]
    terms = re.findall(rb'<[^>]*>|"(?:[^"\\]|\\.)*"(?:\^\^<[^>]*>|@[\w-]+)?|_:\S+', first)
    return len(terms) >= 4
