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


#: (media type, format) pairs offered, aliases included (application/json).
OFFERS: list[tuple[str, Format]] = [
    (media, fmt) for fmt in map(formats.lookup, OFFERED) for media in fmt.media_types
]
_BY_MEDIA = dict(OFFERS)


def pick_format(extension: str | None = None) -> Format:
    """The format asked for: ``?format=``, then a path extension, then ``Accept``."""
    spec = request.args.get("format")
    if spec:
        try:
            fmt = formats.lookup(spec)
        except FormatError as exc:
            raise InputError(f"format: {exc}") from None
        if fmt.name not in OFFERED:
            raise NotAcceptable(available())
        return fmt
    if extension:
        return formats.lookup(extension)
    chosen = choose(request.headers.get("Accept"), [m for m, _ in OFFERS])
    if chosen is None:
        raise NotAcceptable(available())
    g.provld_media = chosen  # answer application/json to a client that asked for it
    return _BY_MEDIA[chosen]


def available() -> list[str]:
    return [formats.lookup(n).media_type for n in OFFERED]


def link_header(path: str, params: dict[str, str], extra: Iterable[str] = ()) -> str:
    links = []
    for name in OFFERED:
        fmt = formats.lookup(name)
        query = urlencode({**params, "format": name})
        links.append(f'<{path}?{query}>; rel="alternate"; type="{fmt.media_type}"')
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
) -> Response:
    """The response for ``triples`` in ``fmt`` (``html`` renders the page)."""
    params = params or {}
    if fmt.name == "html":
        body = html().encode("utf-8")
        mimetype = "text/html"
    else:
        body = serialize(triples, fmt)
        asked = g.get("provld_media")
        mimetype = asked if asked in fmt.media_types else fmt.media_type
    response = Response(body, status=status, mimetype=mimetype)
    response.headers["Vary"] = "Accept"
    query = urlencode({**params, "format": fmt.name})
    response.headers["Content-Location"] = f"{request.path}?{query}"
    response.headers["Link"] = link_header(request.path, params, links)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if modified is not None:
        response.last_modified = modified
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response.make_conditional(request)  # type: ignore[return-value]
