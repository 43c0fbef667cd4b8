"""The API docs UI (Swagger UI) at ``/api/docs``, served entirely from this app.

flask-smorest's own Swagger UI page loads its scripts from a URL (a CDN) and configures
them in an inline ``<script>``; a public page must neither depend on a third party nor need
``'unsafe-inline'`` scripts. This page loads the Swagger UI files shipped in the
``swagger-ui-py`` wheel plus one local initialiser, so its Content-Security-Policy allows
scripts from this origin only. Only the files the page uses are served (an allowlist, not
the package directory).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    render_template,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue

DOCS_PATH = "/api/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
PAGE_ENDPOINT = "docs.page"
ASSET_ENDPOINT = "docs.asset"

# Scripts, styles and images from this origin; Swagger UI's icons are data: URIs and it
# sets style attributes at run time; "Try it out" calls this origin's API.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

_LOCAL = Path(__file__).resolve().parent / "static" / "docs"


def _swagger_ui_dist() -> Path:
    """The swagger-ui-dist files inside the swagger-ui-py package, found without
    importing it (its handlers import web frameworks and YAML we do not need)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed; it is a dependency of scriptforge")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


# name -> (directory, content type): the page's assets and nothing else.
_ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui.css": (_swagger_ui_dist(), "text/css"),
    "swagger-ui-bundle.js": (_swagger_ui_dist(), "text/javascript"),
    "favicon-32x32.png": (_swagger_ui_dist(), "image/png"),
    "docs-init.js": (_LOCAL, "text/javascript"),
}

blp = Blueprint("docs", __name__, template_folder="templates")


@blp.get(DOCS_PATH)
def page() -> ResponseReturnValue:
    """The Swagger UI page for the OpenAPI document."""
    return render_template("docs/swagger_ui.html",
                           title=f"{current_app.config['API_TITLE']} API",
                           spec_url=url_for("api-docs.openapi_json"))


@blp.get(f"{ASSETS_PATH}/<name>")
def asset(name: str) -> ResponseReturnValue:
    """One of the page's static files; anything else is a 404."""
    if name not in _ASSETS:
        abort(404)
    directory, mimetype = _ASSETS[name]
    return send_from_directory(directory, name, mimetype=mimetype)


def install_docs_ui(app: Flask) -> None:
    """Serve the docs page and its assets (flask-smorest's CDN page stays switched off)."""
    app.register_blueprint(blp)
