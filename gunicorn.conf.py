"""gunicorn settings for the web process: ``gunicorn -c gunicorn.conf.py``.

- Bind, workers and threads come from ``PORT``, ``WEB_CONCURRENCY`` and ``WEB_THREADS``
  (the Procfile and Docker image share this file).
- No gunicorn access log: its lines carry the raw request line, query string included
  (``?email=…``). The app writes one structured line per request instead, with the route
  template, status, duration and tenant/key prefix (``web/access_log.py``).
- The ``Server`` header: gunicorn (since 20.1) sends ``Server: gunicorn`` with no version
  and has no setting for it by design; rewriting the module constant it reads at import
  time is a hack that silently stops working when gunicorn moves it, so it stays as is.
- Metrics (§13): with ``PROMETHEUS_MULTIPROC_DIR`` set, every worker process counts in its
  own files there and ``/metrics`` sums them (prometheus_client's multiprocess mode). The
  directory is created and emptied when gunicorn starts (stale files of an earlier run
  would add old counts), and a worker that exits is marked dead so its live gauges stop
  counting. Unset: each worker answers with its own counts only, so set it whenever
  ``WEB_CONCURRENCY`` is above 1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

wsgi_app = "web.wsgi:app"
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
accesslog = None
errorlog = "-"


def on_starting(server: Any) -> None:
    """Start from an empty multiprocess directory (only its ``*.db`` files are removed)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker process ended: drop its live gauges from the sums /metrics reports."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
