"""``provld serve --demo``: what a newcomer runs first."""

from __future__ import annotations

from pathlib import Path

import requests

from .conftest import serve_demo


def test_serve_demo_answers_pages_and_data(tmp_path: Path) -> None:
    with serve_demo(tmp_path / "store") as url:
        home = requests.get(url + "/", timeout=10)
        assert home.status_code == 200 and "documents" in home.text
        assert "cta-pipeline.json" in home.text
        rows = requests.get(
            url + "/sparql",
            params={
                "query": "SELECT ?a WHERE { ?a a <http://www.w3.org/ns/prov#Activity> } LIMIT 1"
            },
            timeout=30,
        ).json()["results"]["bindings"]
        activity = rows[0]["a"]["value"]
        page = requests.get(url + "/resource", params={"uri": activity}, timeout=10)
        assert page.status_code == 200 and "<h1>" in page.text
        ttl = requests.get(
            url + "/resource",
            params={"uri": activity},
            headers={"Accept": "text/turtle"},
            timeout=10,
        )
        assert ttl.headers["Content-Type"].startswith("text/turtle")


def test_serve_demo_twice_loads_the_demo_once(tmp_path: Path) -> None:
    from provld.config import Settings
    from provld.demo_data import load_demo
    from provld.documents import Catalogue
    from provld.store import open_store

    with open_store(str(tmp_path / "s")) as store:
        catalogue = Catalogue(store, Settings().base_uri)
        first = load_demo(catalogue)
        assert load_demo(catalogue) == first
        assert len(catalogue.documents()) == 1
