"""gunicorn settings for the web process: ``gunicorn -c gunicorn.conf.py``.

- Bind, workers and threads come from ``PORT``, ``WEB_CONCURRENCY`` and ``WEB_THREADS``
  (the Procfile and Docker image share this file).
- No gunicorn access log: its lines carry the raw request line, query string included
  (``?email=…``). The app writes one structured line per request instead, with the route
  template, status, duration and tenant/key prefix (``web/access_log.py``).
- The ``Server`` header: gunicorn (since 20.1) sends ``Server: gunicorn`` with no version
  and has no setting for it by design; rewriting the module constant it reads at import
  time is a hack that silently stops working when gunicorn moves it, so it stays as is.
"""

from __future__ import annotations

import os

wsgi_app = "web.wsgi:app"
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
accesslog = None
errorlog = "-"
