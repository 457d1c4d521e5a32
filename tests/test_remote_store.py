"""The remote backend over real servers and a real network: atomic loads when the
connection is cut or the server dies half-way, retries only where sending again is
harmless, credentials, settings, and the web application and the command line on a
server. The storage interface itself is tested on every backend in tests/test_backends.py.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from provld import formats
from provld.documents import Catalogue
from provld.errors import StoreError
from provld.store import open_store, remote
from provld.store.remote import RemoteBackend
from provld.web import create_app

from .conftest import BASE, shared, snapshot
from .server import LoopbackServer
from .sparql_servers import (
    CuttingProxy,
    OxigraphServer,
    Server,
    VirtuosoServer,
    auth_proxy,
    free_port,
    server_available,
)

SERVERS = {"oxigraph-server": "oxigraph_server", "virtuoso": "virtuoso_server"}
G = NamedNode("http://ex.org/g")


def _load(catalogue: Catalogue, source: str) -> NamedNode:
    data = shared(source).read_bytes()
    fmt = formats.guess(path=source, content=data)
    return catalogue.load(data, fmt, source=Path(source).name).graph


def _through(proxy: CuttingProxy, server: Server) -> RemoteBackend:
    """The server's store, reached through ``proxy``."""
    path = server.url.split(str(server.port), 1)[1]
    return RemoteBackend(proxy.url + path, server.options)


@pytest.fixture
def own_oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    """An Oxigraph server of the test's own (it may be killed)."""
    reason = server_available("oxigraph-server")
    if reason:
        pytest.skip(reason)
    server = OxigraphServer(tmp_path / "oxigraph", timeout_s=5).start()
    yield server
    server.stop()


# -- all or nothing -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SERVERS)
def test_a_load_cut_mid_upload_leaves_nothing(
    kind: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    server: Server = request.getfixturevalue(SERVERS[kind])
    server.wipe()
    proxy = CuttingProxy(server.port)
    store = _through(proxy, server)
    catalogue = Catalogue(store, BASE)
    kept = _load(catalogue, "w3c-prov/association7.ttl")
    before = snapshot(store)
    monkeypatch.setattr(remote, "SINGLE_UPDATE_LIMIT", 50)  # staged, then moved in
    # every attempt cut in the middle of the staging graph's PUT
    proxy.arm(after=30_000, times=store.retries + 1)
    with pytest.raises(StoreError):
        _load(catalogue, "voprov/image_stacking.json")
    assert proxy.cuts == store.retries + 1
    # no document, no journal entry, no staging graph: the store as it was
    assert snapshot(store) == before
    assert [d.graph for d in catalogue.documents()] == [kept]
    # one cut only: the PUT, harmless to send again, is sent again, and all is there
    proxy.arm(after=30_000)
    again = _load(catalogue, "voprov/image_stacking.json")
    assert proxy.cuts == store.retries + 2
    assert {d.graph for d in catalogue.documents()} == {kept, again}
    assert len(list(store.graph_quads(again))) == 793
    store.close()
    proxy.close()


@pytest.fixture
def own_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A server of the test's own (it may be killed), of the kind the test names."""
    kind = request.param
    reason = server_available(kind)
    if reason:
        pytest.skip(reason)
    server: Server
    if kind == "virtuoso":
        server = VirtuosoServer(tmp_path / "virtuoso").start()
    else:
        server = OxigraphServer(tmp_path / "oxigraph", timeout_s=5).start()
    yield server
    server.stop()


#: Where each server dies: Oxigraph in the middle of the PUT that is the load (one
#: transaction, never committed); Virtuoso as the staged document is about to be moved in.
CRASH = {"oxigraph-server": {"after": 30_000}, "virtuoso": {"on": b"ADD+SILENT"}}


@pytest.mark.parametrize("own_server", list(CRASH), indirect=True)
def test_a_load_cut_by_a_crash_is_recovered_from_the_journal(
    own_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server dies during a big load: whatever it kept of it (a staging graph on
    Virtuoso, nothing on Oxigraph) and the journal entry go when the store is recovered
    (at once if asked, or once the load is older than STALE_AFTER)."""
    kind = "virtuoso" if isinstance(own_server, VirtuosoServer) else "oxigraph-server"
    proxy = CuttingProxy(own_server.port)
    store = _through(proxy, own_server)
    catalogue = Catalogue(store, BASE)
    _load(catalogue, "w3c-prov/association7.ttl")
    before = snapshot(store)
    monkeypatch.setattr(remote, "SINGLE_UPDATE_LIMIT", 50)
    proxy.arm(**CRASH[kind], then=own_server.kill)  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        _load(catalogue, "voprov/image_stacking.json")
    assert proxy.cuts == 1
    store.close()
    own_server.start()  # the same directory and port
    store = _through(proxy, own_server)
    catalogue = Catalogue(store, BASE)
    left = {q[3] for q in snapshot(store)} - {q[3] for q in before}
    if kind == "virtuoso":
        assert [g for g in left if g.startswith("<" + remote.STAGING)]
    else:
        assert left == set()  # the PUT was one transaction, never committed
    assert catalogue.recover() == []  # a moment ago: another worker's, perhaps
    assert len(catalogue.recover(older_than=0)) == 1
    assert snapshot(store) == before
    store.close()
    proxy.close()


def test_an_update_whose_answer_is_lost_is_not_sent_again(oxigraph_server: Server) -> None:
    oxigraph_server.wipe()
    proxy = CuttingProxy(oxigraph_server.port)
    with _through(proxy, oxigraph_server) as store:
        proxy.arm(answer=True)
        with pytest.raises(StoreError, match="may or may not have been applied"):
            # a blank node: sent twice, it would be written twice
            store.update(f'INSERT DATA {{ GRAPH {G} {{ _:b <http://ex.org/p> "x" }} }}')
        rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {G} {{ ?s ?p ?o }} }}")
        assert next(iter(rows))["n"].value == "1"  # type: ignore[arg-type,call-overload,index]
    proxy.close()


def test_a_query_whose_answer_is_lost_is_asked_again(oxigraph_server: Server) -> None:
    oxigraph_server.wipe()
    proxy = CuttingProxy(oxigraph_server.port)
    with _through(proxy, oxigraph_server) as store:
        proxy.arm(answer=True)
        assert not bool(store.query("ASK { ?s ?p ?o }"))
        assert proxy.cuts == 1
    proxy.close()


def test_a_server_still_starting_is_waited_for(tmp_path: Path) -> None:
    reason = server_available("oxigraph-server")
    if reason:
        pytest.skip(reason)
    port = free_port()
    server = OxigraphServer(tmp_path / "late", port=port)
    starter = threading.Timer(0.5, server.start)
    options = {"PROVLD_STORE_SERVER": "oxigraph", "PROVLD_STORE_RETRIES": "10"}
    with RemoteBackend(f"http://127.0.0.1:{port}", options) as store:
        starter.start()
        try:
            # refused connections never reached the server: sent again, even an update
            store.update(f"INSERT DATA {{ GRAPH {G} {{ <http://a> <http://b> 1 }} }}")
            assert store.has_graph(G)
        finally:
            starter.join()
            server.stop()


def test_an_unreachable_server_is_a_store_error_that_names_it() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    options = {"PROVLD_STORE_SERVER": "oxigraph", "PROVLD_STORE_RETRIES": "1"}
    with RemoteBackend(url, options) as store, pytest.raises(StoreError) as info:
        store.query("ASK { ?s ?p ?o }")
    assert url in str(info.value) and "cannot reach" in str(info.value)


# -- credentials and settings ---------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["basic", "bearer"])
def test_credentials_for_a_server_that_asks_for_them(oxigraph_server: Server, scheme: str) -> None:
    oxigraph_server.wipe()
    basic = "Basic " + base64.b64encode(b"provld:s3cret").decode()
    expected = basic if scheme == "basic" else "Bearer t0ken"
    challenge = 'Basic realm="sparql"' if scheme == "basic" else "Bearer"
    app = auth_proxy(oxigraph_server.url, lambda header: header == expected, challenge)
    given = (
        {"PROVLD_STORE_USER": "provld", "PROVLD_STORE_PASSWORD": "s3cret"}
        if scheme == "basic"
        else {"PROVLD_STORE_TOKEN": "t0ken"}
    )
    with LoopbackServer(app) as front:
        options = {"PROVLD_STORE_SERVER": "oxigraph"}
        with RemoteBackend(front.url, options) as anonymous:
            with pytest.raises(StoreError, match="PROVLD_STORE_USER") as info:
                anonymous.query("ASK { ?s ?p ?o }")
            assert "401" in str(info.value)
        with RemoteBackend(front.url, {**options, **given}) as store:
            catalogue = Catalogue(store, BASE)
            graph = _load(catalogue, "w3c-prov/association7.ttl")  # update and query
            assert [d.graph for d in catalogue.documents()] == [graph]
            assert len(list(store.graph_quads(graph))) > 5  # the Graph Store


def test_settings_that_cannot_be_used_are_refused() -> None:
    with pytest.raises(StoreError, match="PROVLD_STORE_USER"):
        open_store("http://user:pass@127.0.0.1:1/sparql", {})
    with pytest.raises(StoreError, match="basic, digest or bearer"):
        open_store("http://127.0.0.1:1/sparql", {"PROVLD_STORE_AUTH": "kerberos"})
    with pytest.raises(StoreError, match="not a number"):
        open_store("http://127.0.0.1:1/sparql", {"PROVLD_STORE_TIMEOUT": "soon"})
    with pytest.raises(StoreError, match="oxigraph, virtuoso, generic"):
        open_store("http://127.0.0.1:1/sparql", {"PROVLD_STORE_SERVER": "graphdb"})


def test_without_a_graph_store_documents_go_by_sparql_update(
    oxigraph_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PROVLD_STORE_GRAPHS=none (a server without the Graph Store Protocol), and a server
    of no known kind (PROVLD_STORE_SERVER=generic, PROVLD_STORE_UPDATE named)."""
    oxigraph_server.wipe()
    options = {
        "PROVLD_STORE_SERVER": "generic",
        "PROVLD_STORE_UPDATE": oxigraph_server.url + "/update",
        "PROVLD_STORE_GRAPHS": "none",
    }
    monkeypatch.setattr(remote, "SINGLE_UPDATE_LIMIT", 50)
    with open_store(oxigraph_server.url + "/query", options) as store:
        assert isinstance(store, RemoteBackend) and store.endpoints.graphs is None
        catalogue = Catalogue(store, BASE)
        graph = _load(catalogue, "w3c-prov/pc1.xml")  # staged by INSERT DATA
        assert catalogue.exists(graph) and len(list(store.graph_quads(graph))) > 200
        # the generic server's union is the server's business: asked without one here
        assert not bool(store.query("ASK { ?s ?p ?o }"))


# -- the web application and the command line -----------------------------------------------


def _chain(n: int) -> bytes:
    derived = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
    return "".join(
        f"<http://ex.org/e{i}> {derived} <http://ex.org/e{i + 1}> .\n" for i in range(n)
    ).encode()


def test_public_queries_on_a_server_keep_their_limits(own_oxigraph: OxigraphServer) -> None:
    app = create_app(
        {
            "PROVLD_STORE": own_oxigraph.url,
            "PROVLD_QUERY_TIMEOUT": "1",
            "PROVLD_MAX_RESULTS": "100",
        }
    )
    app.extensions["provld.catalogue"].load(_chain(4000), formats.lookup("ntriples"))
    client = app.test_client()
    slow = "SELECT ?x ?y WHERE { ?x <http://www.w3.org/ns/prov#wasDerivedFrom>+ ?y } LIMIT 1"
    stopped = client.get("/sparql", query_string={"query": slow})
    assert stopped.status_code == 503 and "longer than 1 s" in stopped.json["detail"]
    many = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert many.status_code == 400 and "more than 100 rows" in many.json["detail"]
    store = app.extensions["provld.store"]
    before = snapshot(store)
    for query in ("INSERT DATA { <http://a> <http://b> <http://c> }", "DROP ALL"):
        refused = client.get("/sparql", query_string={"query": query})
        assert refused.status_code == 400
    assert snapshot(store) == before
    assert client.get("/health").status_code == 200
    store.close()


def test_a_server_down_at_start_up_is_a_503_until_it_is_up(tmp_path: Path) -> None:
    reason = server_available("oxigraph-server")
    if reason:
        pytest.skip(reason)
    port = free_port()
    app = create_app(
        {
            "PROVLD_STORE": f"http://127.0.0.1:{port}",
            "PROVLD_STORE_RETRIES": "0",
        }
    )
    client = app.test_client()
    assert client.get("/health").status_code == 503
    server = OxigraphServer(tmp_path / "late", port=port).start()
    try:
        assert client.get("/health").status_code == 200
    finally:
        server.stop()
        app.extensions["provld.store"].close()


def test_the_command_line_on_a_server(oxigraph_server: Server, tmp_path: Path) -> None:
    oxigraph_server.wipe()
    env = {**os.environ, "PROVLD_STORE": oxigraph_server.url, **oxigraph_server.options}
    source = shared("w3c-prov/association7.ttl")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "provld.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    loaded = run("load", str(source))
    assert loaded.returncode == 0, loaded.stderr
    graph = loaded.stdout.strip().split()[-1]
    listed = run("documents")
    assert graph in listed.stdout
    asked = run("query", "ASK { ?s ?p ?o }", "--format", "json")
    assert '"boolean":true' in asked.stdout.replace(" ", "")
    # and one clear line when the server is gone
    env["PROVLD_STORE"] = f"http://127.0.0.1:{free_port()}"
    env["PROVLD_STORE_RETRIES"] = "0"
    gone = run("documents")
    assert gone.returncode == 2 and "cannot reach" in gone.stderr
    assert "Traceback" not in gone.stderr
