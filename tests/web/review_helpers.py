"""Signing a Flask test client in to the review desk, as a browser does (§14)."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(page: TestResponse) -> str:
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: FlaskClient, key: str) -> TestResponse:
    """Post the sign-in form with its token; returns the answer (303 when signed in)."""
    token = csrf_token(client.get("/review/login"))
    return client.post("/review/login", data={"key": key, "csrf_token": token})


def post_form(client: FlaskClient, page_url: str, action: str, **fields: str) -> TestResponse:
    """Post ``fields`` to ``action`` with the CSRF token of the page at ``page_url``."""
    token = csrf_token(client.get(page_url))
    return client.post(action, data={**fields, "csrf_token": token})


def text(page: TestResponse) -> str:
    """The page's text with HTML entities decoded (``'`` is ``&#39;`` in a variable)."""
    return html.unescape(page.get_data(as_text=True))
