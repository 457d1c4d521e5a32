"""``/views/<name>``: the workflow, data-flow and credits views (:mod:`provld.views`) of a
resource's lineage (``id``, ``direction``, ``depth``) or of a stored document (``graph``),
as an HTML page, as JSON (``?format=json`` or ``Accept: application/json``), in any RDF or
PROV format, or as a picture (SVG, PNG)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request
from pyoxigraph import NamedNode

from provld.errors import InputError
from provld.lineage import MAX_DEPTH
from provld.picture import draw
from provld.views import VIEWS, run_view, view_of
from provld.web import context
from provld.web.negotiation import choose
from provld.web.pages import href
from provld.web.respond import OFFERS, negotiated, pick_format

blueprint = Blueprint("views", __name__)

_JSON = "application/json"


def _iri(text: str, name: str) -> NamedNode:
    try:
        return NamedNode(text)
    except ValueError:
        raise InputError(f"{name}: {text!r} is not an IRI") from None


def _depth(text: str | None) -> int | None:
    if not text or text.upper() == "ALL":
        return None
    if not text.isdigit():
        raise InputError(f"depth: {text!r} is not a number of hops or ALL")
    return min(int(text), MAX_DEPTH)


def _wants_json() -> bool:
    spec = request.args.get("format")
    if spec:
        return spec.lower() == "json"
    offers = ["text/html", _JSON] + [m for m, f in OFFERS if f.name != "html"]
    return choose(request.headers.get("Accept"), offers) == _JSON


@blueprint.get("/views/<name>")
def show(name: str) -> Response:
    view = view_of(name)
    args = request.args
    graph = _iri(args["graph"], "graph") if args.get("graph") else None
    ids = args.getlist("id")
    direction = (args.get("direction") or "back").upper()
    if graph is not None:
        context.catalogue().require(graph)
    base = context.settings().base_uri
    as_json = _wants_json()
    fmt = None if as_json else pick_format(pictures=True)
    result = run_view(
        context.store(),
        name,
        ids=ids,
        graph=graph,
        direction=direction,
        depth=_depth(args.get("depth")),
        base=base,
    )
    if as_json:
        response = Response(json.dumps(result.as_json(), indent=1), mimetype=_JSON)
        response.headers["Vary"] = "Accept"
        return response
    assert fmt is not None
    params = {k: v for k, v in args.items() if k != "format"}
    scope = [("id", i) for i in ids] + ([("graph", graph.value)] if graph else [])
    for key in ("direction", "depth"):
        if args.get(key):
            scope.append((key, args[key]))

    def page() -> str:
        return render_template(
            "view.html",
            title=f"{view.title}",
            view=view,
            views=VIEWS.values(),
            result=result,
            link=lambda term: href(term.value, base),
            scope=urlencode(scope),
            formats=[("JSON", "json"), ("Turtle", "turtle"), ("JSON-LD", "jsonld"),
                     ("PROV-JSON", "provjson"), ("PROV-N", "provn"), ("SVG", "svg")],
            starts=[(href(s.value, base), s.value) for s in result.starts],
        )  # fmt: skip

    return negotiated(
        result.triples,
        fmt,
        html=page,
        params=params,
        picture=lambda kind: draw(
            result.triples, kind, starts=result.starts, link=lambda i: href(i, base)
        ),
    )
