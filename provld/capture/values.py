"""Python values as RDF literals, and their VOTable value types.

Parameters arrive as whatever the pipeline holds: Python and NumPy numbers, strings,
paths, times, astropy quantities, lists. Each becomes a literal of the XSD type that keeps
its meaning (a float stays an ``xsd:double``, so that SPARQL can compare it), and
anything else becomes its JSON (or ``str``) text rather than an error.

>>> literal(5.0).datatype.value.rsplit("#")[1], literal(True).value, literal(3).value
('double', 'true', '3')
>>> value_type(5.0), value_type(3), value_type("x"), value_type([1, 2])
('double', 'long', 'char(*)', 'char(*)')
"""

from __future__ import annotations

import json
import math
import numbers
import os
from datetime import UTC, date, datetime
from typing import Any

from pyoxigraph import Literal, NamedNode

from provld.model import XSD

_T = {name: NamedNode(XSD + name) for name in ("boolean", "integer", "double", "date")}
_DATETIME = NamedNode(XSD + "dateTime")


def quantity(value: Any) -> tuple[Any, str | None]:
    """``(value, unit)`` of an astropy Quantity (duck-typed: no astropy import), else
    ``(value, None)``."""
    unit = getattr(value, "unit", None)
    if unit is not None and hasattr(value, "value") and not isinstance(value, str | bytes):
        return value.value, str(unit)
    return value, None


def literal(value: Any) -> Literal:
    """The typed literal of a Python value."""
    value, _ = quantity(value)
    if isinstance(value, Literal):
        return value
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", None) == 0:
        value = value.item()  # a NumPy scalar or 0-d array: its Python value
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=_T["boolean"])
    if isinstance(value, numbers.Integral):
        # xsd:integer, not xsd:long: Python's ints are unbounded, and Oxigraph stores every
        # integer type as xsd:integer, so this is also what reads back from the store
        return Literal(str(int(value)), datatype=_T["integer"])
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            text = "NaN"
        elif math.isinf(number):
            text = "INF" if number > 0 else "-INF"
        else:
            text = repr(number)
        return Literal(text, datatype=_T["double"])
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return Literal(value.isoformat().replace("+00:00", "Z"), datatype=_DATETIME)
    if isinstance(value, date):
        return Literal(value.isoformat(), datatype=_T["date"])
    if isinstance(value, str):
        return Literal(value)
    if isinstance(value, os.PathLike):
        return Literal(os.fspath(value))  # type: ignore[arg-type]
    if isinstance(value, bytes):
        return Literal(value.decode("utf-8", errors="replace"))
    try:
        return Literal(json.dumps(value, ensure_ascii=False, default=str))
    except (TypeError, ValueError):
        return Literal(str(value))


def value_type(value: Any) -> str:
    """The VOTable datatype of a Python value, as ProvenanceDM's valueType."""
    value, _ = quantity(value)
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, numbers.Integral):
        return "long"
    if isinstance(value, numbers.Real):
        return "double"
    if isinstance(value, datetime):
        return "char(*) timestamp"
    return "char(*)"
