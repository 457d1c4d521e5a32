"""Federated SPARQL for real: two provld servers on loopback ports, each with its own
observatory's documents and the other allowed in ``PROVLD_FEDERATION``.

Observatory A keeps raw data; observatory B keeps the products it derived from A's
entities. A query on B joins A's data through ``SERVICE <A/sparql>``, and the reverse on A.
pyoxigraph from PyPI is built with its HTTP client, so SERVICE really goes over the
network; were it not, the tests say so and are marked xfail.

A SERVICE to anything not allowed is refused with 400 before any network call: the
forbidden address is a socket that records every connection made to it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
import pytest
import requests
from flask import Flask

from provld import formats
from provld.web import create_app

from .server import LoopbackServer

A_ID = "http://obs-a.example.org/id/"
B_ID = "http://obs-b.example.org/id/"
OBS = "http://obs-a.example.org/ns#"
PROV = "http://www.w3.org/ns/prov#"
PREFIXES = f"""PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX obs: <{OBS}>
"""

RAW_DATA = f"""
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix obs: <{OBS}> .

<{A_ID}acquisition/run042> a prov:Activity ;
    prov:startedAtTime "2024-03-01T21:00:00Z"^^xsd:dateTime .
<{A_ID}raw/run042> a prov:Entity ; rdfs:label "run 042 raw events" ;
    obs:telescope "LST-1" ; prov:wasGeneratedBy <{A_ID}acquisition/run042> .
<{A_ID}raw/run043> a prov:Entity ; rdfs:label "run 043 raw events" ;
    obs:telescope "MAGIC-I" .
<{A_ID}raw/run044> a prov:Entity ; rdfs:label "run 044 raw events" ;
    obs:telescope "LST-1" .
"""
PRODUCTS = f"""
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{B_ID}reconstruction/042> a prov:Activity ; prov:used <{A_ID}raw/run042> .
<{B_ID}dl3/042> a prov:Entity ; rdfs:label "DL3 events of run 042" ;
    prov:wasGeneratedBy <{B_ID}reconstruction/042> ;
    prov:wasDerivedFrom <{A_ID}raw/run042> .
<{B_ID}dl3/043> a prov:Entity ; rdfs:label "DL3 events of run 043" ;
    prov:wasDerivedFrom <{A_ID}raw/run043> .
<{B_ID}dl3/sim-001> a prov:Entity ; rdfs:label "simulated DL3" ;
    prov:wasDerivedFrom <{B_ID}mc/sim-001> .
"""


@dataclass
class Observatory:
    name: str
    app: Flask
    server: LoopbackServer

    @property
    def sparql(self) -> str:
        return self.server.url + "/sparql"

    def query(self, text: str, **kwargs: object) -> requests.Response:
        return requests.post(
            self.sparql,
            data={"query": text},
            headers={"Accept": "application/sparql-results+json"},
            timeout=20,
            **kwargs,  # type: ignore[arg-type]
        )


@dataclass
class Recorder:
    """A listening socket that accepts, remembers and hangs up every connection."""

    sock: socket.socket = field(default_factory=socket.socket)
    connections: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return  # closed
            # Recorded before hanging up: a SERVICE call cannot finish, and so the request
            # that made it cannot be answered, before the connection is on the list.
            self.connections.append(peer)
            conn.close()

    def close(self) -> None:
        self.sock.close()


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/sparql"


@pytest.fixture(scope="module")
def down() -> str:
    """A partner that is allowed but not running (connections refused)."""
    return _closed_port_url()


@pytest.fixture(scope="module")
def observatories(
    tmp_path_factory: pytest.TempPathFactory, down: str
) -> Iterator[tuple[Observatory, Observatory]]:
    # Both sockets are bound first, so that each app can be told its partner's address.
    server_a, server_b = LoopbackServer(), LoopbackServer()
    root = tmp_path_factory.mktemp("federation")
    sites = []
    for name, server, partners, base, data in [
        ("A", server_a, [server_b.url + "/sparql"], "http://obs-a.example.org/", RAW_DATA),
        ("B", server_b, [server_a.url + "/sparql", down], "http://obs-b.example.org/", PRODUCTS),
    ]:
        app = create_app(
            {
                "PROVLD_STORE": str(Path(root) / name),
                "PROVLD_BASE_URI": base,
                "PROVLD_FEDERATION": " ".join(partners),
            }
        )
        app.extensions["provld.catalogue"].load(
            data.encode(), formats.lookup("turtle"), source=f"{name}.ttl"
        )
        server.app = app
        sites.append(Observatory(name, app, server.start()))
    yield sites[0], sites[1]
    for site in sites:
        site.server.stop()
        site.app.extensions["provld.store"].close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.close()


def _service_unsupported(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "http" in text and any(w in text for w in ("client", "not available", "disabled"))


@pytest.fixture(scope="module")
def service_works(observatories: tuple[Observatory, Observatory]) -> None:
    """pyoxigraph can call a SERVICE (it needs its ``http-client`` feature)."""
    a, _ = observatories
    try:
        result = pyoxigraph.Store().query(
            f"SELECT ?s WHERE {{ SERVICE <{a.sparql}> {{ ?s a <{PROV}Entity> }} }}"
        )
        rows = list(result)  # type: ignore[arg-type]
    except OSError as exc:
        if _service_unsupported(exc):
            pytest.xfail(f"this pyoxigraph build cannot make HTTP calls for SERVICE: {exc}")
        raise
    assert len(rows) == 3


def bindings(response: requests.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == "application/sparql-results+json"
    rows = response.json()["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def test_pyoxigraph_calls_a_service(service_works: None) -> None:
    """The probe above, as a test of its own, so that the report names it."""


def test_b_joins_a_s_raw_data(
    observatories: tuple[Observatory, Observatory], service_works: None
) -> None:
    a, b = observatories
    rows = bindings(
        b.query(
            PREFIXES
            + f"""SELECT ?product ?raw ?telescope WHERE {{
  ?product prov:wasDerivedFrom ?raw .
  SERVICE <{a.sparql}> {{ ?raw obs:telescope ?telescope }}
}} ORDER BY ?product"""
        )
    )
    assert rows == [
        {"product": B_ID + "dl3/042", "raw": A_ID + "raw/run042", "telescope": "LST-1"},
        {"product": B_ID + "dl3/043", "raw": A_ID + "raw/run043", "telescope": "MAGIC-I"},
    ]


def test_a_finds_what_b_made_of_its_data(
    observatories: tuple[Observatory, Observatory], service_works: None
) -> None:
    a, b = observatories
    rows = bindings(
        a.query(
            PREFIXES
            + f"""SELECT ?raw ?label ?product WHERE {{
  ?raw obs:telescope "LST-1" ; rdfs:label ?label .
  OPTIONAL {{ SERVICE <{b.sparql}> {{ ?product prov:wasDerivedFrom ?raw }} }}
}} ORDER BY ?raw"""
        )
    )
    assert rows == [
        {"raw": A_ID + "raw/run042", "label": "run 042 raw events", "product": B_ID + "dl3/042"},
        {"raw": A_ID + "raw/run044", "label": "run 044 raw events"},
    ]


def test_each_store_keeps_its_own_data(observatories: tuple[Observatory, Observatory]) -> None:
    """Without SERVICE, neither sees the other's documents: the joins above are federated."""
    a, b = observatories
    ask = "ASK { ?x <http://www.w3.org/ns/prov#wasDerivedFrom> ?y }"
    assert a.query(ask).json()["boolean"] is False
    assert b.query(ask).json()["boolean"] is True


def test_a_partner_that_is_down(
    observatories: tuple[Observatory, Observatory], down: str, service_works: None
) -> None:
    """An allowed partner that refuses connections: an error status with a problem body
    (never a 200 with a truncated body, never a 500); with SILENT, the local rows."""
    _, b = observatories
    pattern = "{ ?raw <http://www.w3.org/ns/prov#wasGeneratedBy> ?how }"
    select = "SELECT ?product WHERE { ?product <http://www.w3.org/ns/prov#wasDerivedFrom> ?raw "
    failed = b.query(f"{select} SERVICE <{down}> {pattern} }}")
    assert failed.status_code in {502, 503, 504}, failed.text[:300]
    assert failed.headers["Content-Type"] == "application/problem+json"
    assert down in failed.json()["detail"] or "refused" in failed.json()["detail"].lower()
    silent = bindings(b.query(f"{select} OPTIONAL {{ SERVICE SILENT <{down}> {pattern} }} }}"))
    assert len(silent) == 3


# -- refusals: SERVICE to anything not allowed -----------------------------------------------

FORBIDDEN = {
    "iri": "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "silent": "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "lower-case": "select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
    "prefixed-name": "PREFIX r: <{root}> SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
    "relative-iri": "BASE <{root}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "variable": "SELECT * WHERE {{ VALUES ?x {{ <{url}> }} SERVICE ?x {{ ?s ?p ?o }} }}",
    "in-optional": "SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "in-subquery": "SELECT * {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "comment-between": "SELECT * WHERE {{ SERVICE # partner\n <{url}> {{ ?s ?p ?o }} }}",
    "ask": "ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "construct": "CONSTRUCT WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "allowed-plus-fragment": "SELECT * WHERE {{ SERVICE <{allowed}#x> {{ ?s ?p ?o }} }}",
    "no-space": "SELECT * WHERE {{ SERVICE<{url}> {{ ?s ?p ?o }} }}",
    "quotes-in-comments": ('SELECT * WHERE {{\n# """\n SERVICE <{url}> {{ ?s ?p ?o }}\n# """\n}}'),
}
#: "no-space" and "quotes-in-comments" were holes in an earlier, regular-expression
#: version of provld.sparql_guard: pyoxigraph made the call in both cases.


@pytest.mark.parametrize("how", ["get", "post-form", "post-direct"])
@pytest.mark.parametrize("case", list(FORBIDDEN))
def test_service_to_a_stranger_is_refused_before_any_call(
    observatories: tuple[Observatory, Observatory], recorder: Recorder, case: str, how: str
) -> None:
    a, b = observatories
    query = FORBIDDEN[case].format(
        url=recorder.url, root=recorder.url.rsplit("/", 1)[0] + "/", allowed=a.sparql
    )
    headers = {"Accept": "application/sparql-results+json"}
    if how == "get":
        response = requests.get(b.sparql, params={"query": query}, headers=headers, timeout=20)
    elif how == "post-form":
        response = requests.post(b.sparql, data={"query": query}, headers=headers, timeout=20)
    else:
        headers["Content-Type"] = "application/sparql-query"
        response = requests.post(b.sparql, data=query.encode(), headers=headers, timeout=20)
    assert recorder.connections == [], "the server called the forbidden address"
    assert response.status_code == 400, response.text[:300]
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "SERVICE" in response.json()["detail"]
