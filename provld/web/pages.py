"""HTML pages: what a resource's triples look like to a person.

Properties are named by their ``rdfs:label`` in the ontology (or PROV-O), links show the
label of what they point at, qualified relations are shown with their role, time and
description, and every link stays inside provld (``/id/...`` or ``/resource?uri=...``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import quote, urlencode

from flask import render_template, request
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from provld.describe import label, labels_in, ontology
from provld.store.base import Backend
from provld.vocab import DESCRIPTION_CLASSES, RDF_TYPE, RDFS_LABEL
from provld.web.respond import format_url

_PREFIXES = {
    "http://www.w3.org/ns/prov#": "prov",
    "http://www.ivoa.net/documents/ProvenanceDM/index.html#": "voprov",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://www.w3.org/2001/XMLSchema#": "xsd",
    "http://purl.org/dc/terms/": "dcterms",
    "https://w3id.org/provld/ns#": "provld",
}


#: Resources of these types get a picture of their neighbourhood and links to the views.
_PROV_ELEMENTS = {"http://www.w3.org/ns/prov#" + c for c in ("Entity", "Activity", "Agent")}

_FORMAT_LINKS = [
    ("turtle", "Turtle"),
    ("jsonld", "JSON-LD"),
    ("rdfxml", "RDF/XML"),
    ("ntriples", "N-Triples"),
    ("provjson", "PROV-JSON"),
    ("provxml", "PROV-XML"),
    ("provn", "PROV-N"),
]


@dataclass
class Link:
    href: str
    text: str
    iri: str


@dataclass
class Row:
    name: str
    values: list[Link | str] = field(default_factory=list)


@dataclass
class Qualified:
    name: str
    rows: list[Row]


@cache
def _vocabulary_labels() -> dict[str, str]:
    """rdfs:label of every term of the ontology and its vocabularies."""
    out: dict[str, str] = {}
    for q in ontology().quads_for_pattern(None, RDFS_LABEL, None):
        if isinstance(q.subject, NamedNode) and isinstance(q.object, Literal):
            out.setdefault(q.subject.value, q.object.value)
    return out


def words(iri: str) -> str:
    """A property or class IRI in words: its ontology label, else its local name split."""
    known = _vocabulary_labels().get(iri)
    if known:
        return known
    local = re.split(r"[#/]", iri)[-1] or iri
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).replace("_", " ").lower()


def curie(iri: str) -> str:
    for ns, prefix in _PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def href(iri: str, base: str) -> str:
    """Where provld shows ``iri``: its own path when minted here, the W3C's page for PROV-O
    and other standard terms, /resource otherwise (ontology terms included)."""
    if iri.startswith(base + "id/") or iri.startswith(base + "graph/"):
        return "/" + iri[len(base) :]
    if iri.startswith(_EXTERNAL):
        return iri
    return "/resource?uri=" + quote(iri, safe="")


#: Vocabularies whose terms are documented by their owners, linked directly.
_EXTERNAL = (
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2001/XMLSchema#",
    "http://www.w3.org/2002/07/owl#",
    "http://purl.org/dc/terms/",
)


def link(node: NamedNode, base: str, labels: dict[str, str], store: Backend | None) -> Link:
    text = labels.get(node.value)
    if text is None and store is not None and len(labels) < 400:
        text = label(store, node) or ""
        labels[node.value] = text
    return Link(href(node.value, base), text or curie(node.value), node.value)


def value_of(term: object, base: str, labels: dict[str, str], store: Backend | None) -> Link | str:
    if isinstance(term, NamedNode):
        return link(term, base, labels, store)
    if isinstance(term, Literal):
        return term.value
    return ""


def resource_page(
    store: Backend,
    resource: NamedNode,
    triples: list[Triple],
    incoming: list[tuple[NamedNode, NamedNode]],
    *,
    base: str,
    title: str | None = None,
    documents: list[NamedNode] | None = None,
) -> str:
    """The HTML page of one resource."""
    labels = labels_in(triples)
    types: list[Link] = []
    rows: dict[str, Row] = {}
    blanks: dict[BlankNode, list[Triple]] = {}
    qualified: list[tuple[str, BlankNode | NamedNode]] = []
    for t in triples:
        if isinstance(t.subject, BlankNode):
            blanks.setdefault(t.subject, []).append(t)
            continue
        if t.subject != resource:
            continue
        if t.predicate == RDF_TYPE and isinstance(t.object, NamedNode):
            types.append(Link(href(t.object.value, base), words(t.object.value), t.object.value))
        elif isinstance(t.object, BlankNode):
            qualified.append((words(t.predicate.value), t.object))
        else:
            row = rows.setdefault(t.predicate.value, Row(words(t.predicate.value)))
            row.values.append(value_of(t.object, base, labels, store))
    groups = []
    for name, node in qualified:
        inner: dict[str, Row] = {}
        for t in blanks.get(node, []):  # type: ignore[arg-type]
            if t.predicate == RDF_TYPE:
                continue
            row = inner.setdefault(t.predicate.value, Row(words(t.predicate.value)))
            row.values.append(value_of(t.object, base, labels, store))
        groups.append(Qualified(name, list(inner.values())))
    back: dict[str, Row] = {}
    for subject, predicate in incoming:
        row = back.setdefault(predicate.value, Row(words(predicate.value)))
        row.values.append(link(subject, base, labels, store))
    name = title or labels.get(resource.value) or curie(resource.value)
    # Links to the other formats keep the request's own parameters (/resource?uri=...).
    args = {k: v for k, v in request.args.items() if k != "format"}
    format_links = [
        (label_, format_url(request.path, args, fmt_name)) for fmt_name, label_ in _FORMAT_LINKS
    ]
    picture = view_links = None
    kinds = {t.iri for t in types}
    if kinds & _PROV_ELEMENTS and not kinds & DESCRIPTION_CLASSES:  # its neighbourhood and views
        picture = format_url(request.path, args, "svg")
        scope = urlencode({"id": resource.value})
        view_links = [
            ("Workflow", f"/views/workflow?{scope}"),
            ("Data flow", f"/views/dataflow?{scope}"),
            ("Credits", f"/views/credits?{scope}"),
            ("What came from it", f"/views/dataflow?{scope}&direction=forth"),
            ("Whole lineage (picture)", f"/provsap?ID={quote(resource.value)}&RESPONSEFORMAT=SVG"),
        ]
    return render_template(
        "resource.html",
        title=name,
        picture=picture,
        views=view_links,
        iri=resource.value,
        types=types,
        rows=sorted(rows.values(), key=lambda r: r.name),
        qualified=groups,
        incoming=sorted(back.values(), key=lambda r: r.name),
        documents=[Link(href(d.value, base), d.value, d.value) for d in documents or []],
        formats=format_links,
    )


def ontology_page(triples: list[Triple]) -> str:
    """The ontology as one page with an anchor per term."""
    terms: dict[str, dict[str, str]] = {}
    for t in triples:
        if not isinstance(t.subject, NamedNode) or not isinstance(t.object, Literal):
            continue
        local = t.predicate.value.rsplit("#", 1)[-1]
        if local in ("label", "comment", "prefLabel", "definition"):
            terms.setdefault(t.subject.value, {})[local] = t.object.value
    rows = [
        {
            "iri": iri,
            "anchor": re.split(r"[#/]", iri)[-1],
            "label": info.get("label") or info.get("prefLabel") or curie(iri),
            "comment": info.get("comment") or info.get("definition") or "",
        }
        for iri, info in sorted(terms.items())
    ]
    return render_template("ontology.html", title="ProvenanceDM ontology", terms=rows)
