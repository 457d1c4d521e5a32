"""Writing PROV-JSON, IVOA record kinds included.

Literals keep their exact lexical form and datatype: strings are written as JSON strings,
every other literal as ``{"$": lexical, "type": datatype}``, so that reading the output
back gives the same RDF. Relations without an identifier get a ``_:idN`` key, as PROV-JSON
requires one per record.

>>> from provld.model import Document, Record, NamedNode
>>> doc = Document({"ex": "http://ex.org/"})
>>> doc.add(Record("entity", NamedNode("http://ex.org/e")))
>>> print(write_provjson(doc).decode())  # doctest: +NORMALIZE_WHITESPACE
{"prefix": {"ex": "http://ex.org/"}, "entity": {"ex:e": {}}}
"""

from __future__ import annotations

import json
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode

from provld.model import PROV, XSD, Document, Record, Term, arg_namespace
from provld.qnames import STANDARD_PREFIXES, Namespaces

_XSD_STRING = XSD + "string"
_PROV_TYPE = PROV + "type"


def write_provjson(doc: Document, *, indent: int | None = None) -> bytes:
    """Serialise ``doc`` (and its bundles) as PROV-JSON."""
    ns = Namespaces({k: v for k, v in doc.namespaces.items() if k}, doc.namespaces.get(""))
    writer = _Writer(ns)
    body = writer.document(doc)
    used = {p: ns.prefixes[p] for p in sorted(writer.used_prefixes) if p in ns.prefixes}
    out: dict[str, Any] = {"prefix": used} if used else {}
    out.update(body)
    return json.dumps(out, indent=indent, ensure_ascii=False).encode("utf-8")


class _Writer:
    def __init__(self, ns: Namespaces) -> None:
        self.ns = ns
        self.used_prefixes: set[str] = set()
        self.blank_labels: dict[BlankNode, str] = {}
        self.counter = 0

    def qname(self, node: Term) -> str:
        if isinstance(node, BlankNode):
            label = self.blank_labels.get(node)
            if label is None:
                self.counter += 1
                label = self.blank_labels[node] = f"_:b{self.counter}"
            return label
        text = self.ns.compact(node.value)
        prefix = text.split(":", 1)[0]
        if prefix not in STANDARD_PREFIXES or prefix in ("voprov",):
            self.used_prefixes.add(prefix)
        return text

    def document(self, doc: Document) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for record in doc.records:
            section = out.setdefault(record.kind, {})
            if record.id is None:
                self.counter += 1
                key = f"_:id{self.counter}"
            else:
                key = self.qname(record.id)
            body = self.record(record)
            if key in section:
                previous = section[key]
                section[key] = (previous if isinstance(previous, list) else [previous]) + [body]
            else:
                section[key] = body
        if doc.bundles:
            out["bundle"] = {
                self.qname(bid): self.document(bundle) for bid, bundle in doc.bundles.items()
            }
        return out

    def record(self, record: Record) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if record.args:
            space = "voprov" if arg_namespace(record.kind) != PROV else "prov"
            if space == "voprov":
                self.used_prefixes.add("voprov")
            for arg, value in record.args.items():
                key = f"{space}:{arg}"
                if isinstance(value, Literal):
                    body[key] = value.value
                else:
                    body[key] = self.qname(value)
        for attr, value in record.attrs:
            key = self.qname(attr)
            written = self.value(value, attr.value == _PROV_TYPE)
            if key in body:
                previous = body[key]
                body[key] = (previous if isinstance(previous, list) else [previous]) + [written]
            else:
                body[key] = written
        return body

    def value(self, value: Term, is_type: bool) -> Any:
        if isinstance(value, NamedNode | BlankNode):
            return {"$": self.qname(value), "type": "prov:QUALIFIED_NAME"}
        if value.language:
            return {"$": value.value, "lang": value.language}
        if value.datatype.value == _XSD_STRING and not (is_type and ":" in value.value):
            return value.value
        return {"$": value.value, "type": self.qname(value.datatype)}
