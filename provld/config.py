"""Settings, from ``PROVLD_*`` environment variables (or a file naming the same keys).

=======================  =============================================  =========================
variable                 meaning                                        default
=======================  =============================================  =========================
PROVLD_STORE             a directory, ``memory:``, or the URL of a       ``./provld-data``
                         SPARQL server
PROVLD_STORE_*           a SPARQL server's other settings (update and    derived from the URL
                         Graph Store URLs, credentials, timeouts; see
                         the README, "Running it in production")
PROVLD_BASE_URI          base of every IRI minted and served             ``http://localhost:5000/``
PROVLD_TOKENS            write tokens, comma-separated (``token`` or     none: no writes over HTTP
                         ``name:token``)
PROVLD_FEDERATION        SPARQL endpoints SERVICE may call, space-sep.   none
PROVLD_QUERY_TIMEOUT     seconds a public query may run                  ``10``
PROVLD_MAX_RESULTS       most rows or triples a query may return         ``100000``
PROVLD_MAX_BODY          most bytes a submitted document may have        ``104857600`` (100 MB)
PROVLD_CACHE_MB          megabytes of answered resource pages kept for   ``64``
                         the next request (embedded store; 0: none)
=======================  =============================================  =========================

A file given as ``PROVLD_CONFIG`` (or to :meth:`Settings.from_file`) holds the same keys,
one ``KEY=value`` a line; the environment wins over the file.

>>> s = Settings.from_env({"PROVLD_STORE": "memory:", "PROVLD_TOKENS": "ops:s3cret, t2"})
>>> s.store, s.tokens
('memory:', {'ops': 's3cret', 'token2': 't2'})
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from provld.errors import InputError, ProvldError
from provld.iris import DEFAULT_BASE, check_base

DEFAULT_STORE = "./provld-data"


@dataclass(frozen=True, slots=True)
class Settings:
    store: str = DEFAULT_STORE
    base_uri: str = DEFAULT_BASE
    tokens: dict[str, str] = field(default_factory=dict)
    federation: tuple[str, ...] = ()
    query_timeout: float = 10.0
    max_results: int = 100_000
    max_body: int = 100 * 1024 * 1024
    cache_mb: float = 64.0
    #: PROVLD_STORE_* settings of a remote store (provld.store.remote), as given.
    store_options: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        if env.get("PROVLD_CONFIG"):
            env = {**read_file(env["PROVLD_CONFIG"]), **env}
        return cls(
            store=env.get("PROVLD_STORE") or DEFAULT_STORE,
            base_uri=check_base(env.get("PROVLD_BASE_URI") or DEFAULT_BASE),
            tokens=_tokens(env.get("PROVLD_TOKENS", "")),
            federation=tuple(env.get("PROVLD_FEDERATION", "").split()),
            query_timeout=number(env, "PROVLD_QUERY_TIMEOUT", 10.0),
            max_results=int(number(env, "PROVLD_MAX_RESULTS", 100_000)),
            max_body=int(number(env, "PROVLD_MAX_BODY", 100 * 1024 * 1024)),
            cache_mb=number(env, "PROVLD_CACHE_MB", 64.0, zero=True),
            store_options={k: v for k, v in env.items() if k.startswith("PROVLD_STORE_")},
        )

    @classmethod
    def from_file(cls, path: str) -> Settings:
        return cls.from_env({**read_file(path), **os.environ})


def read_file(path: str) -> dict[str, str]:
    """``KEY=value`` lines of a configuration file (``#`` starts a comment)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip().startswith("PROVLD_"):
            raise InputError(f"{path}:{number}: expected PROVLD_KEY=value")
        out[key.strip()] = value.strip()
    return out


def _tokens(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, item in enumerate(t.strip() for t in text.split(",")):
        if not item:
            continue
        name, sep, token = item.partition(":")
        if sep:
            out[name] = token
        else:
            out[f"token{i + 1}"] = item
    return out


def number(
    env: Mapping[str, str],
    key: str,
    default: float,
    *,
    zero: bool = False,
    error: type[ProvldError] = InputError,
) -> float:
    """The positive number (or, with ``zero``, zero or more) set as ``key``; ``error``
    is raised when it is not one."""
    value = env.get(key)
    if not value:
        return default
    try:
        found = float(value)
    except ValueError:
        raise error(f"{key}={value!r} is not a number") from None
    if found < 0 or (found == 0 and not zero):
        raise error(f"{key} must be {'zero or more' if zero else 'positive'}")
    return found
