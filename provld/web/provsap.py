"""``/provsap``: the provenance access protocol (ProvSAP) over :func:`provld.lineage.walk`.

Parameter names in any case: ``ID`` (repeatable), ``DEPTH``, ``DIRECTION``, ``MODEL``,
``AGENT``, ``MEMBERS``, ``DESCRIPTIONS``, ``CONFIGURATION``, ``RESPONSEFORMAT``
(PROV-JSON by default, PROV-XML, PROV-N, any RDF format). An unknown parameter or a bad
value is a 400 saying which and why.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from provld import formats
from provld.errors import FormatError, InputError
from provld.export import serialize
from provld.lineage import parse_options, walk
from provld.web import context

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
    if not fmt.writable or fmt.kind not in ("rdf", "prov"):
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
    response = Response(serialize(lineage, fmt), mimetype=fmt.media_type)
    if lineage.truncated:
        response.headers["X-Provld-Truncated"] = "depth limit reached"
    if lineage.capped:
        response.headers["X-Provld-Capped"] = "DEPTH=ALL stopped at the maximum depth"
    return response
