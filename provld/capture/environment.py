"""Who and what ran an activity: the person, the software with the packages it imported,
and the machine (host, operating system, Python) as a context entity.

All three are looked up once and cached: a pipeline that records thousands of steps pays
for them once. Their IRIs are name-based UUIDs (:func:`provld.iris.minted`) of what they
are, so the same person, the same program with the same packages, and the same machine
are one node across every run and every document; the person's ORCID, when given, is
their IRI itself.
"""

from __future__ import annotations

import getpass
import importlib.metadata
import os
import platform
import socket
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache

from pyoxigraph import Literal, NamedNode

from provld import iris
from provld.capture.config import Settings
from provld.model import PROV, VOPROV, Record, Term
from provld.readers.ctapipe import CAPTURE

_TYPE = NamedNode(PROV + "type")
_LABEL = NamedNode(PROV + "label")
_NAME = NamedNode(VOPROV + "name")
_PACKAGE = NamedNode(CAPTURE + "package")


def _v(local: str) -> NamedNode:
    return NamedNode(VOPROV + local)


def _c(local: str) -> NamedNode:
    return NamedNode(CAPTURE + local)


@dataclass(frozen=True, slots=True)
class Agent:
    """A person, organisation or program responsible for an activity.

    ``kind`` is ``person``, ``organization`` or ``software``; ``iri`` (an ORCID, a ROR
    IRI...) names it, else a stable IRI is minted from its name; ``role`` is its role in
    the activity (the REC's agent roles: author, operator, provider...).
    """

    name: str
    kind: str = "person"
    email: str | None = None
    iri: str | None = None
    affiliation: str | None = None
    url: str | None = None
    version: str | None = None
    role: str | None = None

    def node(self, base: str) -> NamedNode:
        if self.iri:
            return NamedNode(self.iri)
        key = self.email or self.name
        if self.kind == "software":
            key = f"{self.name} {self.version or ''}".strip()
        return iris.minted(base, "agent" if self.kind != "software" else "software", key)

    def record(self, base: str) -> Record:
        cls = {"person": "Person", "organization": "Organization", "software": "SoftwareAgent"}
        attrs: list[tuple[NamedNode, Term]] = [
            (_TYPE, NamedNode(PROV + cls.get(self.kind, "Person"))),
            (_NAME, Literal(self.name)),
        ]
        for key, value in (
            ("email", self.email),
            ("affiliation", self.affiliation),
            ("url", self.url),
            ("version", self.version),
        ):
            if value:
                attrs.append((_v(key), Literal(value)))
        return Record("agent", self.node(base), attrs=attrs)


def person(settings: Settings) -> Agent:
    """The person running the pipeline: the configured name, else the login name."""
    return Agent(
        name=settings.name or _login(),
        kind="person",
        email=settings.email,
        iri=settings.orcid,
        affiliation=settings.affiliation,
        url=settings.orcid,
        role="operator",
    )


@lru_cache(maxsize=1)
def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


# -- the software -------------------------------------------------------------------------

_modules_lock = threading.Lock()
_packages_cache: tuple[int, tuple[tuple[str, str], ...]] = (-1, ())


@lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    try:
        return dict(importlib.metadata.packages_distributions())
    except Exception:  # a broken installation must not stop capture
        return {}


@lru_cache(maxsize=1024)
def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except Exception:
        return None


def packages() -> tuple[tuple[str, str], ...]:
    """``(distribution, version)`` of every installed distribution a top-level module in
    ``sys.modules`` comes from, the standard library left out; recomputed only when
    modules were imported since the last call."""
    global _packages_cache
    count = len(sys.modules)
    cached = _packages_cache
    if cached[0] == count:
        return cached[1]
    with _modules_lock:
        owners = _distributions()
        stdlib = sys.stdlib_module_names
        found: dict[str, str] = {}
        for name in list(sys.modules):
            if "." in name or name in stdlib or name.startswith("_"):
                continue
            for dist in owners.get(name, ()):
                if dist not in found:
                    version = _version(dist)
                    if version is not None:
                        found[dist] = version
        result = tuple(sorted(found.items(), key=lambda kv: kv[0].lower()))
        _packages_cache = (count, result)
        return result


@lru_cache(maxsize=8)
def program(configured: str | None, configured_version: str | None) -> tuple[str, str | None]:
    """The running program and its version: as configured, else the distribution of the
    ``__main__`` module's package (``python -m ctapipe.tools.process``), else the script's
    name and, when it is an installed console script, its distribution's version."""
    if configured:
        return configured, configured_version
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name and spec.name != "__main__":
        top = spec.name.split(".", 1)[0]
        dists = _distributions().get(top)
        if dists:
            return spec.name.removesuffix(".__main__"), _version(dists[0])
        return spec.name.removesuffix(".__main__"), None
    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if not script or script == "-c":
        return "python", platform.python_version()
    return script, _script_version(script)


def _script_version(script: str) -> str | None:
    try:
        for ep in importlib.metadata.entry_points(group="console_scripts"):
            if ep.name == script and ep.dist is not None:
                return ep.dist.version
    except Exception:
        return None
    return None


def software(settings: Settings, name: str | None = None, version: str | None = None) -> Agent:
    """The running program as a software agent. Its IRI is minted from its name, version
    and the packages it imported, so a run with other package versions is another agent."""
    if name is None:
        name, version = program(settings.software, settings.software_version)
    return Agent(name=name, kind="software", version=version)


def software_record(agent: Agent, base: str) -> Record:
    pkgs = packages()
    key = f"{agent.name} {agent.version or ''};" + ";".join(f"{d}=={v}" for d, v in pkgs)
    record = agent.record(base)
    record.id = iris.minted(base, "software", key)
    label = f"{agent.name} {agent.version}" if agent.version else agent.name
    record.attrs.append((_LABEL, Literal(label)))
    record.attrs.extend((_PACKAGE, Literal(f"{d}=={v}")) for d, v in pkgs)
    return record


# -- the machine ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _machine() -> tuple[tuple[str, str], ...]:
    return (
        ("host", socket.gethostname()),
        ("os", platform.platform()),
        ("machine", platform.machine()),
        ("python", platform.python_version()),
        ("pythonImplementation", platform.python_implementation()),
        ("pythonExecutable", sys.executable),
    )


def context_record(base: str) -> Record:
    """The execution context: host, operating system, architecture and Python, typed
    ``"context"`` as the ctapipe reader types it, named by its content."""
    facts = _machine()
    node = iris.minted(base, "context", ";".join(f"{k}={v}" for k, v in facts))
    attrs: list[tuple[NamedNode, Term]] = [
        (_TYPE, Literal("context")),
        (_NAME, Literal("execution context")),
        (_LABEL, Literal(f"{dict(facts)['host']}: {dict(facts)['os']}")),
    ]
    attrs.extend((_c(key), Literal(value)) for key, value in facts)
    return Record("entity", node, attrs=attrs)
