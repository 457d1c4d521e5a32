"""The SPARQL 1.1 Protocol endpoint ``/sparql``, read-only.

Queries by GET, by POST of a form, and by POST of ``application/sparql-query``;
``default-graph-uri`` and ``named-graph-uri`` choose the dataset, else the default graph
is the union of every stored document. SELECT and ASK answer in the SPARQL result formats
(JSON, XML, CSV, TSV), CONSTRUCT and DESCRIBE in every RDF and PROV format, both by
negotiation. With no query, programs get the service description and browsers a query
page. Updates are not taken here.

Relative IRIs in a query resolve against the endpoint's own IRI (the Protocol lets the
service choose the base; ``tests/test_sparql_protocol.py`` runs the W3C tests).
"""

from __future__ import annotations

from collections.abc import Callable
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
from provld.sparql_guard import check_services
from provld.store.base import QueryResult
from provld.web import context
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


class Forbidden(InputError):
    """Updates are refused on the public endpoint."""


def _query_and_dataset() -> tuple[str | None, list[str], list[str]]:
    args = request.args
    defaults = args.getlist("default-graph-uri")
    named = args.getlist("named-graph-uri")
    if request.method == "GET":
        if "update" in args:
            raise InputError("update: SPARQL Update is not taken on the public endpoint")
        queries = args.getlist("query")
    else:
        mimetype = request.mimetype
        if mimetype == "application/x-www-form-urlencoded":
            form = request.form
            if "update" in form:
                raise InputError("update: SPARQL Update is not taken on the public endpoint")
            queries = form.getlist("query") + args.getlist("query")
            defaults += form.getlist("default-graph-uri")
            named += form.getlist("named-graph-uri")
        elif mimetype == "application/sparql-query":
            # The Protocol wants the body in UTF-8; another declared charset is refused
            # rather than guessed (W3C test bad_query_non_utf8).
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in {"utf-8", "utf8"}:
                raise Unsupported(f"a query body must be UTF-8, not charset={charset}")
            try:
                queries = [request.get_data().decode("utf-8")]
            except UnicodeDecodeError:
                raise InputError("the query is not valid UTF-8") from None
        elif mimetype == "application/sparql-update":
            raise InputError("SPARQL Update is not taken on the public endpoint")
        else:
            raise Unsupported(
                "POST a query as application/x-www-form-urlencoded or application/sparql-query"
            )
    if len(queries) > 1:
        raise InputError("query: give one query, not several")
    return (queries[0] if queries else None), defaults, named


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
    try:
        return runner.run(query, graphs=graphs, named=named)  # type: ignore[no-any-return]
    except QueryError as first:
        if "malformed" not in str(first):
            raise
        # Relative IRIs need a base; pyoxigraph has none by default. Declaring it in the
        # prologue works on every backend; it is added only when the query fails without
        # it, so that syntax errors keep the user's own line and column numbers.
        try:
            return runner.run(f"BASE <{_endpoint_iri()}>\n{query}", graphs=graphs, named=named)  # type: ignore[no-any-return]
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
    query, defaults, named = _query_and_dataset()
    if query is None:
        return _description()
    settings = context.settings()
    check_services(query, settings.federation)
    graphs, named_graphs = _graphs(defaults), _graphs(named)
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
