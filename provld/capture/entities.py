"""What an activity names as its inputs, outputs and configuration files.

An :class:`EntityRef` is made when the pipeline calls ``used``, ``generated`` or
``config_file``. Files are examined off the task's thread: an input's checksum is
computed by a small pool of worker threads from the moment it is named (hashlib
releases the GIL, so this overlaps the task's own work), an output's when the activity
ends and the file is complete. The entity's IRI is minted from what the examination
found (see :mod:`provld.capture.files`), or is the data product's own identifier.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlparse

from pyoxigraph import Literal, NamedNode

from provld import iris
from provld.capture import config
from provld.capture.files import FileFacts, examine
from provld.model import PROV, VOPROV, Record, Term
from provld.vocab import DCTERMS, PROVLD

log = logging.getLogger("provld.capture")

_LABEL = NamedNode(PROV + "label")
_NAME = NamedNode(VOPROV + "name")
_LOCATION = NamedNode(VOPROV + "location")
_IDENTIFIER = NamedNode(DCTERMS + "identifier")
_FORMAT = NamedNode(DCTERMS + "format")
_SIZE = NamedNode(PROVLD + "byteSize")
_XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
#: URI schemes of resources that are named, not read (a path is anything else).
_SCHEME = frozenset({"http", "https", "ivo", "urn", "s3", "gs", "root", "ftp", "doi", "davs"})

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _hash_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                workers = min(4, os.cpu_count() or 1)
                _pool = ThreadPoolExecutor(workers, thread_name_prefix="provld-capture-hash")
    return _pool


class EntityRef:
    """A file or resource an activity used or generated (or read as configuration).

    :attr:`iri` is the entity's IRI; for a file it depends on its checksum, so reading it
    waits until the file has been examined.
    """

    __slots__ = (
        "kind",
        "path",
        "uri",
        "role",
        "product_id",
        "label",
        "time",
        "derived_from",
        "relation",
        "_future",
        "_facts",
        "_iri",
        "_base",
        "_settings",
    )

    def __init__(
        self,
        kind: str,
        target: str,
        role: str | None,
        product_id: str | None,
        label: str | None,
        time: datetime,
        settings: config.Settings,
    ) -> None:
        self.kind = kind
        self.role = role
        self.product_id = product_id
        self.label = label
        self.time = time
        self.derived_from: Any = None
        self.relation: NamedNode | None = None
        self.path: str | None = None
        self.uri: str | None = None
        self._future: Future[FileFacts] | None = None
        self._facts: FileFacts | None = None
        self._iri: NamedNode | None = None
        self._base = settings.base_uri
        self._settings = settings
        scheme = urlparse(target).scheme.lower() if "://" in target or ":" in target else ""
        if scheme == "file":
            self.path = os.path.abspath(unquote(urlparse(target).path))
        elif scheme in _SCHEME or (len(scheme) > 1 and "://" in target):
            self.uri = target
        else:
            self.path = os.path.abspath(target)

    def examine_now(self) -> None:
        """Examine the file in the calling thread (size and time only: no checksum)."""
        if self.path is not None and self._facts is None:
            self._facts = examine(self.path, self._settings.hash, self._settings.hash_limit)

    def examine_later(self) -> None:
        """Start examining the file in the hash pool."""
        if self.path is None or self._future is not None or self._facts is not None:
            return
        if self._settings.hash == "none":
            self.examine_now()  # a stat: cheaper than a hop to another thread
            return
        s = self._settings
        self._future = _hash_pool().submit(examine, self.path, s.hash, s.hash_limit)

    @property
    def facts(self) -> FileFacts | None:
        if self.path is None:
            return None
        if self._facts is None:
            if self._future is None:
                self.examine_later()
            if self._future is not None:
                self._facts = self._future.result()
        return self._facts

    @property
    def iri(self) -> NamedNode:
        if self._iri is None:
            self._iri = self._mint()
        return self._iri

    def _mint(self) -> NamedNode:
        if self.product_id:
            try:
                if urlparse(self.product_id).scheme:
                    return NamedNode(self.product_id)  # an IVOID, a DOI...: its own IRI
            except ValueError:
                pass
            return iris.minted(self._base, "product", self.product_id)
        if self.uri is not None:
            try:
                return NamedNode(self.uri)
            except ValueError:
                return iris.minted(self._base, "resource", self.uri)
        facts = self.facts
        assert facts is not None
        return iris.minted(self._base, "file", facts.key)

    def record(self) -> Record:
        """The entity's record: where it is, what it is, its size and checksum."""
        location = self.path if self.path is not None else self.uri or ""
        name = os.path.basename(location.rstrip("/")) or location
        attrs: list[tuple[NamedNode, Term]] = [
            (_LABEL, Literal(self.label or name)),
            (_LOCATION, Literal(location)),
        ]
        if self.product_id:
            attrs.append((_IDENTIFIER, Literal(self.product_id)))
        facts = self.facts
        if facts is not None:
            attrs.append((_FORMAT, Literal(facts.media_type)))
            if facts.size is not None:
                attrs.append((_SIZE, Literal(str(facts.size), datatype=_XSD_INTEGER)))
            if facts.digest is not None and facts.algorithm is not None:
                attrs.append((NamedNode(PROVLD + facts.algorithm), Literal(facts.digest)))
            if facts.error is not None:
                # not an error of capture: the entity is recorded with what is known
                log.info("provld capture: %s", facts.error)
        if self.kind == "config":
            attrs.insert(0, (_NAME, Literal(name)))
            return Record("configFile", self.iri, attrs=attrs)
        return Record("datasetEntity", self.iri, attrs=attrs)

    def __repr__(self) -> str:
        return f"<EntityRef {self.kind} {self.path or self.uri} role={self.role!r}>"
