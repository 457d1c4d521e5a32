"""Recording activities from inside a running pipeline.

:func:`activity` opens an :class:`Activity` as a context manager or a decorator. The
current activity lives in a :class:`~contextvars.ContextVar`, so nesting follows the code
(a step inside a tool is a step of that tool) while threads and asyncio tasks each see
their own: a thread starts with no current activity (pass ``parent=`` to attach its work
to one), an asyncio task starts inside the activity that created it.

Every method of an activity guards itself: an error inside capture is logged on the
``provld.capture`` logger and the pipeline goes on; only the pipeline's own exceptions
leave a ``with`` block, after being recorded as the activity's failure.

The records are built when the activity ends (:mod:`provld.capture.records`); a
top-level activity then assembles the document of its whole tree and hands it to
:mod:`provld.capture.sink`.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import threading
import uuid as uuidlib
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from typing import Literal as TypingLiteral

from pyoxigraph import NamedNode

from provld.capture import config, environment, sink
from provld.capture.descriptions import (
    ActivityDescription,
    resolve,
)
from provld.capture.entities import EntityRef
from provld.capture.environment import Agent
from provld.capture.records import agents, build, document
from provld.model import Document, Record

log = logging.getLogger("provld.capture")

_current: ContextVar[Activity | None] = ContextVar("provld_capture_activity", default=None)
_registry: dict[str, ActivityDescription] = {}


F = TypeVar("F", bound=Callable[..., Any])
LiteralFalse = TypingLiteral[False]


def _now() -> datetime:
    return datetime.now(UTC)


def _guard(default: Any = None) -> Callable[[F], F]:
    """Log instead of raising: capture must never make the pipeline fail."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except Exception:
                log.exception("provld capture: %s failed; the task goes on", method.__name__)
                return default

        return cast(F, guarded)

    return wrap


class _Tree:
    """What the activities of one top-level activity share: the records of the finished
    ones, and whether the document was already emitted."""

    __slots__ = ("lock", "parts", "done")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.parts: list[Sequence[Record]] = []
        self.done = False


class Activity:
    """One run of something: a tool, a step of a tool, a function call.

    Made by :func:`activity`; use its methods inside the block. After the block,
    :attr:`document` is the recorded PROV document (for a nested step, the part of the
    document about that step).
    """

    def __init__(
        self,
        name: str,
        *,
        description: Any = None,
        agent: Any = None,
        parent: Activity | None = None,
        uuid: str | None = None,
        settings: config.Settings | None = None,
        software: Agent | None = None,
        context: Record | None = None,
    ) -> None:
        self.name = name
        self.settings = settings or config.settings()
        self.uuid = _uuid(uuid)
        self.iri = activity_iri(self.settings.base_uri, self.uuid)
        self.parent = parent
        self.started = _now()
        self.ended: datetime | None = None
        self.status: str | None = None
        self.error: str | None = None
        self.exit_code: int | None = None
        self.command: Sequence[str] | None = None
        self.document: Document | None = None
        self.description: ActivityDescription | None = None
        self._tree: _Tree = parent._tree if parent is not None else _Tree()
        self._lock = threading.Lock()
        self._last = self.started
        self._uses: list[EntityRef] = []
        self._outputs: list[EntityRef] = []
        self._configs: list[EntityRef] = []
        self._params: dict[str, tuple[Any, str | None, str | None, str | None]] = {}
        self._informants: list[NamedNode] = []
        self._agents: list[Agent] = []
        self._software = software
        self._context = context
        self._records: list[Record] = []
        self._token: Token[Activity | None] | None = None
        self._check_first = False  # ask a server whether it has the document before sending
        try:
            self.description = resolve(description, name, _registry)
        except Exception:
            log.exception("provld capture: description of %r not usable; none recorded", name)
        try:
            self._agents = agents(agent, self.settings)
        except Exception:
            log.exception("provld capture: agent of %r not usable", name)
            self._agents = [environment.person(self.settings)]

    # -- what the pipeline tells -------------------------------------------------------

    @_guard()
    def used(
        self,
        path_or_uri: str | os.PathLike[str],
        role: str | None = None,
        *,
        id: str | None = None,
        label: str | None = None,
        time: datetime | None = None,
    ) -> EntityRef:
        """Record an input: a file (size, media type and checksum are recorded) or a
        resource named by a URI. ``id`` is the data product's own identifier (a CTAO
        product ID, an ``ivo://`` IVOID): it names the entity. ``time`` is when it was
        used (default: now)."""
        moment = time or self._event()
        ref = EntityRef("used", os.fspath(path_or_uri), role, id, label, moment, self.settings)
        ref.examine_later()
        self._check_role("usage", role)
        with self._lock:
            self._uses.append(ref)
        return ref

    @_guard()
    def generated(
        self,
        path_or_uri: str | os.PathLike[str],
        role: str | None = None,
        *,
        id: str | None = None,
        label: str | None = None,
        derived_from: bool | Iterable[Any] | EntityRef | str | None = None,
        time: datetime | None = None,
    ) -> EntityRef:
        """Record an output; the file is examined when the activity ends, complete.
        ``derived_from`` names the inputs it was derived from (paths, URIs, what
        :meth:`used` returned), or ``True`` for every input of this activity."""
        moment = time or self._event()
        ref = EntityRef("generated", os.fspath(path_or_uri), role, id, label, moment, self.settings)
        ref.derived_from = derived_from
        self._check_role("generation", role)
        with self._lock:
            self._outputs.append(ref)
        return ref

    @_guard()
    def parameter(
        self,
        name: str,
        value: Any,
        *,
        unit: str | None = None,
        ucd: str | None = None,
        description: str | None = None,
    ) -> None:
        """Record a parameter's value (an astropy Quantity gives its unit too)."""
        if self.description is not None and self.description.parameter(name) is None:
            log.warning(
                "provld capture: parameter %r is not declared by the description %r of %r",
                name,
                self.description.name,
                self.name,
            )
        with self._lock:
            self._params[str(name)] = (value, unit, ucd, description)

    @_guard()
    def config_file(self, path: str | os.PathLike[str]) -> EntityRef:
        """Record a configuration file the activity read (checksummed like an input)."""
        ref = EntityRef("config", os.fspath(path), None, None, None, self._event(), self.settings)
        ref.examine_later()
        with self._lock:
            self._configs.append(ref)
        return ref

    @_guard()
    def informed_by(self, *others: Activity | NamedNode | str) -> None:
        """Record that this activity used something another one made or said: another
        :class:`Activity`, an activity IRI, or the UUID of a captured activity."""
        for other in others:
            if isinstance(other, Activity):
                node = other.iri
            elif isinstance(other, NamedNode):
                node = other
            else:
                text = str(other)
                try:
                    node = activity_iri(self.settings.base_uri, str(uuidlib.UUID(text)))
                except ValueError:
                    node = NamedNode(text)
            with self._lock:
                self._informants.append(node)

    # -- life cycle --------------------------------------------------------------------

    def _event(self) -> datetime:
        moment = _now()
        if moment < self._last:  # the wall clock stepped back: keep events in order
            moment = self._last
        self._last = moment
        return moment

    def _check_role(self, kind: str, role: str | None) -> None:
        desc = self.description
        if desc is None or role is None:
            return
        slot = desc.usage(role) if kind == "usage" else desc.generation(role)
        if slot is None:
            log.warning(
                "provld capture: %s role %r is not declared by the description %r of %r",
                kind,
                role,
                desc.name,
                self.name,
            )

    def _finish(self, exc: BaseException | None) -> None:
        """Close the activity: status, end time, records; emit the document if top-level."""
        try:
            if self.ended is None:
                self.ended = max(_now(), self._last)
            if exc is None:
                self.status = self.status or "success"
            elif isinstance(exc, SystemExit) and exc.code in (0, None):
                self.status = "success"
            else:
                self.status = "failure"
                message = str(exc)
                if self.error is None:
                    name = type(exc).__name__
                    self.error = f"{name}: {message}" if message else name
            if self.exit_code is not None and self.exit_code != 0 and exc is None:
                self.status = "failure"
            records = build(self)
            self._records = records
            self.document = document(records, self.settings)
        except Exception:
            log.exception("provld capture: recording %r failed; the task goes on", self.name)
            return
        tree = self._tree
        with tree.lock:
            attach = self.parent is not None and not tree.done
            if attach:
                tree.parts.append(records)
            elif self.parent is None:
                tree.done = True
        if self.parent is not None and attach:
            return
        if self.parent is None:
            with tree.lock:
                parts = [*tree.parts, records]
            try:
                self.document = document([r for part in parts for r in part], self.settings)
            except Exception:
                log.exception("provld capture: assembling the document of %r failed", self.name)
                return
        else:
            log.info(
                "provld capture: %r ended after its parent; recorded in a document of its own",
                self.name,
            )
        sink.emit(self.document, self)

    # -- records -----------------------------------------------------------------------


def activity_iri(base: str, uuid: str) -> NamedNode:
    """The IRI of the activity ``uuid``: ``{base}id/activity/<uuid>`` (what ctapipe writes
    in file headers is the UUID, so the IRI is found from it)."""
    return NamedNode(f"{base}id/activity/{uuid}")


def _uuid(given: str | None) -> str:
    if given:
        try:
            return str(uuidlib.UUID(str(given)))
        except ValueError:
            log.error("provld capture: %r is not a UUID; the activity gets a new one", given)
    return str(uuidlib.uuid4())


def current() -> Activity | None:
    """The activity open in this thread or task, if any."""
    return _current.get()


def register(*descriptions: ActivityDescription) -> None:
    """Make descriptions known by name, for ``activity(..., description="name")``."""
    for desc in descriptions:
        _registry[desc.name] = desc


class _Block:
    """What :func:`activity` returns: a context manager (sync and async) and a decorator."""

    __slots__ = ("name", "description", "agent", "parent", "uuid", "_open")

    def __init__(
        self,
        name: str | None,
        description: Any,
        agent: Any,
        parent: Activity | None,
        uuid: str | None,
    ) -> None:
        self.name = name
        self.description = description
        self.agent = agent
        self.parent = parent
        self.uuid = uuid
        self._open: list[Activity] = []

    def _start(self, name: str | None = None) -> Activity:
        parent = self.parent if self.parent is not None else _current.get()
        try:
            act = Activity(
                name or self.name or "activity",
                description=self.description,
                agent=self.agent,
                parent=parent,
                uuid=self.uuid,
            )
        except Exception:
            log.exception("provld capture: cannot start %r; recording without it", self.name)
            act = _fallback(name or self.name or "activity")
        act._token = _current.set(act)
        if parent is None:
            sink._SENDER.backlog(act.settings)
        return act

    def _end(self, act: Activity, exc: BaseException | None) -> None:
        if act._token is not None:
            try:
                _current.reset(act._token)
            except ValueError:  # closed in another context than it was opened in
                _current.set(act.parent)
        act._finish(exc)

    def __enter__(self) -> Activity:
        act = self._start()
        self._open.append(act)
        return act

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> LiteralFalse:
        act = self._open.pop()
        self._end(act, exc)
        return False  # the pipeline's exception goes on

    async def __aenter__(self) -> Activity:
        return self.__enter__()

    async def __aexit__(self, kind: Any, exc: BaseException | None, tb: Any) -> LiteralFalse:
        return self.__exit__(kind, exc, tb)

    def __call__(self, func: F) -> F:
        name = self.name or getattr(func, "__qualname__", None) or repr(func)
        spec = (self.description, self.agent, self.parent, self.uuid)

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                async with _Block(name, *spec):
                    return await func(*args, **kwargs)

            return cast(F, run_async)

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with _Block(name, *spec):
                return func(*args, **kwargs)

        return cast(F, run)


def _fallback(name: str) -> Activity:
    """An activity that records as little as possible, when a normal one cannot start."""
    act = Activity.__new__(Activity)
    Activity.__init__(act, name, settings=config.Settings.build({}))
    return act


def activity(
    name: Any = None,
    description: ActivityDescription | str | os.PathLike[str] | dict[str, Any] | None = None,
    agent: str | Agent | Sequence[str | Agent] | None = None,
    *,
    parent: Activity | None = None,
    uuid: str | None = None,
) -> Any:
    """An activity to record, as ``with activity("name") as act:`` or as a decorator
    (``@activity("name")``, or ``@activity`` to use the function's name).

    ``description`` is an :class:`ActivityDescription`, a file holding one (JSON, YAML,
    OPUS VOTable), the name of a registered one, or a dict of its fields. ``agent`` is
    who runs it (default: the configured person). ``parent`` attaches the activity to
    another one explicitly (for work handed to another thread); ``uuid`` sets the
    activity's UUID (ctapipe's ``activity_uuid``), from which its IRI is made.
    """
    if callable(name) and not isinstance(name, str):
        return _Block(None, description, agent, parent, uuid)(name)
    return _Block(name, description, agent, parent, uuid)
