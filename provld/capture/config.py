"""Capture's settings: where documents go and what is recorded, from ``PROVLD_CAPTURE*``
environment variables or :func:`configure`.

============================  ==========================================  ==================
variable                      meaning                                     default
============================  ==========================================  ==================
PROVLD_CAPTURE                where documents go: a directory, the URL    nowhere (kept in
                              of a provld server, or both, comma-         ``act.document``)
                              separated
PROVLD_CAPTURE_TOKEN          bearer token for the server's writes        none
PROVLD_CAPTURE_FORMAT         format of the documents (registry name)     ``turtle``
PROVLD_CAPTURE_SPOOL          directory of documents not yet sent         ``~/.cache/provld/
                                                                          spool``
PROVLD_CAPTURE_PROFILE        SHACL profile the server checks on submit   ``release``
PROVLD_CAPTURE_TIMEOUT        seconds one request to the server may take  ``5``
PROVLD_CAPTURE_HASH           ``sha256``, ``blake2b`` or ``none``          ``sha256``
PROVLD_CAPTURE_HASH_LIMIT     files bigger than this are not hashed       no limit
                              (``512M``, ``4G``...)
PROVLD_CAPTURE_NAME           the person running the pipeline             the login name
PROVLD_CAPTURE_EMAIL          their e-mail address                        none
PROVLD_CAPTURE_ORCID          their ORCID iD (becomes their IRI)          none
PROVLD_CAPTURE_AFFILIATION    their institute                             none
PROVLD_BASE_URI               base of minted IRIs                         the server's URL,
                                                                          else ``http://
                                                                          localhost:5000/``
============================  ==========================================  ==================

Arguments of :func:`configure` win over the environment. A bad environment value is
logged and its default used (capture never stops a pipeline); a bad argument of
:func:`configure` raises :class:`~provld.errors.InputError` at once, where the developer
sees it.

>>> s = Settings.from_env({"PROVLD_CAPTURE": "http://prov.example.org:5000",
...                        "PROVLD_CAPTURE_HASH_LIMIT": "4G"})
>>> s.servers, s.base_uri, s.hash_limit
(('http://prov.example.org:5000',), 'http://prov.example.org:5000/', 4294967296)
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provld import formats
from provld.capture.files import ALGORITHMS, parse_size
from provld.errors import InputError, ProvldError
from provld.iris import DEFAULT_BASE, check_base

log = logging.getLogger("provld.capture")

_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything capture needs to know; see the module's table."""

    targets: tuple[str, ...] = ()
    token: str | None = None
    format: str = "turtle"
    spool: str = ""
    profile: str | None = "release"
    timeout: float = 5.0
    hash: str = "sha256"
    hash_limit: int | None = None
    name: str | None = None
    email: str | None = None
    orcid: str | None = None
    affiliation: str | None = None
    software: str | None = None
    software_version: str | None = None
    base_uri: str = DEFAULT_BASE
    exit_wait: float = 5.0

    @property
    def servers(self) -> tuple[str, ...]:
        return tuple(t for t in self.targets if _is_url(t))

    @property
    def directories(self) -> tuple[str, ...]:
        return tuple(t for t in self.targets if not _is_url(t))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **given: Any) -> Settings:
        """Settings from ``env`` (default: the environment), overridden by ``given``."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for key, var, parse in _ENV:
            text = env.get(var)
            if text is None or text.strip() == "":
                continue
            try:
                values[key] = parse(text.strip())
            except (ValueError, ProvldError) as exc:
                log.error("provld capture: ignoring %s=%r: %s", var, text, exc)
        values.update({k: v for k, v in given.items() if v is not None})
        return cls.build(values)

    @classmethod
    def build(cls, values: dict[str, Any]) -> Settings:
        """Checked settings from a dict of field values (the defaults fill the rest)."""
        values = dict(values)
        targets = values.get("targets", ())
        if isinstance(targets, str | os.PathLike):
            targets = _targets(os.fspath(targets))
        values["targets"] = tuple(os.fspath(t) for t in targets)
        fmt = formats.lookup(values.get("format", "turtle"))
        if not fmt.writable or fmt.kind not in ("rdf", "prov"):
            raise InputError(f"capture format: {fmt.label} is not a document format")
        values["format"] = fmt.name
        algorithm = str(values.get("hash", "sha256")).lower()
        if algorithm not in ALGORITHMS:
            raise InputError(f"capture hash: {algorithm!r} is not one of {', '.join(ALGORITHMS)}")
        values["hash"] = algorithm
        limit = values.get("hash_limit")
        if isinstance(limit, str):
            values["hash_limit"] = parse_size(limit)
        if values.get("orcid"):
            values["orcid"] = orcid_iri(str(values["orcid"]))
        if "base_uri" not in values:
            servers = [t for t in values["targets"] if _is_url(t)]
            # Minted IRIs must resolve where the documents are stored.
            values["base_uri"] = servers[0] if servers else DEFAULT_BASE
        values["base_uri"] = check_base(str(values["base_uri"]))
        if not values.get("spool"):
            cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            values["spool"] = str(Path(cache) / "provld" / "spool")
        if values.get("profile") in ("", "none"):
            values["profile"] = None
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(f"capture: unknown setting {unknown[0]!r}")
        return cls(**values)


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _targets(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _positive(text: str) -> float:
    number = float(text)
    if number <= 0:
        raise ValueError("must be positive")
    return number


def orcid_iri(text: str) -> str:
    """The IRI of an ORCID iD given bare or as a URL.

    >>> orcid_iri("0000-0002-1825-0097")
    'https://orcid.org/0000-0002-1825-0097'
    """
    match = _ORCID.match(text.strip())
    if match is None:
        raise InputError(f"{text!r} is not an ORCID iD (0000-0000-0000-0000)")
    return f"https://orcid.org/{match.group(1)}"


_ENV: tuple[tuple[str, str, Any], ...] = (
    ("targets", "PROVLD_CAPTURE", _targets),
    ("token", "PROVLD_CAPTURE_TOKEN", str),
    ("format", "PROVLD_CAPTURE_FORMAT", lambda t: formats.lookup(t).name),
    ("spool", "PROVLD_CAPTURE_SPOOL", str),
    ("profile", "PROVLD_CAPTURE_PROFILE", str),
    ("timeout", "PROVLD_CAPTURE_TIMEOUT", _positive),
    ("hash", "PROVLD_CAPTURE_HASH", str.lower),
    ("hash_limit", "PROVLD_CAPTURE_HASH_LIMIT", parse_size),
    ("name", "PROVLD_CAPTURE_NAME", str),
    ("email", "PROVLD_CAPTURE_EMAIL", str),
    ("orcid", "PROVLD_CAPTURE_ORCID", orcid_iri),
    ("affiliation", "PROVLD_CAPTURE_AFFILIATION", str),
    ("base_uri", "PROVLD_BASE_URI", check_base),
)

_lock = threading.Lock()
_given: dict[str, Any] = {}
_current: Settings | None = None


def settings() -> Settings:
    """The settings in force (read from the environment once, then cached)."""
    global _current
    current = _current
    if current is not None:
        return current
    with _lock:
        if _current is None:
            try:
                _current = Settings.from_env(**_given)
            except ProvldError as exc:
                log.error("provld capture: bad settings (%s); recording to nowhere", exc)
                _current = Settings.build({})
        return _current


def configure(*, reset: bool = False, **values: Any) -> Settings:
    """Set capture's settings for this process (``target=``, ``token=``, ``format=``,
    ``spool=``, ``profile=``, ``timeout=``, ``hash=``, ``hash_limit=``, ``name=``,
    ``email=``, ``orcid=``, ``affiliation=``, ``software=``, ``software_version=``,
    ``base_uri=``); ``reset=True`` forgets earlier calls and reads the environment again.
    Returns the settings now in force."""
    global _current
    if "target" in values:
        values["targets"] = values.pop("target")
    with _lock:
        given = {} if reset else dict(_given)
        given.update(values)
        new = Settings.from_env(**given)  # raises InputError on a bad argument
        _given.clear()
        _given.update(given)
        _current = new
    return new
