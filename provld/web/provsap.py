"""``/provsap``: the provenance access protocol (ProvSAP) over :func:`provld.lineage.walk`.

Parameter names in any case: ``ID`` (repeatable), ``DEPTH``, ``DIRECTION``, ``MODEL``,
``AGENT``, ``MEMBERS``, ``DESCRIPTIONS``, ``CONFIGURATION``, ``RESPONSEFORMAT``
(PROV-JSON by default, PROV-XML, PROV-N, any RDF format, or a picture: SVG, PNG, DOT).
An unknown parameter or a bad value is a 400 saying which and why.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from provld import formats
from provld.errors import FormatError, InputError
from provld.export import serialize
from provld.lineage import parse_options, walk
from provld.picture import draw
from provld.web import context
from provld.web.pages import href

blueprint = Blueprint("provsap", __name__)

#: RESPONSEFORMAT values of the ProvSAP drafts, beside the registry's own names.
_ALIASES = {"PROV-JSON": "provjson", "PROV-XML": "provxml", "PROV-N": "provn"}


def _response_format(value: str | None) -> formats.Format:
    if not value:
        return formats.lookup("provjson")
    try:
        fmt = formats.lookup(_ALIASES.get(value.strip().upper(), value))
    except FormatError as exc:
        raise InputError(f"RESPONSEFORMAT: {exc}") from None
    if not fmt.writable or fmt.kind not in ("rdf", "prov", "image"):
        raise InputError(f"RESPONSEFORMAT: {fmt.label} is not a format provenance is given in")
    return fmt


@blueprint.get("/provsap")
def provsap() -> Response:
    pairs = list(request.args.items(multi=True))
    fmt_value = next((v for k, v in pairs if k.upper() == "RESPONSEFORMAT"), None)
    fmt = _response_format(fmt_value)
    options = parse_options(pairs, extra=["RESPONSEFORMAT"])
    settings = context.settings()
    lineage = walk(context.store(), options, base=settings.base_uri)
    if fmt.kind == "image":
        notes = ["the walk stopped at the maximum depth"] if lineage.capped else []
        base = settings.base_uri
        body = draw(
            lineage, fmt.name, starts=lineage.starts, link=lambda i: href(i, base), notes=notes
        )
    else:
        body = serialize(lineage, fmt)
    response = Response(body, mimetype=fmt.media_type)
    if lineage.truncated:
        response.headers["X-Provld-Truncated"] = "depth limit reached"
    if lineage.capped:
        response.headers["X-Provld-Capped"] = "DEPTH=ALL stopped at the maximum depth"
    return response
