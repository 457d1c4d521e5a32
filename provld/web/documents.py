"""Writing over HTTP: ``POST /documents``, ``GET/PUT/DELETE /documents/<id>``.

Every write needs a bearer token of the configuration, compared in constant time; reads
are public.
"""

from __future__ import annotations

import functools
import hmac
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from pyoxigraph import NamedNode

from provld import formats
from provld.errors import FormatError, InputError, NotFoundError, ProvldError
from provld.web import context, resources
from provld.web.problems import Unauthorized, Unsupported

blueprint = Blueprint("documents", __name__)


def require_token() -> str:
    """The name of the token the request carries; Unauthorized if none is valid."""
    tokens = context.settings().tokens
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if not tokens:
        raise Unauthorized("this server takes no writes (no PROVLD_TOKENS configured)")
    if scheme.lower() != "bearer" or not given:
        raise Unauthorized("writes need an Authorization: Bearer token")
    found = None
    for name, token in tokens.items():
        if hmac.compare_digest(given.encode(), token.encode()):
            found = name
    if found is None:
        raise Unauthorized("the token is not valid")
    return found


def _body_format() -> formats.Format:
    spec = request.args.get("format")
    media = request.mimetype or None
    data = request.get_data(cache=True)
    try:
        if spec:
            fmt = formats.lookup(spec)
        elif media and media not in ("application/octet-stream", "text/plain"):
            fmt = formats.guess(media_type=media, content=data)
        else:
            fmt = formats.guess(content=data)
    except FormatError as exc:
        raise Unsupported(f"unsupported document type: {exc}") from None
    if not fmt.readable:
        raise Unsupported(f"{fmt.label} cannot be submitted")
    return fmt


def _graph(key: str) -> NamedNode:
    try:
        return NamedNode(f"{context.settings().base_uri}graph/{key}")
    except ValueError:
        raise NotFoundError(f"no document {key!r}") from None


def _created(stored: object, status: int) -> Response:
    graph = stored.graph  # type: ignore[attr-defined]
    key = graph.value.rsplit("/graph/", 1)[-1]
    body = jsonify(
        graph=graph.value,
        triples=stored.triples,  # type: ignore[attr-defined]
        sha256=stored.sha256,  # type: ignore[attr-defined]
        format=stored.format,  # type: ignore[attr-defined]
    )
    body.status_code = status
    body.headers["Location"] = url_for("documents.read", key=key)
    return body


def _checker() -> Any:
    """The SHACL gate of a submission: ``?profile=`` (basic, release) or basic."""
    from provld.validate import profile_files, validate

    profile = request.args.get("profile", "basic")
    try:
        profile_files(profile)
    except ProvldError as exc:
        raise InputError(f"profile: {exc}") from None
    return functools.partial(validate, profile=profile)


@blueprint.post("/documents")
def submit() -> Response:
    who = require_token()
    fmt = _body_format()
    stored = context.catalogue().load(
        request.get_data(cache=False),
        fmt,
        source=request.headers.get("Slug"),
        agent=who,
        validate=_checker(),
    )
    return _created(stored, 201)


@blueprint.get("/documents/<path:key>")
def read(key: str) -> Response:
    """The stored document: the same negotiated answer as ``/graph/<key>`` (an HTML page
    for browsers, where this used to send an empty one)."""
    return resources.document(key)


@blueprint.put("/documents/<path:key>")
def replace(key: str) -> Response:
    who = require_token()
    graph = _graph(key)
    fmt = _body_format()
    stored = context.catalogue().replace(
        graph, request.get_data(cache=False), fmt, source=request.headers.get("Slug"), agent=who
    )
    return _created(stored, 200)


@blueprint.delete("/documents/<path:key>")
def remove(key: str) -> Response:
    require_token()
    context.catalogue().remove(_graph(key))
    return Response(status=204)
