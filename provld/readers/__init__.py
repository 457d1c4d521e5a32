"""Readers of the PROV formats into the record model (:mod:`provld.model`)."""

from __future__ import annotations

import json
from typing import Any

from provld.errors import ParseError


def read_json(data: bytes | str, source: str | None, *, what: str = "") -> Any:
    """``data`` parsed as JSON; malformed input is a :class:`ParseError` with its line and
    column (``what`` goes before the parser's message)."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise ParseError(what + exc.msg, source=source, line=exc.lineno, column=exc.colno) from None
    except UnicodeDecodeError as exc:
        before = exc.object[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise ParseError(
            f"not valid UTF-8 at byte {exc.start}", source=source, line=line, column=column
        ) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply", source=source) from None
