"""``/provsap`` and ``provld lineage``: the lineage walk over HTTP and on the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from provld import formats
from provld.cli import main
from provld.web import create_app

from .conftest import shared

STACKED = "http://myobservatory.com/instrument#stacked_image_mean.fits"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    app = create_app({"PROVLD_STORE": str(tmp_path / "s")})
    path = shared("voprov/image_stacking.json")
    app.extensions["provld.catalogue"].load(path.read_bytes(), formats.lookup("provjson"))
    yield app.test_client()
    app.extensions["provld.runner"].close()
    app.extensions["provld.store"].close()


def test_provsap_back_to_the_raw_frames(client: FlaskClient) -> None:
    response = client.get("/provsap", query_string={"id": STACKED, "direction": "BACK"})
    assert response.status_code == 200
    assert response.mimetype == "application/provenance+json"
    text = response.get_data(as_text=True)
    for frame in ("image1.fits", "image2.fits", "image3.fits"):
        assert frame in text
    assert "stacked_image_median" not in text
    doc = json.loads(text)
    assert "activity" in doc and "used" in doc


@pytest.mark.parametrize(
    "fmt, media",
    [
        ("PROV-N", "text/provenance-notation"),
        ("PROV-XML", "application/provenance+xml"),
        ("turtle", "text/turtle"),
    ],
)
def test_provsap_response_formats(client: FlaskClient, fmt: str, media: str) -> None:
    response = client.get(
        "/provsap", query_string={"ID": STACKED, "RESPONSEFORMAT": fmt, "DEPTH": "1"}
    )
    assert response.status_code == 200 and response.mimetype == media


@pytest.mark.parametrize(
    "query, word",
    [
        ({"ID": STACKED, "COLOUR": "red"}, "COLOUR"),
        ({"ID": STACKED, "DEPTH": "-2"}, "DEPTH"),
        ({"ID": STACKED, "DIRECTION": "SIDEWAYS"}, "DIRECTION"),
        ({"ID": STACKED, "RESPONSEFORMAT": "yaml"}, "RESPONSEFORMAT"),
        ({"DEPTH": "1"}, "ID"),
    ],
)
def test_provsap_bad_parameters_say_which(client: FlaskClient, query: dict, word: str) -> None:
    response = client.get("/provsap", query_string=query)
    assert response.status_code == 400
    assert word in response.json["detail"]


def test_provsap_unknown_id_is_404(client: FlaskClient) -> None:
    response = client.get("/provsap", query_string={"ID": "http://nowhere.example/x"})
    assert response.status_code == 404


def test_cli_lineage(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    store = str(tmp_path / "s")
    assert main(["load", str(shared("voprov/image_stacking.json")), "--store", store]) == 0
    capsysbinary.readouterr()
    assert main(["lineage", STACKED, "--depth", "2", "--store", store]) == 0
    out = capsysbinary.readouterr().out.decode()
    assert out.startswith("document") and "wasGeneratedBy" in out
    assert main(["lineage", STACKED, "--direction", "up", "--store", store]) == 2
