"""Settings, from ``PROVLD_*`` environment variables.

====================  =====================================  ==========================
variable              meaning                                default
====================  =====================================  ==========================
PROVLD_STORE          a directory, ``memory:``                ``./provld-data``
PROVLD_BASE_URI       base of every IRI minted and served     ``http://localhost:5000/``
====================  =====================================  ==========================

>>> Settings.from_env({"PROVLD_STORE": "memory:"}).store
'memory:'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from provld.iris import DEFAULT_BASE, check_base

DEFAULT_STORE = "./provld-data"


@dataclass(frozen=True, slots=True)
class Settings:
    store: str = DEFAULT_STORE
    base_uri: str = DEFAULT_BASE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            store=env.get("PROVLD_STORE") or DEFAULT_STORE,
            base_uri=check_base(env.get("PROVLD_BASE_URI") or DEFAULT_BASE),
        )
