"""What differs between SPARQL servers, and where a remote store's endpoints are.

Every difference the remote backend handles is one attribute or method of a
:class:`Server`, named after the server it comes from, with a test in
``tests/test_backends.py`` (look for the server's name). A server that is not recognised
is driven by the SPARQL 1.1 Protocol and the Graph Store Protocol alone (:data:`GENERIC`),
and its union default graph comes from its own configuration (see the README, "Running
it in production").

>>> e = endpoints("http://127.0.0.1:7878", OXIGRAPH, {})
>>> e.query, e.update, e.graphs
('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')
>>> e = endpoints("http://db:8890/sparql", VIRTUOSO, {"PROVLD_STORE_GRAPHS": "none"})
>>> e.query, e.update, e.graphs
('http://db:8890/sparql', 'http://db:8890/sparql-auth', None)
>>> endpoints("https://h/ds/query", GENERIC, {}).update
'https://h/ds/query'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pyoxigraph import BlankNode

from provld.errors import StoreError

#: Names a query or update endpoint goes by, last in a URL's path.
_ENDPOINT_NAMES = {"query", "sparql", "update", "sparql-auth"}
#: A graph a fresh Virtuoso has (its own schemas): visible when the server was not set up
#: with deploy/virtuoso/setup.sql.
VIRTUOSO_SYSTEM_GRAPH = "http://www.openlinksw.com/schemas/virtrdf#"


@dataclass(frozen=True)
class Server:
    """How to drive one kind of SPARQL server."""

    name: str
    #: Endpoint paths, relative to the dataset's base URL; None: not known.
    query_path: str = "query"
    update_path: str | None = None
    graphs_path: str | None = None
    #: Scheme for PROVLD_STORE_USER/PASSWORD when PROVLD_STORE_AUTH does not say.
    auth: str = "basic"
    #: Whether queries carry the credentials too.
    query_auth: bool = True
    #: Updates as an HTML form (``update=``) rather than an ``application/sparql-update`` body.
    update_form: bool = False
    #: Protocol parameters asking for the union of the named graphs as default graph.
    union: Mapping[str, str] = field(default_factory=dict)
    #: Name of the parameter that limits a query's run time, in milliseconds.
    timeout_param: str | None = None
    #: Whether a Graph Store PUT is one transaction (all of it or none is written).
    atomic_put: bool = False
    #: A graph of the server's own that provld's queries should not see.
    system_graph: str | None = None

    #: Whether answers need :meth:`fix_results` and :meth:`fix_triples`.
    fixes_answers: bool = False

    def fix_query(self, text: str) -> str:
        """A query, as this server should be sent it."""
        return text

    def fix_results(self, line: bytes) -> bytes:
        """One line of a SPARQL JSON result, as pyoxigraph can read it."""
        return line

    def fix_triples(self, line: bytes) -> bytes:
        """One line of N-Triples, as the embedded store would give it."""
        return line

    def blank(self, node: BlankNode) -> str | None:
        """How a query names a blank node of this server's; None: it cannot (the SPARQL
        standard gives no way), and a query bound to one matches nothing."""
        return None

    def fix_update(self, text: str) -> str:
        """An update, as this server runs it."""
        return text


class _Virtuoso(Server):
    _BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
    _TRUE = re.compile(rb'(#boolean"\s*,\s*"value"\s*:\s*")1"')
    _FALSE = re.compile(rb'(#boolean"\s*,\s*"value"\s*:\s*")0"')
    _NT_TRUE = re.compile(rb'"1"\^\^<http://www\.w3\.org/2001/XMLSchema#boolean>')
    _NT_FALSE = re.compile(rb'"0"\^\^<http://www\.w3\.org/2001/XMLSchema#boolean>')

    def fix_query(self, text: str) -> str:
        # Virtuoso binds the boolean keywords as the integers 1 and 0, leaves the IRIs of
        # a CONSTRUCT template relative to BASE as they were written, lists its private
        # graphs to SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }, cannot join a
        # trailing VALUES on a variable it does not project, and finds nothing for
        # rdf:type/rdfs:subClassOf* inside EXISTS.
        from provld.store import sparqltext

        text = sparqltext.resolve_iris(text)
        text = sparqltext.booleans_as_typed_literals(text)
        text = sparqltext.graph_list_checked(text)
        text = sparqltext.trailing_values_inside(text)
        return sparqltext.zero_or_more_as_alternative(text)

    def fix_results(self, line: bytes) -> bytes:
        # Virtuoso names blank nodes "nodeID://b10003" in results, which is no blank node
        # label: pyoxigraph refuses it ("The blank node identifier is invalid"); and it
        # writes an xsd:boolean as "1" or "0", valid but not the canonical true or false
        # every other store gives back.
        line = self._BNODE.sub(rb"\1", line)
        if b"#boolean" in line:
            line = self._FALSE.sub(rb'\1false"', self._TRUE.sub(rb'\1true"', line))
        return line

    def fix_triples(self, line: bytes) -> bytes:
        if b"#boolean" in line:
            line = self._NT_TRUE.sub(rb'"true"^^<http://www.w3.org/2001/XMLSchema#boolean>', line)
            line = self._NT_FALSE.sub(rb'"false"^^<http://www.w3.org/2001/XMLSchema#boolean>', line)
        return line

    def blank(self, node: BlankNode) -> str | None:
        # ... and takes them back written as IRIs, <nodeID://b10003>.
        return f"<nodeID://{node.value}>"

    def fix_update(self, text: str) -> str:
        # "SP031: Blank node '_:b' is not allowed in a constant clause": the triples of
        # INSERT DATA that have blank nodes go in small INSERT {...} WHERE {} templates
        # (one big template fails: "generated SQL text has exceeded 10000 lines").
        # And it would store relative IRIs as written, not resolved against BASE.
        from provld.store.sparqltext import insert_data_without_blank_nodes, resolve_iris

        return insert_data_without_blank_nodes(resolve_iris(text))


#: Oxigraph server (``oxigraph serve``): the union is a query parameter; the Graph Store
#: is ``/store``, where a PUT loads in one transaction (so a big document goes straight
#: into place: no staging graph, whose ADD and DROP cost Oxigraph three times the load).
#: It has no per-query time limit: ``--timeout-s`` on its command line sets one for all.
OXIGRAPH = Server(
    "oxigraph",
    query_path="query",
    update_path="update",
    graphs_path="store",
    union={"union-default-graph": ""},
    atomic_put=True,
)
#: Virtuoso Open Source 7: anonymous queries on ``/sparql`` (a query sent with credentials
#: may be an update, which Virtuoso would run), updates on ``/sparql-auth`` and the Graph
#: Store on ``/sparql-graph-crud-auth``, both with digest authentication; updates as a
#: form (a POST of ``application/sparql-query`` never answers: their bug #842); ``timeout``
#: in milliseconds, after which it returns what it has with ``X-SQL-State: S1TAT``. Its
#: default graph is the union of all graphs, its own schemas included unless they are
#: made private (deploy/virtuoso/setup.sql: its ``input:*-exclude`` pragmas
#: would do, but then ``GRAPH <iri>`` matches nothing at all).
VIRTUOSO = _Virtuoso(
    "virtuoso",
    query_path="sparql",
    update_path="sparql-auth",
    graphs_path="sparql-graph-crud-auth",
    auth="digest",
    query_auth=False,
    update_form=True,
    timeout_param="timeout",
    system_graph=VIRTUOSO_SYSTEM_GRAPH,
    fixes_answers=True,
)
#: Any other SPARQL 1.1 server: updates on the query URL unless PROVLD_STORE_UPDATE says
#: otherwise; documents written by SPARQL Update unless PROVLD_STORE_GRAPHS names a Graph
#: Store; the union default graph is the server's configuration.
GENERIC = Server("generic")
SERVERS = {s.name: s for s in (OXIGRAPH, VIRTUOSO, GENERIC)}


def recognise(server_header: str) -> Server:
    """The kind of server from its HTTP ``Server`` header."""
    header = server_header.lower()
    for server in (OXIGRAPH, VIRTUOSO):
        if server.name in header:
            return server
    return GENERIC


def named(name: str) -> Server:
    try:
        return SERVERS[name.strip().lower()]
    except KeyError:
        known = ", ".join(SERVERS)
        raise StoreError(f"PROVLD_STORE_SERVER={name!r}: not one of {known}") from None


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str
    graphs: str | None


def endpoints(url: str, server: Server, options: Mapping[str, str]) -> Endpoints:
    """The query, update and Graph Store URLs of the store at ``url`` (a query endpoint or
    the base URL of the server's dataset); PROVLD_STORE_UPDATE and PROVLD_STORE_GRAPHS
    (``none``: no Graph Store) override what the server's kind implies."""
    path = url.split("?", 1)[0]
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if last in _ENDPOINT_NAMES and not path.endswith("/"):
        base = path[: -len(last)]
        query = url if last in {"query", "sparql"} else base + server.query_path
    else:
        base = path if path.endswith("/") else path + "/"
        query = base + server.query_path
    update = options.get("PROVLD_STORE_UPDATE") or (
        base + server.update_path if server.update_path else query
    )
    graphs: str | None = options.get("PROVLD_STORE_GRAPHS") or (
        base + server.graphs_path if server.graphs_path else None
    )
    if graphs is not None and graphs.strip().lower() == "none":
        graphs = None
    return Endpoints(query, update, graphs)
