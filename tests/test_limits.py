"""Query limits: a query that would run for ever is stopped, its client gets an error
status, the worker's memory is given back, and the server answers others meanwhile."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from flask.testing import FlaskClient

from provld import formats
from provld.errors import QueryError
from provld.limits import Limits, QueryRunner, QueryTimeout
from provld.store import open_store
from provld.web import create_app

PATHOLOGICAL = (
    "PREFIX prov: <http://www.w3.org/ns/prov#> "
    "SELECT ?x ?y WHERE { ?x prov:wasDerivedFrom+ ?y } LIMIT 1"
)


def _chain(n: int) -> bytes:
    derived = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
    lines = [f"<http://ex.org/e{i}> {derived} <http://ex.org/e{i + 1}> .\n" for i in range(n)]
    return "".join(lines).encode()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    app = create_app(
        {
            "PROVLD_STORE": str(tmp_path / "s"),
            "PROVLD_QUERY_TIMEOUT": "1",
            "PROVLD_MAX_RESULTS": "100",
        }
    )
    app.extensions["provld.catalogue"].load(_chain(4000), formats.lookup("ntriples"))
    yield app.test_client()
    app.extensions["provld.runner"].close()
    app.extensions["provld.store"].close()


def test_a_query_past_the_time_limit_is_stopped_and_others_are_served(client: FlaskClient) -> None:
    answered: list[int] = []

    def others() -> None:
        for _ in range(5):
            answered.append(client.get("/health").status_code)
            time.sleep(0.1)

    side = threading.Thread(target=others)
    began = time.perf_counter()
    side.start()
    response = client.get("/sparql", query_string={"query": PATHOLOGICAL})
    took = time.perf_counter() - began
    side.join()
    assert response.status_code == 503
    assert "longer than 1 s" in response.json["detail"]
    assert took < 30  # stopped, not run to the end
    assert answered == [200] * 5
    # the next query gets a fresh worker and a proper answer
    ok = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert ok.status_code == 200 and ok.json["boolean"] is True


def test_too_many_results_is_an_error_not_a_truncated_answer(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 400
    assert "more than 100 rows" in response.json["detail"]
    construct = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert construct.status_code == 400


def test_the_runner_on_an_in_memory_store_keeps_the_result_limit() -> None:
    store = open_store("memory:")
    store.update("INSERT DATA { <http://a> <http://b> 1, 2, 3 }")
    runner = QueryRunner(store, Limits(timeout=5, max_results=2))
    with pytest.raises(QueryError, match="more than 2 rows"):
        runner.run("SELECT * WHERE { ?s ?p ?o }")
    assert len(list(runner.run("SELECT * WHERE { ?s ?p ?o } LIMIT 2"))) == 2  # type: ignore[arg-type]


def test_runner_timeout_directly(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s"))
    store.update(
        "INSERT DATA { GRAPH <http://g> { "
        + " ".join(f"<http://e/{i}> <http://p> <http://e/{i + 1}> ." for i in range(3000))
        + " } }"
    )
    store.close()
    store = open_store(str(tmp_path / "s"))
    runner = QueryRunner(store, Limits(timeout=0.5, max_results=10))
    with pytest.raises(QueryTimeout):
        runner.run("SELECT ?x ?y WHERE { ?x <http://p>+ ?y } LIMIT 1")
    assert bool(runner.run("ASK { ?s ?p ?o }"))
    runner.close()
    store.close()


def test_the_workers_see_every_write_at_once(tmp_path: Path) -> None:
    """Workers keep their read-only view between queries, until the store is written."""
    store = open_store(str(tmp_path / "s"))
    runner = QueryRunner(store, Limits(timeout=5, max_results=100), workers=1)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def triples() -> int:
        return int(next(iter(runner.run(count)))["n"].value)  # type: ignore[index, call-overload]

    assert triples() == 0
    generation = store.generation
    assert triples() == 0
    assert store.generation == generation  # a read leaves the view kept (None: a server)
    store.update("INSERT DATA { GRAPH <http://g> { <http://a> <http://b> 1, 2 } }")
    assert triples() == 2
    quads = [
        pyoxigraph.Quad(
            pyoxigraph.NamedNode("http://c"),
            pyoxigraph.NamedNode("http://b"),
            pyoxigraph.Literal(3),
            pyoxigraph.NamedNode("http://h"),
        )
    ]
    store.add_graph(pyoxigraph.NamedNode("http://h"), quads)
    assert triples() == 3
    store.remove_graph(pyoxigraph.NamedNode("http://g"))
    assert triples() == 1
    generation = store.generation
    with pytest.raises(QueryError):
        store.update("INSERT DATA { nonsense")
    if generation is not None:  # an embedded store counts its writes, a server does not
        assert store.generation != generation  # a failed write is a new generation too
    assert triples() == 1  # and the workers' new view has the same data
    runner.close()
    store.close()
