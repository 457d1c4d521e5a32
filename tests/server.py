"""A WSGI application served on a real loopback port, in a thread, for tests whose client
is a library that speaks HTTP itself (SPARQLWrapper, rdflib's SPARQLStore, another provld
answering a SERVICE call).

Werkzeug's threaded server is enough here: the point is real sockets and real HTTP, not
speed. The port is chosen by the kernel (port 0), so tests can run side by side. A
:class:`LoopbackServer` knows its URL before it serves anything, which lets two servers be
configured with each other's address (federation partners) before either app exists.

>>> from flask import Flask
>>> app = Flask("hello")
>>> _ = app.route("/")(lambda: "hi")
>>> import urllib.request
>>> with serve(app) as url:
...     urllib.request.urlopen(url + "/").read()
b'hi'
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

HOST = "127.0.0.1"


class _QuietHandler(WSGIRequestHandler):
    # One line per request on stderr drowns the test report; failures show in assertions.
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class LoopbackServer:
    """A threaded WSGI server on ``127.0.0.1`` and a free port.

    The socket is bound at construction, so :attr:`url` is known at once; the application
    may be given later (:attr:`app`), before :meth:`start`.
    """

    def __init__(self, app: Any = None) -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server(
            HOST, 0, self._dispatch, threaded=True, request_handler=_QuietHandler
        )
        self._thread: threading.Thread | None = None
        self.url = f"http://{HOST}:{self._server.server_port}"

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self.app is None:
            raise RuntimeError("LoopbackServer started without an application")
        return self.app(environ, start_response)  # type: ignore[no-any-return]

    def start(self) -> LoopbackServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"loopback {self.url}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` on a loopback port while the block runs; yields the base URL
    (``http://127.0.0.1:PORT``, no trailing slash)."""
    with LoopbackServer(app) as server:
        yield server.url
