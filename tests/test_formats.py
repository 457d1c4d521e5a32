"""The format registry: lookup by name, extension and media type; guessing in order."""

from __future__ import annotations

import pytest

from provld import formats
from provld.errors import FormatError

from .conftest import shared

NAMES = [f.name for f in formats.FORMATS]


@pytest.mark.parametrize("name", NAMES)
def test_every_format_is_found_by_name_media_type_and_extension(name: str) -> None:
    fmt = formats.lookup(name)
    assert formats.lookup(fmt.media_type) is fmt
    assert formats.lookup("." + fmt.extension) is fmt


@pytest.mark.parametrize(
    "spec, name",
    [
        ("Turtle", "turtle"),
        ("text/turtle; charset=utf-8", "turtle"),
        ("PROV-JSON", "provjson"),
        ("prov-n", "provn"),
        ("application/json", "provjson"),
        ("ttl", "turtle"),
        ("nt", "ntriples"),
        ("RDF/XML", "rdfxml"),
        ("json-ld", "jsonld"),
    ],
)
def test_lookup_aliases(spec: str, name: str) -> None:
    assert formats.lookup(spec).name == name


def test_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(FormatError, match="turtle"):
        formats.lookup("yaml")


def test_option_beats_extension_beats_media_type_beats_content() -> None:
    content = b'{"entity": {}}'
    assert formats.guess(option="turtle", path="a.json", content=content).name == "turtle"
    assert formats.guess(path="a.trig", media_type="text/turtle", content=content).name == "trig"
    assert formats.guess(media_type="text/turtle", content=content).name == "turtle"
    assert formats.guess(content=content).name == "provjson"


@pytest.mark.parametrize(
    "relative, name",
    [
        ("voprov/image_stacking.json", "provjson"),
        ("voprov/image_stacking.provn", "provn"),
        ("voprov/image_stacking.xml", "provxml"),
        ("w3c-prov/pc1.xml", "provxml"),
        ("w3c-prov/association7.ttl", "turtle"),
        ("w3c-prov/bundle1.trig", "trig"),
        ("w3c-prov/submission-example-3.jsonld", "provjsonld"),
        ("w3c-prov/provtoolbox-mini-primer.jsonld", "provjsonld"),
        ("w3c-prov/prov-o.ttl", "turtle"),
        ("ctapipe/ctapipe-quickstart.provenance.log", "ctapipe"),
    ],
)
def test_content_sniffing_on_real_documents(relative: str, name: str) -> None:
    assert formats.sniff(shared(relative).read_bytes()).name == name


@pytest.mark.parametrize(
    "content, name",
    [
        (b"<http://a> <http://b> <http://c> .\n", "ntriples"),
        (b"<http://a> <http://b> <http://c> <http://g> .\n", "nquads"),
        (b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="x"/>', "rdfxml"),
        (b"// comment\ndocument\nendDocument", "provn"),
        (b"@prefix ex: <http://ex/> .\nex:g { ex:a ex:b ex:c }", "trig"),
    ],
)
def test_content_sniffing_on_small_inputs(content: bytes, name: str) -> None:
    assert formats.sniff(content).name == name


@pytest.mark.parametrize("content", [b"", b"   \n", b"hello world"])
def test_unrecognisable_content_is_refused(content: bytes) -> None:
    with pytest.raises(FormatError):
        formats.sniff(content)
