"""The linked-data web front end: the only layer that imports Flask.

``create_app(settings)`` builds the application; its views call domain functions
(:mod:`provld.describe`, :mod:`provld.documents`, :mod:`provld.query`...) and hold no logic
of their own. The store is opened once per process and shared by its threads.
"""

from __future__ import annotations

import atexit
from collections.abc import Mapping
from typing import Any

from flask import Flask

from provld.config import Settings
from provld.documents import Catalogue
from provld.errors import StoreError
from provld.limits import Limits, QueryRunner
from provld.store import open_store
from provld.web.cache import Answers


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """The provld WSGI application.

    ``config`` is a :class:`~provld.config.Settings`, a mapping of ``PROVLD_*`` keys, or
    None for the environment.
    """
    if isinstance(config, Settings):
        settings = config
    elif config is None:
        settings = Settings.from_env()
    else:
        settings = Settings.from_env({k: str(v) for k, v in config.items()})
    app = Flask(__name__)
    app.config["PROVLD"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    store = open_store(settings.store, settings.store_options)
    catalogue = Catalogue(store, settings.base_uri)
    try:
        catalogue.recover()
    except StoreError as exc:
        # A SPARQL server may be down while this one starts: /health says so (503) and
        # the next start, or the next `provld serve`, recovers.
        app.logger.warning("store not reachable at start-up: %s", exc)
    app.extensions["provld.store"] = store
    app.extensions["provld.catalogue"] = catalogue
    runner = QueryRunner(store, Limits(settings.query_timeout, settings.max_results))
    app.extensions["provld.runner"] = runner
    app.extensions["provld.answers"] = Answers(store, int(settings.cache_mb * 1024 * 1024))
    atexit.register(store.close)
    atexit.register(runner.close)

    from provld.web import (
        documents,
        meta,
        problems,
        provsap,
        resources,
        sparql,
        validation,
        views,
        void,
    )

    problems.register(app)
    app.register_blueprint(meta.blueprint)
    app.register_blueprint(resources.blueprint)
    app.register_blueprint(views.blueprint)
    app.register_blueprint(documents.blueprint)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(validation.blueprint)
    app.register_blueprint(void.blueprint)
    app.register_blueprint(provsap.blueprint)
    return app
