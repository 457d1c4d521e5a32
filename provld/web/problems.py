"""One place that maps domain errors to HTTP: RFC 9457 problem details as JSON, or an
HTML page for browsers; never a traceback.

========================  ======
error                     status
========================  ======
InputError (and others)   400
NotFoundError             404
not acceptable            406
TooLargeError             413
unsupported media type    415
ValidationError           422
StoreError                503
========================  ======
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from provld.errors import (
    DrawingError,
    NotFoundError,
    ProvldError,
    StoreError,
    TooLargeError,
    ValidationError,
)
from provld.web.negotiation import choose

log = logging.getLogger("provld.web")

STATUS: list[tuple[type[ProvldError], int]] = [
    (NotFoundError, 404),
    (TooLargeError, 413),
    (ValidationError, 422),
    (StoreError, 503),
    (DrawingError, 503),
    (ProvldError, 400),
]
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid document",
    500: "Internal error",
    503: "Store unavailable",
}


class NotAcceptable(ProvldError):
    """The client accepts none of the types a resource has."""

    def __init__(self, available: list[str]) -> None:
        super().__init__("acceptable types here: " + ", ".join(available))
        self.available = available


class Unsupported(ProvldError):
    """A submitted body is of a media type provld cannot read."""


class Unauthorized(ProvldError):
    """A write without a valid bearer token."""


def status_of(exc: ProvldError) -> int:
    from provld.limits import QueryTimeout

    if isinstance(exc, QueryTimeout):
        return 503
    if isinstance(exc, NotAcceptable):
        return 406
    if isinstance(exc, Unsupported):
        return 415
    if isinstance(exc, Unauthorized):
        return 401
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def problem(status: int, detail: str, **extra: object) -> Response:
    """A problem-details response, or an HTML error page for a browser."""
    title = TITLES.get(status, "Error")
    wants = choose(request.headers.get("Accept"), ["application/problem+json", "text/html"])
    if wants == "text/html" and "text/html" in (request.headers.get("Accept") or ""):
        page = render_template("error.html", status=status, title=title, detail=detail)
        response = Response(page, status=status, mimetype="text/html")
    else:
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        body.update(extra)
        response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ProvldError)
    def domain_error(exc: ProvldError) -> Response:
        status = status_of(exc)
        extra: dict[str, object] = {}
        if isinstance(exc, ValidationError) and exc.report is not None:
            as_dict = getattr(exc.report, "as_dict", None)
            extra["report"] = as_dict() if as_dict is not None else str(exc.report)
        response = problem(status, str(exc), **extra)
        if isinstance(exc, Unauthorized):
            response.headers["WWW-Authenticate"] = 'Bearer realm="provld"'
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        detail = exc.description or TITLES.get(status, "error")
        if status == 413:
            detail = (
                f"the body is larger than the limit of {app.config['MAX_CONTENT_LENGTH']} bytes"
            )
        return problem(status, detail)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return problem(500, f"internal error ({type(exc).__name__}); the server log has details")
