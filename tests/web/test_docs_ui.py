"""The docs UI is served from this app's own files: no CDN, no inline script (issue 10)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask.testing import FlaskClient


class _References(HTMLParser):
    """Every URL the page makes a browser load, and whether it has inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (tag, url)
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for attribute in ("src", "href"):
            if values.get(attribute):
                self.urls.append((tag, str(values[attribute])))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1


EXPECTED_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def test_the_docs_page_loads_only_same_origin_assets(client: FlaskClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "cdn" not in html.lower()
    assert "//" not in html  # no absolute or protocol-relative URL at all
    references = _References()
    references.feed(html)
    assert references.inline_scripts == 0
    tags = {tag for tag, _ in references.urls}
    assert {"script", "link"} <= tags
    assert sum(tag == "script" for tag, _ in references.urls) >= 2  # bundle + initialiser
    for _, url in references.urls:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", ""), url
        assert parts.path.startswith("/api/docs/"), url
        asset = client.get(url)
        try:
            assert asset.status_code == 200, url
            suffix = parts.path[parts.path.rfind("."):]
            assert asset.mimetype == EXPECTED_TYPES[suffix], (url, asset.mimetype)
            assert asset.headers["X-Content-Type-Options"] == "nosniff"
            assert len(asset.get_data()) > 0
        finally:
            asset.close()


def test_the_initialiser_points_swagger_ui_at_this_apps_document(client: FlaskClient) -> None:
    html = client.get("/api/docs").get_data(as_text=True)
    assert 'data-spec-url="/api/openapi.json"' in html
    script = client.get("/api/docs/assets/docs-init.js")
    body = script.get_data(as_text=True)
    script.close()
    assert "SwaggerUIBundle" in body
    assert "validatorUrl: null" in body  # no call to validator.swagger.io
    assert client.get("/api/openapi.json").status_code == 200


def test_only_the_pages_own_files_are_served(client: FlaskClient) -> None:
    for name in ("swagger-ui-bundle.js.map", "swagger-editor-bundle.js", "..%2Fcore.py",
                 "index.css", "LICENSE"):
        response = client.get(f"/api/docs/assets/{name}")
        assert response.status_code == 404, name
        response.close()
