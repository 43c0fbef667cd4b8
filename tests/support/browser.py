"""Real headless Chromium (Debian's ``chromium`` and ``chromium-driver``) against an app
served over real HTTP, for the review desk's browser tests and screenshots (§14).

Nothing is downloaded: selenium is given the system's chromedriver and chromium binary,
so its driver manager never runs. Without them a test skips saying what to install, and
fails under ``REQUIRE_SERVICES=1`` (``.ci/run`` installs both).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from werkzeug.serving import make_server

from tests.support.services import missing

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

LAPTOP = (1366, 900)
PHONE = (390, 844)


def _binary(*names: str) -> str | None:
    return next((found for name in names if (found := shutil.which(name))), None)


@contextmanager
def chromium(size: tuple[int, int] = LAPTOP) -> Iterator[webdriver.Chrome]:
    browser = _binary("chromium", "chromium-browser")
    driver = _binary("chromedriver")
    if browser is None or driver is None:
        missing("headless Chromium is not installed (apt-get install chromium chromium-driver)")
        raise AssertionError("unreachable")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--disable-extensions", "--mute-audio",
                     "--autoplay-policy=no-user-gesture-required",
                     f"--window-size={size[0]},{size[1]}"):
        options.add_argument(argument)
    session = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    try:
        yield session
    finally:
        session.quit()


def _always_closed(app: WSGIApplication) -> WSGIApplication:
    """Close every response body, even when the browser drops the connection.

    A browser cancels an audio download when it leaves the page. werkzeug's development
    server then fails while draining the socket, before it closes the body, and the WAV file
    ``send_file`` opened is left to the garbage collector (a ResourceWarning, an error
    under this suite's ``filterwarnings``). A generator's ``finally`` closes it instead.
    """

    def wrapped(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = app(environ, start_response)

        def closing() -> Iterator[bytes]:
            try:
                yield from body
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()

        return closing()

    return wrapped


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """``app`` on a real HTTP server thread at 127.0.0.1 (a free port); yields its base URL."""
    server = make_server("127.0.0.1", 0, _always_closed(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="review-desk-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
