"""The home page, search, health and static assets."""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, Response, jsonify, render_template, request

from provld import describe
from provld.errors import NotFoundError, ProvldError
from provld.web import context
from provld.web.pages import href

blueprint = Blueprint("meta", __name__)

_SEARCH = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX voprov: <http://www.ivoa.net/documents/ProvenanceDM/index.html#>
SELECT DISTINCT ?q ?resource ?text WHERE {
  { ?resource rdfs:label ?text } UNION { ?resource voprov:name ?text }
  FILTER(isIRI(?resource) && (CONTAINS(LCASE(STR(?text)), LCASE(?q))
         || CONTAINS(LCASE(STR(?resource)), LCASE(?q))))
}
LIMIT 50
"""


@blueprint.get("/")
def home() -> str:
    catalogue = context.catalogue()
    docs = catalogue.documents()[:20]
    rows = [
        {
            "href": href(d.graph.value, catalogue.base),
            "iri": d.graph.value,
            "source": d.source,
            "loaded": d.loaded,
            "format": d.format,
            "triples": d.triples,
        }
        for d in docs
    ]
    return render_template(
        "home.html",
        title="provld",
        counts=describe.counts(context.store(), context.catalogue().graph),
        documents=rows,
    )


@blueprint.get("/search")
def search() -> str:
    from pyoxigraph import Literal

    q = (request.args.get("q") or "").strip()
    results = []
    if q:
        found = context.store().query(_SEARCH, bindings={"q": Literal(q)})
        base = context.settings().base_uri
        results = [
            {
                "href": href(r["resource"].value, base),
                "iri": r["resource"].value,
                "text": r["text"].value,
            }  # type: ignore[union-attr]
            for r in found  # type: ignore[union-attr]
        ]
    return render_template("search.html", title=f"search {q}", q=q, results=results)


@blueprint.get("/health")
def health() -> Response:
    try:
        context.store().query("ASK { ?s ?p ?o }")
        ok = True
    except ProvldError:
        ok = False
    body = jsonify(status="ok" if ok else "store unreachable", store=context.settings().store)
    body.status_code = 200 if ok else 503
    return body


@blueprint.get("/static/<name>")
def static_file(name: str) -> Response:
    entry = resources.files("provld.web").joinpath("static", name)
    if "/" in name or not entry.is_file():
        raise NotFoundError(f"no asset {name}")
    mimetype = "text/css" if name.endswith(".css") else "application/octet-stream"
    response = Response(entry.read_bytes(), mimetype=mimetype)
    response.cache_control.max_age = 3600
    return response
