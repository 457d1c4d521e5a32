"""The HTTP side of the remote backend: one pooled session to a SPARQL server, its
credentials, timeouts, retries only where sending again is harmless, answers received
whole, and the server's refusals as :class:`~provld.errors.StoreError` or
:class:`~provld.errors.QueryError` naming the store.

Retries: a request is sent again (three times by default, backing off) when the
connection could not be made, which means it never reached the server; after a connection
lost mid-way, only when the caller says sending it again is harmless (``safe``: queries,
Graph Store ``PUT``, ``DROP SILENT``, the commit of a staged document, which does nothing
the second time). An update that may have been applied is never sent twice: its caller
gets a :class:`StoreError` saying so. A request that timed out is not sent again either.

Answers are spooled (to a temporary file past a few megabytes, so memory stays flat) and
checked whole before anyone parses them: a connection lost half-way, or a server that
breaks off a 200 with an error, is an error here rather than a parse error later.
"""

from __future__ import annotations

import itertools
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph
import requests
from pyoxigraph import QueryResultsFormat
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from provld.config import number
from provld.errors import QueryError, StoreError
from provld.store import servers
from provld.store.base import StoreTimeout

#: Bytes of an answer kept in memory before it goes to a temporary file.
SPOOL_MEMORY = 8 * 1024 * 1024
RESULTS = "application/sparql-results+json"
TRIPLES = "application/n-triples, text/turtle;q=0.8, text/plain;q=0.5"
_BACKOFF = (0.2, 0.6, 1.5, 3.0)
_log = logging.getLogger("provld.store")


class Connection:
    """The server behind a store URL, and how to talk to it (PROVLD_STORE_* ``options``:
    the README, "Running it in production")."""

    def __init__(self, location: str, options: Mapping[str, str]) -> None:
        self.url = self.location = check_url(location)
        self.options = dict(options)
        self.timeout = number(options, "PROVLD_STORE_TIMEOUT", 300.0, error=StoreError)
        self.connect_timeout = number(
            options, "PROVLD_STORE_CONNECT_TIMEOUT", 10.0, error=StoreError
        )
        self.retries = int(number(options, "PROVLD_STORE_RETRIES", 3, zero=True, error=StoreError))
        self._user = options.get("PROVLD_STORE_USER")
        self._password = options.get("PROVLD_STORE_PASSWORD") or ""
        self._token = options.get("PROVLD_STORE_TOKEN")
        self._scheme = (options.get("PROVLD_STORE_AUTH") or "").strip().lower()
        if self._scheme not in {"", "basic", "digest", "bearer"}:
            raise StoreError(f"PROVLD_STORE_AUTH={self._scheme!r}: basic, digest or bearer")
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._lock = threading.Lock()
        self._server: servers.Server | None = None
        self.auth: AuthBase | None = None
        if options.get("PROVLD_STORE_SERVER"):
            self._configure(servers.named(options["PROVLD_STORE_SERVER"]))

    @property
    def server(self) -> servers.Server:
        """The kind of server, found from its ``Server`` header on first use."""
        if self._server is None:
            with self._lock:
                if self._server is None:
                    response = self.send("GET", self.url, safe=True, check=False)
                    response.close()
                    self._configure(servers.recognise(response.headers.get("Server", "")))
        assert self._server is not None
        return self._server

    def _configure(self, server: servers.Server) -> None:
        self.endpoints = servers.endpoints(self.url, server, self.options)
        scheme = self._scheme or ("bearer" if self._token else server.auth)
        if scheme == "bearer" or (self._token and not self._user):
            if not self._token:
                raise StoreError("PROVLD_STORE_AUTH=bearer needs PROVLD_STORE_TOKEN")
            self.auth = _Bearer(self._token)
        elif self._user:
            cls = HTTPDigestAuth if scheme == "digest" else HTTPBasicAuth
            self.auth = cls(self._user, self._password)
        if server.system_graph is not None:
            ask = {"query": f"ASK {{ GRAPH <{server.system_graph}> {{ ?s ?p ?o }} }}"}
            _, spool = self.post_query(ask, RESULTS, None, server)
            if bool(pyoxigraph.parse_query_results(spool, QueryResultsFormat.JSON)):
                _log.warning(
                    "store %s: the server's own graphs are in every query's default graph "
                    "(see deploy/virtuoso/setup.sql and the README, 'Running it in production')",
                    self.location,
                )
        self._server = server  # last: other threads wait for all of the above

    def send(
        self,
        method: str,
        url: str,
        *,
        safe: bool,
        auth: bool = True,
        check: bool = True,
        read_timeout: float | None = None,
        what: str = "request",
        **kwargs: Any,
    ) -> requests.Response:
        """One request, sent again on connection errors as the module docstring says;
        a body to send again must be bytes, a form or a file (it is rewound)."""
        body = kwargs.get("data")
        for attempt in itertools.count():
            if body is not None and hasattr(body, "seek"):
                body.seek(0)
            try:
                response = self.session.request(
                    method,
                    url,
                    auth=self.auth if auth else None,
                    timeout=(self.connect_timeout, read_timeout or self.timeout),
                    **kwargs,
                )
            except requests.ConnectTimeout as exc:
                if attempt < self.retries:
                    time.sleep(_BACKOFF[min(attempt, 3)])
                    continue
                raise self.lost(exc, url, True) from None
            except requests.Timeout:
                # Not sent again: a query that took too long would take too long again.
                waited = read_timeout or self.timeout
                message = f"no answer from {url} within {waited:g} s"
                if not safe:
                    message += ": the update may or may not have been applied"
                raise StoreTimeout(message, store=self.location) from None
            except requests.RequestException as exc:
                sent = not never_sent(exc)
                if attempt < self.retries and (safe or not sent):
                    time.sleep(_BACKOFF[min(attempt, 3)])
                    continue
                raise self.lost(exc, url, safe or not sent) from None
            if check and response.status_code >= 400:
                raise self.refused(response, url, what)
            return response
        raise AssertionError("unreachable")

    def lost(self, exc: BaseException, url: str, harmless: bool) -> StoreError:
        if never_sent(exc):
            what = f"cannot reach {url} ({type(exc).__name__})"
        else:
            what = f"lost the connection to {url} ({type(exc).__name__})"
        if not harmless:
            what += ": the update may or may not have been applied"
        return StoreError(what, store=self.location)

    def refused(
        self, response: requests.Response, url: str, what: str = "request"
    ) -> StoreError | QueryError:
        try:
            text = response.text[:1000].strip()
        except requests.RequestException:
            text = ""
        response.close()
        detail = " ".join(text.split("\n\nSPARQL query:")[0].split())[:300] or response.reason
        status = response.status_code
        if status == 400 or (status == 500 and ("SP0" in text or "37000" in text)):
            # Virtuoso reports a query it cannot compile as HTTP 500 with SQL state 37000.
            return QueryError(f"malformed {what}: {detail} (said {url})")
        if status in (401, 403):
            return StoreError(
                f"{url} refused the credentials (HTTP {status}): set PROVLD_STORE_USER and "
                f"PROVLD_STORE_PASSWORD, or PROVLD_STORE_TOKEN ({detail})",
                store=self.location,
            )
        return StoreError(f"HTTP {status} from {url}: {detail}", store=self.location)

    def post_query(
        self,
        form: dict[str, Any],
        accept: str,
        timeout: float | None,
        server: servers.Server | None = None,
    ) -> tuple[requests.Response, IO[bytes]]:
        """POST a query as a form (Virtuoso never answers an ``application/sparql-query``
        POST: their bug #842) and receive the whole answer, within ``timeout``."""
        server = server or self.server
        url = self.endpoints.query
        deadline = time.monotonic() + timeout if timeout else None
        for attempt in itertools.count():
            response = self.send(
                "POST",
                url,
                safe=True,
                auth=server.query_auth,
                read_timeout=timeout,
                what="query",
                data=form,
                headers={"Accept": accept},
                stream=True,
            )
            if response.headers.get("X-SQL-State") == "S1TAT":
                # Virtuoso's "anytime" answer: what it found before the time limit.
                response.close()
                raise StoreTimeout("the query ran past its time limit", store=self.location)
            try:
                return response, self._receive(response, deadline, server)
            except requests.RequestException as exc:
                from urllib3.exceptions import ReadTimeoutError

                cause = exc.args[0] if exc.args else None
                if isinstance(exc, requests.Timeout) or isinstance(cause, ReadTimeoutError):
                    waited = timeout or self.timeout
                    message = f"no answer from {url} within {waited:g} s"
                    raise StoreTimeout(message, store=self.location) from None
                if attempt >= self.retries:
                    raise self.lost(exc, url, True) from None
                time.sleep(_BACKOFF[min(attempt, 3)])
        raise AssertionError("unreachable")

    def _receive(
        self, response: requests.Response, deadline: float | None, server: servers.Server
    ) -> IO[bytes]:
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
        fix = fixer(server, response)
        pending = b""
        try:
            for chunk in response.iter_content(65536):
                if deadline is not None and time.monotonic() > deadline:
                    raise StoreTimeout("the query ran past its time limit", store=self.location)
                if fix is None:
                    spool.write(chunk)
                    continue
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                for line in lines:
                    spool.write(fix(line) + b"\n")
            spool.write(fix(pending) if fix else pending)
        except BaseException:
            spool.close()
            raise
        finally:
            response.close()
        _check_complete(spool, response.headers.get("Content-Type", ""), self.location)
        spool.seek(0)
        return spool

    def close(self) -> None:
        self.session.close()


class Reader:
    """A streamed response body as a file pyoxigraph reads from as it arrives (line by
    line through ``fix``, when the server's answers need one)."""

    def __init__(
        self, response: requests.Response, store: str, fix: Callable[[bytes], bytes] | None
    ) -> None:
        self.raw = response.raw
        self.store = store
        self.fix = fix
        self.pending = b""

    def _raw(self, size: int) -> bytes:
        try:
            return self.raw.read(None if size < 0 else size, decode_content=True) or b""
        except Exception as exc:  # noqa: BLE001 - urllib3's errors, translated here
            raise StoreError(
                f"the connection was lost while reading: {type(exc).__name__}", store=self.store
            ) from None

    def read(self, size: int = -1) -> bytes:
        if self.fix is None:
            return self._raw(size)
        while True:
            data = self._raw(size)
            if not data:  # the end: what is left is the last line
                last, self.pending = self.pending, b""
                return self.fix(last) if last else b""
            head, newline, self.pending = (self.pending + data).rpartition(b"\n")
            if newline:
                return b"\n".join(self.fix(line) for line in head.split(b"\n")) + b"\n"


def fixer(server: servers.Server, response: requests.Response) -> Callable[[bytes], bytes] | None:
    """What the server's answer needs, line by line, if anything."""
    if not server.fixes_answers:
        return None
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media == RESULTS:
        return server.fix_results
    if media in ("application/n-triples", "text/plain", "application/n-quads"):
        return server.fix_triples
    return None


class _Bearer(AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def check_url(location: str) -> str:
    """The store's URL, refused when it carries credentials: the URL is shown in messages
    and on ``/health``, so they go in PROVLD_STORE_USER and PROVLD_STORE_PASSWORD."""
    parts = urlsplit(location)
    if parts.username is not None or parts.password is not None:
        host = parts.hostname or ""
        shown = urlunsplit((parts.scheme, host, parts.path, "", ""))
        raise StoreError(
            "credentials in the store's URL would be shown in messages: give them as "
            "PROVLD_STORE_USER and PROVLD_STORE_PASSWORD (or PROVLD_STORE_TOKEN)",
            store=shown,
        )
    if not parts.hostname:
        raise StoreError("not a URL with a host", store=location)
    return location


def never_sent(exc: BaseException) -> bool:
    """True when the request cannot have reached the server (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError | ConnectionRefusedError)


def _check_complete(spool: IO[bytes], media: str, store: str) -> None:
    """Refuse an answer the server broke off: Oxigraph, for one, writes its error (a query
    stopped by ``--timeout-s``) into a body it has begun as a 200."""
    spool.seek(0, 2)
    size = spool.tell()
    spool.seek(max(0, size - 256))
    tail = spool.read().rstrip()
    media = media.split(";")[0].strip().lower()
    ok = (
        not tail
        or (media.endswith("json") and tail.endswith(b"}"))
        or (media.endswith("xml") and tail.endswith(b">"))
        or (not media.endswith(("json", "xml")) and (tail.endswith(b".") or b"#" in tail))
    )
    if ok:
        return
    last = tail.decode("utf-8", "replace").splitlines()[-1][-200:]
    if "timeout" in last.lower() or "cancel" in last.lower():
        raise StoreTimeout(f"the query was stopped by the server: {last}", store=store)
    raise StoreError(f"the answer was broken off: {last}", store=store)
