"""The WSGI entry point for production servers: ``gunicorn provld.web.wsgi:app``.

Settings come from the ``PROVLD_*`` environment (see :mod:`provld.config`).
"""

from __future__ import annotations

from provld.web import create_app

app = create_app()
