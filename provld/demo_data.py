"""The bundled example pipeline (``provld/demo/cta-pipeline.json``: three observation runs
of a synthetic CTA pipeline), loaded once into a store for ``provld serve --demo``."""

from __future__ import annotations

import hashlib

from pyoxigraph import Literal, NamedNode

from provld import formats
from provld.documents import Catalogue
from provld.resources import data_file

DEMO = "cta-pipeline.json"


def load_demo(catalogue: Catalogue) -> NamedNode:
    """Load the demo unless a document with the same bytes is already stored."""
    data = data_file("demo", DEMO).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    found = catalogue.store.query(
        "SELECT ?c ?sha ?g WHERE { GRAPH ?c { ?g <https://w3id.org/provld/ns#sha256> ?sha } }",
        bindings={"c": catalogue.graph, "sha": Literal(digest)},
    )
    for row in found:  # type: ignore[union-attr]
        return row["g"]  # type: ignore[no-any-return]
    return catalogue.load(data, formats.lookup("provjson"), source=DEMO).graph
