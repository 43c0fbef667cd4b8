"""The review desk (§14): server-rendered pages under ``/review`` for sales operations.

HTTP only, like the rest of ``web/``: the views call the shared repositories and job
functions the API blueprints call. Sign-in is by API key into a signed session cookie
(``session.py``), every form carries a Flask-WTF CSRF token (checked for these pages only:
the JSON API authenticates with a bearer header, which a third-party page cannot make a
browser send, so it needs none), and every asset is served from ``static/`` (no CDN).
"""

from __future__ import annotations

from flask import Flask, request
from flask.typing import ResponseReturnValue
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from shared.config import Settings, session_secret
from web.auth import uses_session
from web.review import actions, errors, pages  # noqa: F401  (they register the routes)
from web.review.blueprint import bp, csrf

ASSET_ENDPOINT = "review.static"
BLUEPRINT = bp.name
# Pages: scripts and styles from this origin, audio from this origin, forms post here.
REVIEW_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# Flask-WTF checks the Referer of HTTPS form posts; same-origin keeps it for this origin
# and still sends nothing to any other.
REVIEW_REFERRER_POLICY = "same-origin"


def init_app(app: Flask, settings: Settings, api: Api) -> None:
    """Configure the session cookie and CSRF, register the desk's blueprint, and answer
    URLs under /review that match no route with the desk's own error page."""
    app.secret_key = session_secret(settings)
    app.config.update(
        SESSION_COOKIE_NAME="scriptforge_review",
        SESSION_COOKIE_PATH="/review",  # never sent to the API
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.review_cookie_secure,
        WTF_CSRF_CHECK_DEFAULT=False,  # only the desk's posts are checked (blueprint.py)
        WTF_CSRF_TIME_LIMIT=None,  # valid for the session: a page may stay open for hours
    )
    csrf.init_app(app)
    app.register_blueprint(bp)

    def routing_error(error: HTTPException) -> ResponseReturnValue:
        # A URL matching no route belongs to no blueprint, so the desk's own handlers never
        # see it: a person who mistypes a desk URL gets a page, an API client its JSON.
        if uses_session(request.path) and request.url_rule is None:
            return errors.error_page(error.code or 404, error.description or error.name)
        return api.handle_http_exception(error)

    app.register_error_handler(404, routing_error)
    app.register_error_handler(405, routing_error)

