"""Negotiated responses: one set of triples, every format of the registry.

provld answers a negotiated request with **200 and ``Content-Location``** naming the
format-specific URL (``?format=turtle``), never with a 303 redirect: one round trip for
clients, and caches key on ``Vary: Accept``. Every response carries ``Link`` headers to
the other formats, ETag (a hash of the body) and Last-Modified, so caches revalidate with
304.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import urlencode

from flask import Response, g, request
from pyoxigraph import Quad, Triple

from provld import formats
from provld.errors import FormatError, InputError
from provld.export import serialize
from provld.formats import Format
from provld.web.negotiation import choose
from provld.web.problems import NotAcceptable

#: What a resource can be served as, in order of preference (HTML first, for browsers).
OFFERED = [
    "html",
    "turtle",
    "jsonld",
    "rdfxml",
    "ntriples",
    "nquads",
    "trig",
    "provjson",
    "provxml",
    "provn",
]


#: Pictures of resources and documents, offered after the data formats.
PICTURES = ["svg", "png"]


def _offers(names: list[str]) -> list[tuple[str, Format]]:
    return [(media, fmt) for fmt in map(formats.lookup, names) for media in fmt.media_types]


#: (media type, format) pairs offered, aliases included (application/json).
OFFERS: list[tuple[str, Format]] = _offers(OFFERED)
_OFFERS_PICTURES = _offers(OFFERED + PICTURES)
_BY_MEDIA = dict(_OFFERS_PICTURES)


def pick_format(extension: str | None = None, *, pictures: bool = False) -> Format:
    """The format asked for: ``?format=``, then a path extension, then ``Accept``; with
    ``pictures``, SVG and PNG are offered too."""
    names = OFFERED + PICTURES if pictures else OFFERED
    spec = request.args.get("format")
    if spec or extension:
        try:
            fmt = formats.lookup(spec or extension or "")
        except FormatError as exc:
            raise InputError(f"format: {exc}") from None
        if fmt.name not in names:
            raise NotAcceptable(available(pictures))
        return fmt
    offers = _OFFERS_PICTURES if pictures else OFFERS
    chosen = choose(request.headers.get("Accept"), [m for m, _ in offers])
    if chosen is None:
        raise NotAcceptable(available(pictures))
    g.provld_media = chosen  # answer application/json to a client that asked for it
    return _BY_MEDIA[chosen]


def available(pictures: bool = False) -> list[str]:
    return [formats.lookup(n).media_type for n in OFFERED + (PICTURES if pictures else [])]


def format_url(path: str, params: dict[str, str], name: str) -> str:
    """The URL of ``path`` with ``params`` in the format ``name``."""
    return _in_format(path, urlencode({k: v for k, v in params.items() if k != "format"}), name)


def _in_format(path: str, query: str, name: str) -> str:
    """The URL of ``path`` with the quoted ``query`` in the format ``name``."""
    return f"{path}?{query}&format={name}" if query else f"{path}?format={name}"


def link_header(path: str, query: str, extra: Iterable[str] = (), pictures: bool = False) -> str:
    """The Link header of an answer: its other formats (``query``: the request's quoted
    parameters, quoted once for all of them: quoting was a third of the time of a
    resource request in Turtle)."""
    links = [
        f'<{_in_format(path, query, name)}>; rel="alternate"; '
        f'type="{formats.lookup(name).media_type}"'
        for name in OFFERED + (PICTURES if pictures else [])
    ]
    links.extend(extra)
    return ", ".join(links)


def negotiated(
    triples: list[Triple] | list[Quad],
    fmt: Format,
    *,
    html: Callable[[], str],
    params: dict[str, str] | None = None,
    modified: datetime | None = None,
    links: Iterable[str] = (),
    status: int = 200,
    picture: Callable[[str], bytes] | None = None,
) -> Response:
    """The response for ``triples`` in ``fmt`` (``html`` renders the page, ``picture``
    draws it in a picture format)."""
    params = params or {}
    if fmt.name == "html":
        body = html().encode("utf-8")
        mimetype = "text/html"
    elif fmt.kind == "image":
        if picture is None:
            raise NotAcceptable(available())
        body = picture(fmt.name)
        mimetype = fmt.media_type
    else:
        body = serialize(triples, fmt)
        asked = g.get("provld_media")
        mimetype = asked if asked in fmt.media_types else fmt.media_type
    response = Response(body, status=status, mimetype=mimetype)
    response.headers["Vary"] = "Accept"
    query = urlencode(params)
    response.headers["Content-Location"] = _in_format(request.path, query, fmt.name)
    response.headers["Link"] = link_header(request.path, query, links, picture is not None)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if modified is not None:
        response.last_modified = modified
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response.make_conditional(request)  # type: ignore[return-value]
