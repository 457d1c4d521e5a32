"""Minting IRIs, and turning them into paths: the one place that knows the URI layout.

``{base}id/...`` names things, ``{base}graph/...`` names stored documents. Minted IRIs
are UUIDs (random for documents, name-based for agents) so that they are stable and
globally unique, never counters.

>>> base = "http://localhost:5000/"
>>> catalogue_graph(base).value
'http://localhost:5000/graph/catalogue'
>>> local_base(base, "2f1c").startswith("http://localhost:5000/id/2f1c/")
True
"""

from __future__ import annotations

import uuid

from pyoxigraph import NamedNode

from provld.errors import InputError

DEFAULT_BASE = "http://localhost:5000/"
_NAMESPACE = uuid.UUID("6f0c8a52-3f7e-5d2a-9a63-6c1d1f1e2b10")


def check_base(base: str) -> str:
    """A usable base IRI: absolute, ending with ``/``."""
    if not base.endswith("/"):
        base += "/"
    try:
        NamedNode(base)
    except ValueError:
        raise InputError(f"base URI {base!r} is not a valid absolute IRI") from None
    if ":" not in base:
        raise InputError(f"base URI {base!r} is not absolute")
    return base


def new_document(base: str) -> tuple[NamedNode, str]:
    """A fresh document graph IRI and its UUID."""
    key = str(uuid.uuid4())
    return NamedNode(f"{base}graph/{key}"), key


def local_base(base: str, key: str) -> str:
    """Where identifiers local to one document (no namespace of their own) are minted."""
    return f"{base}id/{key}/"


def catalogue_graph(base: str) -> NamedNode:
    return NamedNode(f"{base}graph/catalogue")


def minted(base: str, kind: str, name: str) -> NamedNode:
    """A stable IRI for a named thing (``kind`` ``agent``, ``software``...)."""
    return NamedNode(f"{base}id/{kind}/{uuid.uuid5(_NAMESPACE, f'{kind}:{name}')}")


def random_id(base: str, kind: str) -> NamedNode:
    return NamedNode(f"{base}id/{kind}/{uuid.uuid4()}")


def document_key(base: str, graph: NamedNode) -> str | None:
    """The path after ``{base}graph/`` for a document graph minted here, else None."""
    prefix = f"{base}graph/"
    return graph.value[len(prefix) :] if graph.value.startswith(prefix) else None
