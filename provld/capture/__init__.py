"""Recording provenance from inside a running pipeline, with no PROV knowledge needed.

>>> from provld import capture
>>> with capture.activity("calibrate") as act:          # doctest: +SKIP
...     act.parameter("cleaning_threshold", 5.0, unit="p.e.")
...     act.used("dl0/run042.fits.fz", role="raw")       # size, media type, SHA-256
...     act.generated("dl1/run042.h5", role="dl1", derived_from=True)
>>> act.document                                          # doctest: +SKIP

On exit the activity gets its end time and status (success, or the exception's type and
message, which goes on), the person, software (with the packages it imported) and
machine that ran it, and a PROV document of the whole top-level activity is written to
the configured directory or sent to a provld server (``PROVLD_CAPTURE``, see
:mod:`provld.capture.config`). Capture never makes the pipeline fail: its own errors are
logged on the ``provld.capture`` logger.

The rooms: :mod:`~provld.capture.recorder` (activities), :mod:`~provld.capture.files`
(checksums, media types), :mod:`~provld.capture.descriptions` (activity descriptions and
their files), :mod:`~provld.capture.environment` (person, software, machine),
:mod:`~provld.capture.sink` (directory, spool, server), :mod:`~provld.capture.shell`
(``provld capture``), :mod:`~provld.capture.ctapipe` (ctapipe tools).
"""

from __future__ import annotations

from provld.capture.config import Settings, configure, settings
from provld.capture.descriptions import (
    ActivityDescription,
    ConfigFileDescription,
    DatasetDescription,
    GenerationDescription,
    ParameterDescription,
    UsageDescription,
    load_description,
    load_descriptions,
)
from provld.capture.environment import Agent
from provld.capture.recorder import Activity, EntityRef, activity, current, register
from provld.capture.sink import Outcome, pending, wait
from provld.capture.sink import flush as _flush


def flush(timeout: float | None = None) -> Outcome:
    """Send every document waiting in the spool now (after the background sender has
    finished what it was doing, for at most ``timeout`` seconds)."""
    wait(timeout)
    return _flush()


__all__ = [
    "Activity",
    "ActivityDescription",
    "Agent",
    "ConfigFileDescription",
    "DatasetDescription",
    "EntityRef",
    "GenerationDescription",
    "Outcome",
    "ParameterDescription",
    "Settings",
    "UsageDescription",
    "activity",
    "configure",
    "current",
    "flush",
    "load_description",
    "load_descriptions",
    "pending",
    "register",
    "settings",
    "wait",
]
