"""gunicorn settings for provld: ``gunicorn -c deploy/gunicorn.conf.py provld.web.wsgi:app``.

With the embedded store (a directory in PROVLD_STORE) only one process may open the store:
RocksDB takes a lock. So the embedded setup is one worker with threads; pyoxigraph's Store
is safe to share between threads (reads run in parallel, each write is a transaction).
With a SPARQL server as the store (PROVLD_STORE=http://...), the web tier holds no state
and runs as many workers as the machine has cores.
"""

import multiprocessing
import os

bind = os.environ.get("PROVLD_BIND", "127.0.0.1:5000")
_store = os.environ.get("PROVLD_STORE", "./provld-data")
_remote = _store.startswith(("http://", "https://"))

worker_class = "gthread"
threads = int(os.environ.get("PROVLD_THREADS", "8"))
workers = int(os.environ.get("PROVLD_WORKERS", multiprocessing.cpu_count() if _remote else 1))
timeout = 60
graceful_timeout = 30
accesslog = "-"
forwarded_allow_ips = "127.0.0.1"

if workers > 1 and not _remote:
    raise SystemExit(
        f"provld: PROVLD_WORKERS={workers} with the embedded store {_store!r}: one process only "
        "may open it. Run one worker (threads serve concurrent requests) or use a SPARQL server."
    )
