"""gunicorn settings for provld: ``gunicorn -c deploy/gunicorn.conf.py provld.web.wsgi:app``.

The store decides how many processes may serve (PROVLD_STORE):

- the embedded store (a directory): one process only may open it, RocksDB takes a lock.
  So one worker with threads; pyoxigraph's Store is safe to share between threads (reads
  run in parallel, each write is a transaction). Several workers, or ``--preload`` (the
  store opened in the master, then forked), are refused at start-up with a message.
- a SPARQL server (PROVLD_STORE=http://...): the web tier holds no state, so it runs as
  many workers as the machine has cores (PROVLD_WORKERS to choose), and more hosts behind
  a load balancer share the one store (the README, "Running it in production").
"""

import multiprocessing
import os

from provld.store import is_remote

bind = os.environ.get("PROVLD_BIND", "127.0.0.1:5000")
_store = os.environ.get("PROVLD_STORE", "./provld-data")
_remote = is_remote(_store)

worker_class = "gthread"
threads = int(os.environ.get("PROVLD_THREADS", "8"))
workers = int(os.environ.get("PROVLD_WORKERS", multiprocessing.cpu_count() if _remote else 1))
timeout = 60
graceful_timeout = 30
accesslog = "-"
forwarded_allow_ips = "127.0.0.1"

_REFUSAL = (
    "provld: {what} with the embedded store {store!r}: one process only may open it. "
    "Run one worker (threads serve concurrent requests) or use a SPARQL server "
    "(PROVLD_STORE=http://...)."
)

if workers > 1 and not _remote:
    raise SystemExit(_REFUSAL.format(what=f"PROVLD_WORKERS={workers}", store=_store))


def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """The settings as gunicorn will use them, command-line options (``-w``) included."""
    if _remote:
        return
    if server.cfg.workers > 1:
        what = f"{server.cfg.workers} workers"
    elif server.cfg.preload_app:
        what = "--preload (the store opened before the workers are forked)"
    else:
        return
    raise SystemExit(_REFUSAL.format(what=what, store=_store))
