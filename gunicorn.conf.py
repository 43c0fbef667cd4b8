"""gunicorn settings for the web process: ``gunicorn -c gunicorn.conf.py``.

- Bind, workers and threads come from ``PORT``, ``WEB_CONCURRENCY`` and ``WEB_THREADS``
  (the Procfile and Docker image share this file).
- No gunicorn access log: its lines carry the raw request line, query string included
  (``?email=…``). The app writes one structured line per request instead, with the route
  template, status, duration and tenant/key prefix (``web/access_log.py``).
- The ``Server`` header: gunicorn (since 20.1) sends ``Server: gunicorn`` with no version
  and has no setting for it by design; rewriting the module constant it reads at import
  time is a hack that silently stops working when gunicorn moves it, so it stays as is.
- Metrics (§13): gunicorn's workers are separate processes, so they count in
  prometheus_client's multiprocess directory (``PROMETHEUS_MULTIPROC_DIR``, one file per
  process) and ``/metrics`` sums them; otherwise each scrape would see one worker's counts.
  Unset, the master makes a private temporary directory, exports it to its workers and
  removes it on exit; set, the directory is created and emptied at start (an earlier run's
  files would add old counts). A worker that exits is marked dead so its live gauges stop
  counting.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

wsgi_app = "web.wsgi:app"
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
accesslog = None
errorlog = "-"


# prometheus_client reads the variable when first imported, in the workers: set it here, in
# the master, before any worker exists.
_owned_multiproc_dir: str | None = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _owned_multiproc_dir = tempfile.mkdtemp(prefix="scriptforge-prometheus-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _owned_multiproc_dir


def on_starting(server: Any) -> None:
    """Start from an empty multiprocess directory (only its ``*.db`` files are removed)."""
    path = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker process ended: drop its live gauges from the sums /metrics reports."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """Remove the temporary directory this master made (never one it was given)."""
    if _owned_multiproc_dir is not None:
        shutil.rmtree(_owned_multiproc_dir, ignore_errors=True)
