"""The store, catalogue and settings of the running application, for the views."""

from __future__ import annotations

from flask import current_app

from provld.config import Settings
from provld.documents import Catalogue
from provld.store.base import Backend


def store() -> Backend:
    return current_app.extensions["provld.store"]  # type: ignore[no-any-return]


def catalogue() -> Catalogue:
    return current_app.extensions["provld.catalogue"]  # type: ignore[no-any-return]


def settings() -> Settings:
    return current_app.config["PROVLD"]  # type: ignore[no-any-return]
