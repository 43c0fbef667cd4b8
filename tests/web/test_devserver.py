"""The demo's Werkzeug server names itself without versions (issue 10, item 6)."""

from __future__ import annotations

import threading
import urllib.request

from flask import Flask

from web.devserver import make_dev_server


def test_the_demo_server_sends_no_version(app: Flask) -> None:
    server = make_dev_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/healthz"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200
            assert response.headers.get_all("Server") == ["scriptforge"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
