"""Answered resource pages, kept for the next request that asks the same.

A provenance URI printed in a FITS header is asked for again and again, and its answer
only changes when the store does. So each negotiated answer of ``/id/...`` and
``/resource`` (body and headers, every format, pictures included) is kept under the
request's path, query and ``Accept`` header, with the store's *generation*: the embedded
store counts its writes (:attr:`provld.store.base.Backend.generation`) and a kept answer
of an older generation is never served. A store that others may write (a SPARQL server)
has no generation, and nothing is kept.

The generation is read before the answer is computed: an answer computed while a write
was under way is kept under the generation before it, which the write's end has already
made old. Least recently used answers go first once ``limit`` bytes are held.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Response, current_app, request

from provld.store.base import Backend

#: Per answer, what the cache holds besides the body (headers, key): for its byte count.
_OVERHEAD = 2048


class Answers:
    """Kept responses of one store, ``limit`` bytes at most (0: keep nothing)."""

    def __init__(self, store: Backend, limit: int) -> None:
        self.store = store
        self.limit = limit
        self.held = 0
        # key -> (generation, bytes held, body, headers); only 200s are kept
        self._kept: OrderedDict[Hashable, tuple[int, int, bytes, list[tuple[str, str]]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def answer(self, key: Hashable, compute: Callable[[], Response]) -> Response:
        """The response for ``key``: kept, else computed (and kept when it is a 200 of
        a known generation); conditional requests are answered from it (304)."""
        generation = self.store.generation
        if generation is None or self.limit <= 0:
            return compute()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                if kept[0] == generation:
                    self._kept.move_to_end(key)
                else:
                    self._forget(key)
                    kept = None
        if kept is None:
            response = compute()
            if response.status_code == 200 and not response.is_streamed:
                self._keep(key, generation, response)
            return response
        _, _, body, headers = kept
        response = Response(body, status=200, headers=headers)
        return response.make_conditional(request)  # type: ignore[return-value]

    def _keep(self, key: Hashable, generation: int, response: Response) -> None:
        body = response.get_data()
        size = len(body) + _OVERHEAD
        if size > self.limit // 4:
            return  # one huge answer would push out hundreds of small ones
        headers = [(k, v) for k, v in response.headers.items() if k != "Content-Length"]
        with self._lock:
            if key in self._kept:
                self._forget(key)
            self._kept[key] = (generation, size, body, headers)
            self.held += size
            while self.held > self.limit:
                self._forget(next(iter(self._kept)))

    def _forget(self, key: Hashable) -> None:
        self.held -= self._kept.pop(key)[1]

    def __len__(self) -> int:
        return len(self._kept)


def kept(view: Callable[..., Response]) -> Callable[..., Response]:
    """A view whose answers are kept (see the module): the same path, query and
    ``Accept`` get the same answer until the store changes."""

    @functools.wraps(view)
    def answer(*args: Any, **kwargs: Any) -> Response:
        answers: Answers = current_app.extensions["provld.answers"]
        key = (request.path, request.query_string, request.headers.get("Accept", ""))
        return answers.answer(key, lambda: view(*args, **kwargs))

    return answer
