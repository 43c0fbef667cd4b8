"""Werkzeug's development server for the demo, without announcing versions.

Werkzeug answers every request with ``Server: Werkzeug/<version> Python/<version>``; a
version tells a scanner which advisories to try. The demo's server says ``scriptforge``
instead (production runs gunicorn, which sends no version: see ``gunicorn.conf.py``).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _VersionlessRequestHandler(WSGIRequestHandler):
    def version_string(self) -> str:
        """The ``Server`` header: a name, no version (``BaseHTTPRequestHandler`` API)."""
        return "scriptforge"


def make_dev_server(host: str, port: int, app: Flask) -> BaseWSGIServer:
    """A threaded Werkzeug server for ``app``; ``port`` 0 picks a free one."""
    return make_server(host, port, app, threaded=True,
                       request_handler=_VersionlessRequestHandler)
