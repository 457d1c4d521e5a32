"""``provld serve --demo``: what a newcomer runs first."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import requests

from .conftest import free_port


def test_serve_demo_answers_pages_and_data(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "provld.cli",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--store",
            str(tmp_path / "store"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                home = requests.get(url + "/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "no server")
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
    finally:
        proc.terminate()
        proc.wait(timeout=20)


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
