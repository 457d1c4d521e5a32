"""The SPARQL 1.1 Protocol endpoint ``/sparql``, read-only.

Queries by GET, by POST of a form, and by POST of ``application/sparql-query``;
``default-graph-uri`` and ``named-graph-uri`` choose the dataset, else the default graph
is the union of every stored document. SELECT and ASK answer in the SPARQL result formats
(JSON, XML, CSV, TSV), CONSTRUCT and DESCRIBE in every RDF and PROV format, both by
negotiation. With no query, programs get the service description and browsers a query
page. SPARQL Update (POST, form or ``application/sparql-update``, with
``using-graph-uri``/``using-named-graph-uri``) is taken only with a write token.

Relative IRIs in a query resolve against the endpoint's own IRI (the Protocol lets the
service choose the base; ``tests/test_sparql_protocol.py`` runs the W3C tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph
from flask import Blueprint, Response, current_app, render_template, request
from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    Triple,
)

from provld import formats
from provld.errors import FormatError, InputError, QueryError, StoreError
from provld.export import serialize
from provld.query import RESULT_FORMATS
from provld.resources import list_files, named_query
from provld.sparql_guard import check_services, has_dataset_clause, with_dataset
from provld.store.base import QueryResult
from provld.web import context
from provld.web.documents import require_token
from provld.web.negotiation import choose
from provld.web.problems import NotAcceptable, Unsupported
from provld.web.respond import OFFERED

blueprint = Blueprint("sparql", __name__)

RESULTS = [
    ("application/sparql-results+json", QueryResultsFormat.JSON),
    ("application/json", QueryResultsFormat.JSON),
    ("application/sparql-results+xml", QueryResultsFormat.XML),
    ("application/xml", QueryResultsFormat.XML),
    ("text/csv", QueryResultsFormat.CSV),
    ("text/tab-separated-values", QueryResultsFormat.TSV),
]
#: format=json|xml|csv|tsv → (media type, result format), from the one table of provld.query.
_RESULT_NAMES = {name: (fmt.media_type, fmt) for name, fmt in RESULT_FORMATS.items()}
GRAPH_TYPES = [name for name in OFFERED if name != "html"]
#: ``format=xml`` on a CONSTRUCT means RDF/XML to SPARQL clients (SPARQLWrapper sends it),
#: not the registry's PROV-XML.
_GRAPH_ALIASES = {"xml": "rdfxml"}
SD = "http://www.w3.org/ns/sparql-service-description#"

T = TypeVar("T")


@dataclass
class Operation:
    """What a request asks for: a query or an update, and the dataset it names."""

    query: str | None = None
    update: str | None = None
    defaults: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)
    using: list[str] = field(default_factory=list)
    using_named: list[str] = field(default_factory=list)


def _utf8_body(what: str) -> str:
    # The Protocol wants the body in UTF-8; another declared charset is refused rather
    # than guessed (W3C tests bad_query_non_utf8, bad_update_non_utf8).
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in {"utf-8", "utf8"}:
        raise Unsupported(f"a {what} body must be UTF-8, not charset={charset}")
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"the {what} is not valid UTF-8") from None


def _operation() -> Operation:
    args = request.args
    op = Operation(
        defaults=args.getlist("default-graph-uri"),
        named=args.getlist("named-graph-uri"),
        using=args.getlist("using-graph-uri"),
        using_named=args.getlist("using-named-graph-uri"),
    )
    updates: list[str] = []
    if request.method == "GET":
        if "update" in args:
            raise InputError("update: an update is sent by POST, never by GET")
        queries = args.getlist("query")
    else:
        mimetype = request.mimetype
        if mimetype == "application/x-www-form-urlencoded":
            form = request.form
            queries = form.getlist("query") + args.getlist("query")
            updates = form.getlist("update")
            op.defaults += form.getlist("default-graph-uri")
            op.named += form.getlist("named-graph-uri")
            op.using += form.getlist("using-graph-uri")
            op.using_named += form.getlist("using-named-graph-uri")
        elif mimetype == "application/sparql-query":
            queries = [_utf8_body("query")]
        elif mimetype == "application/sparql-update":
            queries, updates = [], [_utf8_body("update")]
        else:
            raise Unsupported(
                "POST a query as application/x-www-form-urlencoded or application/sparql-query"
                " (an update as application/sparql-update)"
            )
    if len(queries) > 1 or len(updates) > 1:
        raise InputError("give one query or one update, not several")
    if queries and updates:
        raise InputError("give a query or an update, not both")
    op.query = queries[0] if queries else None
    op.update = updates[0] if updates else None
    return op


def _graphs(iris: list[str]) -> list[NamedNode] | None:
    if not iris:
        return None
    try:
        return [NamedNode(i) for i in iris]
    except ValueError as exc:
        raise InputError(f"graph IRI: {exc}") from None


def _endpoint_iri() -> str:
    return f"{context.settings().base_uri}sparql"


def _run(
    query: str, graphs: list[NamedNode] | None, named: list[NamedNode] | None
) -> QueryResult | list[Triple]:
    runner = current_app.extensions["provld.runner"]
    return _based(lambda text: runner.run(text, graphs=graphs, named=named), query)  # type: ignore[no-any-return]


def _based(run: Callable[[str], T], text: str) -> T:
    """``run(text)``; if the store finds ``text`` malformed, again with the endpoint as
    its base. Relative IRIs need a base, and pyoxigraph has none by default. Declaring it
    in the prologue works on every backend; it is added only when the text fails without
    it, so that syntax errors keep the user's own line and column numbers."""
    try:
        return run(text)
    except QueryError as first:
        if "malformed" not in str(first):
            raise
        try:
            return run(f"BASE <{_endpoint_iri()}>\n{text}")
        except QueryError:
            raise first from None


def _evaluated(produce: Callable[[], T]) -> T:
    """Run ``produce``, which consumes a lazy result: pyoxigraph evaluates as it is read,
    so a SERVICE partner that fails or a store error shows up here, not at ``query``."""
    try:
        return produce()
    except (OSError, RuntimeError, SyntaxError) as exc:
        raise StoreError(
            f"the query failed while running (the store, or a SERVICE partner): {exc}"
        ) from None


def _format_specs() -> list[str]:
    # SPARQLWrapper repeats the parameter (format=tsv&format=text/tab-separated-values).
    return request.args.getlist("format") + request.form.getlist("format")


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str:
    op = _operation()
    if op.update is not None:
        return _update(op)
    query = op.query
    if query is None:
        return _description()
    settings = context.settings()
    check_services(query, settings.federation)
    graphs, named_graphs = _graphs(op.defaults), _graphs(op.named)
    if graphs is None and named_graphs is not None:
        graphs = []
    result = _run(query, graphs, named_graphs)
    accept = request.headers.get("Accept")
    specs = _format_specs()
    if isinstance(result, QueryTriples | list):
        fmt = _graph_format(specs, accept)
        body = _evaluated(lambda: serialize(result, fmt))
        return _negotiated(Response(body, mimetype=fmt.media_type))
    assert isinstance(result, QuerySolutions | QueryBoolean)
    if specs:
        media, rfmt = _result_format(specs)
    else:
        offers_r = [m for m, _ in RESULTS]
        chosen = choose(accept, offers_r + ["text/html"])
        if chosen == "text/html" and "text/html" in (accept or ""):
            return _evaluated(lambda: _html_results(query, result))
        if chosen is None:
            raise NotAcceptable(offers_r)
        if chosen == "text/html":
            chosen = offers_r[0]
        media, rfmt = chosen, dict(RESULTS)[chosen]
    table = _evaluated(lambda: result.serialize(format=rfmt))
    assert table is not None  # serialize returns bytes when given no output
    return _negotiated(Response(table, mimetype=media))


def _update(op: Operation) -> Response:
    """A SPARQL Update: only with a write token, then run in one transaction.

    It works on the store as it is: the catalogue of documents is not kept in step and
    nothing is validated (documents go through ``/documents``); it is for the archive's
    operators, and runs without the query time limit.
    """
    require_token()
    assert op.update is not None
    if op.defaults or op.named:
        raise InputError("default-graph-uri and named-graph-uri are for queries, not updates")
    if (op.using or op.using_named) and has_dataset_clause(op.update):
        raise InputError(
            "the update names its dataset (USING or WITH) and so does the request "
            "(using-graph-uri or using-named-graph-uri): give one of them"
        )
    _graphs(op.using + op.using_named)  # a clear error for a bad IRI before anything runs
    check_services(op.update, context.settings().federation)
    _based(context.store().update, with_dataset(op.update, op.using, op.using_named))
    return Response(status=204)


def _negotiated(response: Response) -> Response:
    response.vary.add("Accept")
    return response


def _graph_format(specs: list[str], accept: str | None) -> formats.Format:
    if specs:
        for spec in specs:
            try:
                fmt = formats.lookup(_GRAPH_ALIASES.get(spec.strip().lower(), spec))
            except FormatError:
                continue
            if fmt.name in GRAPH_TYPES:
                return fmt
        raise InputError(
            f"format: {specs[0]!r} is not a format for graphs ({', '.join(GRAPH_TYPES)})"
        )
    offers = [(m, formats.lookup(n)) for n in GRAPH_TYPES for m in formats.lookup(n).media_types]
    chosen = choose(accept, [m for m, _ in offers] + ["text/html"])
    if chosen is None:
        raise NotAcceptable([m for m, _ in offers])
    return dict(offers).get(chosen, formats.lookup("turtle"))


def _result_format(specs: list[str]) -> tuple[str, QueryResultsFormat]:
    by_media = dict(RESULTS)
    for spec in specs:
        key = spec.strip().lower()
        if key in _RESULT_NAMES:
            return _RESULT_NAMES[key]
        if key in by_media:
            return key, by_media[key]
    raise InputError(f"format: {specs[0]!r} is not a result format (json, xml, csv, tsv)")


def _html_results(query: str, result: QuerySolutions | QueryBoolean) -> str:
    if isinstance(result, QueryBoolean):
        return render_template(
            "sparql.html", title="SPARQL", query=query, boolean=bool(result), examples=_examples()
        )
    names = [v.value for v in result.variables]
    rows = []
    for i, row in enumerate(result):
        if i >= 1000:
            break
        rows.append([(row[n].value if row[n] is not None else "") for n in names])
    return render_template(
        "sparql.html", title="SPARQL", query=query, names=names, rows=rows, examples=_examples()
    )


def _examples() -> list[tuple[str, str]]:
    out = []
    for name in list_files("sparql", ".rq"):
        text = named_query(name[:-3])
        if "?catalogue" in text or "?resource" in text:
            continue  # queries of provld's own that need bound values
        out.append((name[:-3], text))
    return out


def _description() -> Response | str:
    offers = ["text/html"] + [m for n in GRAPH_TYPES for m in formats.lookup(n).media_types]
    chosen = choose(request.headers.get("Accept"), offers)
    if chosen == "text/html" or chosen is None:
        return render_template("sparql.html", title="SPARQL", query=None, examples=_examples())
    fmt = formats.lookup(chosen)
    endpoint_iri = _endpoint_iri()
    sd = f"""
@prefix sd: <{SD}> .
@prefix void: <http://rdfs.org/ns/void#> .
<{endpoint_iri}> a sd:Service ;
  sd:endpoint <{endpoint_iri}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:feature sd:UnionDefaultGraph, sd:BasicFederatedQuery ;
  sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON>,
    <http://www.w3.org/ns/formats/SPARQL_Results_XML>, <http://www.w3.org/ns/formats/SPARQL_Results_CSV>,
    <http://www.w3.org/ns/formats/SPARQL_Results_TSV>, <http://www.w3.org/ns/formats/Turtle>,
    <http://www.w3.org/ns/formats/JSON-LD>, <http://www.w3.org/ns/formats/RDF_XML>,
    <http://www.w3.org/ns/formats/N-Triples> ;
  sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""
    triples = list(pyoxigraph.parse(sd.encode(), pyoxigraph.RdfFormat.TURTLE))
    # The Service Description spec wants an sd:endpoint equal to the URL the client
    # dereferenced; behind a proxy or on a test port that is not the configured IRI.
    try:
        here = NamedNode(request.base_url)
    except ValueError:
        here = None  # a Host header that makes no IRI: the configured one stands alone
    if here is not None and here.value != endpoint_iri:
        triples.append(Triple(NamedNode(endpoint_iri), NamedNode(SD + "endpoint"), here))
    return _negotiated(Response(serialize(triples, fmt), mimetype=fmt.media_type))


__all__ = ["blueprint", "QueryError"]
