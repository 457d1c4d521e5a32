"""The SPARQL 1.1 Protocol endpoint ``/sparql``, read-only.

Queries by GET, by POST of a form, and by POST of ``application/sparql-query``;
``default-graph-uri`` and ``named-graph-uri`` choose the dataset, else the default graph
is the union of every stored document. SELECT and ASK answer in the SPARQL result formats
(JSON, XML, CSV, TSV), CONSTRUCT and DESCRIBE in every RDF and PROV format, both by
negotiation. With no query, programs get the service description and browsers a query
page. Updates are not taken here.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, QueryTriples

from provld import formats
from provld.errors import InputError, QueryError
from provld.export import serialize
from provld.resources import list_files, named_query
from provld.sparql_guard import check_services
from provld.web import context
from provld.web.negotiation import choose
from provld.web.problems import NotAcceptable, Unsupported

blueprint = Blueprint("sparql", __name__)

RESULTS = [
    ("application/sparql-results+json", QueryResultsFormat.JSON),
    ("application/json", QueryResultsFormat.JSON),
    ("application/sparql-results+xml", QueryResultsFormat.XML),
    ("application/xml", QueryResultsFormat.XML),
    ("text/csv", QueryResultsFormat.CSV),
    ("text/tab-separated-values", QueryResultsFormat.TSV),
]
_RESULT_NAMES = {"json": 0, "xml": 2, "csv": 4, "tsv": 5}
GRAPH_TYPES = [
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
    result = context.store().query(query, graphs=graphs, named=named_graphs)
    accept = request.headers.get("Accept")
    spec = request.args.get("format") or request.form.get("format")
    if isinstance(result, QueryTriples):
        if spec:
            fmt = formats.lookup(spec)
        else:
            offers = [
                (m, formats.lookup(n)) for n in GRAPH_TYPES for m in formats.lookup(n).media_types
            ]
            chosen = choose(accept, [m for m, _ in offers] + ["text/html"])
            if chosen is None:
                raise NotAcceptable([m for m, _ in offers])
            fmt = dict(offers).get(chosen, formats.lookup("turtle"))
        return Response(serialize(result, fmt), mimetype=fmt.media_type)
    assert isinstance(result, QuerySolutions | QueryBoolean)
    if spec:
        if spec.lower() not in _RESULT_NAMES:
            raise InputError(f"format: {spec!r} is not a result format (json, xml, csv, tsv)")
        media, rfmt = RESULTS[_RESULT_NAMES[spec.lower()]]
    else:
        offers_r = [m for m, _ in RESULTS]
        chosen = choose(accept, offers_r + ["text/html"])
        if chosen == "text/html" and "text/html" in (accept or ""):
            return _html_results(query, result)
        if chosen is None:
            raise NotAcceptable(offers_r)
        if chosen == "text/html":
            chosen = offers_r[0]
        media, rfmt = chosen, dict(RESULTS)[chosen]
    body = result.serialize(format=rfmt)
    return Response(body, mimetype=media)


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
    base = context.settings().base_uri
    endpoint_iri = f"{base}sparql"
    sd = f"""
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
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
    import pyoxigraph

    triples = list(pyoxigraph.parse(sd.encode(), pyoxigraph.RdfFormat.TURTLE))
    return Response(serialize(triples, fmt), mimetype=fmt.media_type)


__all__ = ["blueprint", "QueryError"]
