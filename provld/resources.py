"""Files that ship inside the package: the ontology, the shapes and the named queries.

They are read with :mod:`importlib.resources`, so they are found the same way from a wheel
and from an editable checkout, never relative to the working directory.

>>> "SELECT" in named_query("graphs").upper()
True
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.abc import Traversable

from provld.errors import NotFoundError


def data_file(package: str, name: str) -> Traversable:
    """The resource ``name`` of ``provld.<package>`` (``ontology``, ``shapes``, ``sparql``)."""
    entry = resources.files(f"provld.{package}").joinpath(name)
    if not entry.is_file():
        raise NotFoundError(f"no resource {name!r} in provld.{package}")
    return entry


def list_files(package: str, suffix: str) -> list[str]:
    """Names of the resources of ``provld.<package>`` ending in ``suffix``, sorted."""
    root = resources.files(f"provld.{package}")
    return sorted(e.name for e in root.iterdir() if e.name.endswith(suffix) and e.is_file())


@cache
def named_query(name: str, suffix: str = "rq") -> str:
    """The text of ``sparql/<name>.rq`` (``suffix="ru"`` for an update)."""
    return data_file("sparql", f"{name}.{suffix}").read_text(encoding="utf-8")
