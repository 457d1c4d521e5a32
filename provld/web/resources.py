"""Resolvable URIs: ``/id/...`` (things), ``/graph/...`` (documents), ``/resource?uri=``
(foreign IRIs), each negotiated (see :mod:`provld.web.respond`)."""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint, Response, request
from pyoxigraph import NamedNode, Triple

from provld import describe, formats
from provld.errors import InputError, NotFoundError
from provld.lineage import neighbourhood
from provld.picture import draw
from provld.web import context
from provld.web.cache import kept
from provld.web.pages import href, resource_page
from provld.web.respond import negotiated, pick_format

blueprint = Blueprint("resources", __name__)

#: The documents a resource page lists and links as its provenance (``has_provenance``).
MOST_DOCUMENTS = 20
#: A resource's triples and the documents they are stated in (:func:`describe.about`).
Description = tuple[list[Triple], list[NamedNode]]


def _serve(
    resource: NamedNode,
    extension: str | None = None,
    params: dict[str, str] | None = None,
    found: Description | None = None,
) -> Response:
    """The negotiated description of ``resource`` (``found`` when already looked up)."""
    fmt = pick_format(extension, pictures=True)
    store = context.store()
    triples, documents = found or describe.about(
        store, resource, leave_out=context.catalogue().graph
    )
    if not triples:
        return not_found(fmt, f"nothing is known about {resource.value}")
    base = context.settings().base_uri
    documents = documents[:MOST_DOCUMENTS]

    def picture(name: str) -> bytes:
        around = neighbourhood(store, resource, base=base)
        return draw(around, name, starts=[resource], link=lambda iri: href(iri, base))

    links = [
        f"<{'/' + d.value[len(base) :] if d.value.startswith(base) else d.value}>; "
        'rel="http://www.w3.org/ns/prov#has_provenance"'
        for d in documents
    ]
    return negotiated(
        triples,
        fmt,
        html=lambda: resource_page(
            store,
            resource,
            triples,
            describe.incoming(store, resource),
            base=base,
            documents=documents,
        ),
        params=params,
        links=links,
        picture=picture,
    )


#: Comment syntax of the text formats, for a 404 in the negotiated format.
_COMMENTS = {"turtle": "#", "trig": "#", "ntriples": "#", "nquads": "#", "provn": "//"}


def not_found(fmt: formats.Format, detail: str) -> Response:
    """404 in the negotiated format: a comment in text formats, problem JSON otherwise."""
    if fmt.name in _COMMENTS:
        body = f"{_COMMENTS[fmt.name]} 404 Not found: {detail}\n"
        if fmt.name == "provn":
            body += "document\nendDocument\n"
        response = Response(body, status=404, mimetype=fmt.media_type)
        response.headers["Vary"] = "Accept"
        return response
    raise NotFoundError(detail)


def _with_extension(iri: str) -> tuple[NamedNode, str | None, Description | None]:
    """The IRI asked for, or its stem when the path ends in a format's extension and the
    full IRI names nothing (``/id/run42.ttl`` is ``/id/run42`` in Turtle); with the
    description of the full IRI when it had to be looked up."""
    resource = _iri(iri)
    suffix = PurePosixPath(iri).suffix.lstrip(".")
    if not suffix or request.args.get("format"):
        return resource, None, None
    try:
        fmt = formats.lookup(suffix)
    except InputError:
        return resource, None, None
    found = describe.about(context.store(), resource, leave_out=context.catalogue().graph)
    if found[0]:
        return resource, None, found
    return _iri(iri[: -len(suffix) - 1]), fmt.name, None


def _iri(text: str) -> NamedNode:
    try:
        return NamedNode(text)
    except ValueError:
        raise InputError(f"{text!r} is not a valid IRI") from None


@blueprint.get("/id/<path:rest>")
@kept
def thing(rest: str) -> Response:
    resource, extension, found = _with_extension(context.settings().base_uri + "id/" + rest)
    return _serve(resource, extension, found=found)


@blueprint.get("/resource")
@kept
def foreign() -> Response:
    uri = request.args.get("uri")
    if not uri:
        raise InputError("uri: give the IRI of the resource, as /resource?uri=...")
    return _serve(_iri(uri), params={"uri": uri})


@blueprint.get("/graph/<path:rest>")
def document(rest: str) -> Response:
    catalogue = context.catalogue()
    graph, extension = _iri(catalogue.base + "graph/" + rest), None
    if not catalogue.exists(graph):
        suffix = PurePosixPath(rest).suffix.lstrip(".")
        stem = _iri(catalogue.base + "graph/" + rest[: -len(suffix) - 1]) if suffix else None
        if stem is not None and catalogue.exists(stem):
            graph, extension = stem, formats.lookup(suffix).name
        else:
            raise NotFoundError(f"no document {graph.value}")
    fmt = pick_format(extension, pictures=True)
    store = context.store()
    triples = [Triple(q.subject, q.predicate, q.object) for q in store.graph_quads(graph)]
    entry = describe.describe(store, graph)
    base = catalogue.base
    return negotiated(
        triples,
        fmt,
        html=lambda: resource_page(store, graph, entry, [], base=base, title=f"Document {rest}"),
        picture=lambda name: draw(triples, name, link=lambda iri: href(iri, base)),
    )


@blueprint.get("/ontology")
def ontology() -> Response:
    """The ProvenanceDM ontology and its vocabularies, negotiated."""
    from provld.web.pages import ontology_page

    fmt = pick_format()
    triples = describe.ontology_triples()
    return negotiated(triples, fmt, html=lambda: ontology_page(triples))
