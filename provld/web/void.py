"""The VoID description of the dataset and the streamed dump it names.

``/.well-known/void`` says what is here (live counts, vocabularies, the SPARQL endpoint,
the dump) for external catalogues; ``/dumps/store.nq.gz`` is the whole store as gzipped
N-Quads, written by the store into a bounded queue while the client reads, so memory stays
flat whatever the size of the store.
"""

from __future__ import annotations

import gzip
import queue
import threading
from collections.abc import Iterator

import pyoxigraph
from flask import Blueprint, Response
from pyoxigraph import RdfFormat

from provld import describe
from provld.store.base import Backend
from provld.web import context
from provld.web.respond import negotiated, pick_format

blueprint = Blueprint("void", __name__)


class _QueueWriter:
    """A binary file that hands what is written to a bounded queue, in chunks."""

    def __init__(self, chunks: queue.Queue[bytes | None]) -> None:
        self.chunks = chunks

    def write(self, data: bytes) -> int:
        if data:
            self.chunks.put(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _stream_dump(store: Backend) -> Iterator[bytes]:
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=64)
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            with gzip.GzipFile(fileobj=_QueueWriter(chunks), mode="wb", compresslevel=6) as out:  # type: ignore[arg-type]
                store.dump(out, RdfFormat.N_QUADS)  # type: ignore[arg-type]
        except BaseException as exc:  # noqa: BLE001 - ends the stream; logged by the caller
            failure.append(exc)
        finally:
            chunks.put(None)

    threading.Thread(target=produce, daemon=True).start()
    while (chunk := chunks.get()) is not None:
        yield chunk


@blueprint.get("/dumps/store.nq.gz")
def dump() -> Response:
    # the store is taken now: the body is produced after the view has returned
    response = Response(_stream_dump(context.store()), mimetype="application/n-quads")
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Disposition"] = 'attachment; filename="store.nq.gz"'
    return response


@blueprint.get("/.well-known/void")
def void() -> Response:
    base = context.settings().base_uri
    counts = describe.counts(context.store(), context.catalogue().graph)
    total = context.store().query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    triples = next(iter(total))["n"].value  # type: ignore[arg-type, call-overload, index]
    text = f"""
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{base}.well-known/void#dataset> a void:Dataset ;
  dcterms:title "provld provenance store" ;
  dcterms:description "Provenance of data products as IVOA ProvenanceDM 1.0 / W3C PROV-O." ;
  void:triples {int(triples)} ;
  void:documents {counts.get("documents", 0)} ;
  void:entities {sum(counts.get(k, 0) for k in ("entities", "activities", "agents"))} ;
  void:sparqlEndpoint <{base}sparql> ;
  void:dataDump <{base}dumps/store.nq.gz> ;
  void:uriSpace "{base}id/" ;
  void:vocabulary <http://www.w3.org/ns/prov#>,
    <http://www.ivoa.net/documents/ProvenanceDM/index.html#> ;
  void:feature <http://www.w3.org/ns/formats/N-Quads>, <http://www.w3.org/ns/formats/Turtle> .
"""
    found = list(pyoxigraph.parse(text.encode(), RdfFormat.TURTLE))
    fmt = pick_format()
    if fmt.name == "html":
        fmt = pick_format("turtle")
    return negotiated(found, fmt, html=lambda: "")  # type: ignore[arg-type]
