"""Content negotiation as RFC 9110 (section 12.5.1) describes it.

The ``Accept`` header is parsed into media ranges with quality values; each format the
server can give gets the quality of the most specific range that matches it (exact type,
then ``type/*``, then ``*/*``); the best quality wins, ties going to the server's order of
preference. A range with ``q=0`` refuses a type. Browsers (which send ``text/html`` and
``*/*``) and clients that send no ``Accept`` get HTML.

>>> offers = ["text/html", "text/turtle", "application/ld+json"]
>>> choose("text/turtle;q=0.9, application/ld+json", offers)
'application/ld+json'
>>> choose("*/*", offers)
'text/html'
>>> choose("text/*;q=0.5, text/turtle", offers)
'text/turtle'
>>> choose("image/png", offers) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...]

    def matches(self, media_type: str) -> int:
        """How specifically this range matches ``media_type``: 3 exact, 2 ``type/*``,
        1 ``*/*``, 0 not at all."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 1
        if self.type != main:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == sub else 0


_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_RANGE = re.compile(
    rf"^\s*({_TOKEN})/({_TOKEN})\s*((?:;\s*{_TOKEN}\s*=\s*(?:{_TOKEN}|\"[^\"]*\")\s*)*)$"
)
_PARAM = re.compile(rf";\s*({_TOKEN})\s*=\s*({_TOKEN}|\"[^\"]*\")")


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; malformed entries are skipped (RFC 9110
    lets a server ignore what it cannot parse)."""
    if not header:
        return []
    ranges = []
    for part in header.split(","):
        match = _RANGE.match(part)
        if not match:
            continue
        main, sub, rest = match.group(1).lower(), match.group(2).lower(), match.group(3)
        if main == "*" and sub != "*":
            continue
        q = 1.0
        params = []
        for name, value in _PARAM.findall(rest or ""):
            if name.lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            else:
                params.append((name.lower(), value.strip('"')))
        ranges.append(MediaRange(main, sub, q, tuple(params)))
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The quality the client gives ``media_type``: that of its most specific range."""
    best_specificity, best_q = 0, 0.0
    for r in ranges:
        specificity = r.matches(media_type)
        if specificity > best_specificity:
            best_specificity, best_q = specificity, r.q
    return best_q


def choose(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers, or None when it accepts none of them (406).

    ``offers`` are in the server's order of preference, the default first.
    """
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0] if offers else None
    best, best_q = None, 0.0
    for offer in offers:
        q = quality(ranges, offer)
        if q > best_q:
            best, best_q = offer, q
    return best
