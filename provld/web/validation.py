"""``POST /validate`` (a SHACL report, nothing stored) and ``GET /shapes``."""

from __future__ import annotations

from flask import Blueprint, Response, request

from provld import formats
from provld.errors import FormatError
from provld.ingest import document_quads
from provld.web.negotiation import choose
from provld.web.problems import NotAcceptable, Unsupported
from provld.web.respond import negotiated, pick_format

blueprint = Blueprint("validation", __name__)

_REPORTS = {"application/json": "json", "text/turtle": "turtle", "text/plain": "text"}


@blueprint.post("/validate")
def validate_document() -> Response:
    from pyoxigraph import NamedNode

    from provld.validate import validate

    data = request.get_data()
    try:
        spec = request.args.get("format")
        fmt = (
            formats.lookup(spec)
            if spec
            else formats.guess(media_type=request.mimetype or None, content=data)
        )
    except FormatError as exc:
        raise Unsupported(f"unsupported document type: {exc}") from None
    if not fmt.readable:
        raise Unsupported(f"{fmt.label} cannot be validated")
    chosen = choose(request.headers.get("Accept"), list(_REPORTS))
    if chosen is None:
        raise NotAcceptable(list(_REPORTS))
    name = request.headers.get("Slug") or "the document"
    quads = list(
        document_quads(
            data,
            fmt,
            NamedNode("urn:provld:validate"),
            source=name,
            local_base="urn:provld:validate:",
        )
    )
    report = validate(quads, request.args.get("profile", "release"), document=name)
    response = Response(report.render(_REPORTS[chosen]), mimetype=chosen)
    response.headers["X-Provld-Conforms"] = "true" if report.conforms else "false"
    return response


@blueprint.get("/shapes")
def shapes() -> Response:
    """The shapes of a profile (``?profile=``, release by default), negotiated."""
    import pyoxigraph

    from provld.resources import data_file
    from provld.validate import profile_files

    profile = request.args.get("profile", "release")
    triples: list[pyoxigraph.Triple] = []
    for name in profile_files(profile):
        data = data_file("shapes", name).read_bytes()
        triples.extend(pyoxigraph.parse(data, pyoxigraph.RdfFormat.TURTLE))
    fmt = pick_format()
    if fmt.name == "html":
        fmt = formats.lookup("turtle")
    return negotiated(triples, fmt, html=lambda: "", params={"profile": profile})
