"""The review desk's blueprint and the gate every one of its requests passes (§14).

Every form post must carry its CSRF token before any view runs (sign-in included, so a
third-party page cannot sign a browser in with a key of its own choosing), and every page
but sign-in and the static files needs a live signed-in session. The session is looked up
first only so that a refused post's error page still shows who is signed in.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, g, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect

from web.review.session import can, signed_in

bp = Blueprint("review", __name__, url_prefix="/review", template_folder="templates",
               static_folder="static", static_url_path="/static")
csrf = CSRFProtect()

PUBLIC_ENDPOINTS = frozenset({"review.sign_in", "review.static"})
_HOME = "/review/"


def wants_json() -> bool:
    """The page's script asked (``Accept: application/json``); a browser navigation did not."""
    return request.accept_mimetypes.best == "application/json"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path of this desk, never another site."""
    if not target:
        return _HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/review/") \
            or target.startswith("//") or "\\" in target:
        return _HOME
    return target


@bp.before_request
def _gate() -> ResponseReturnValue | None:
    public = request.endpoint in PUBLIC_ENDPOINTS
    principal = None if public else signed_in()  # read only: the error page shows who
    if request.method == "POST":
        csrf.protect()  # 400 without a valid token; the JSON API is never checked
    if public:
        return None
    if principal is None:
        if wants_json():
            response = jsonify(message="not signed in: sign in again")
            response.status_code = 401
            return response
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("review.sign_in", next=target), code=303)
    return None


@bp.context_processor
def _template_globals() -> dict[str, object]:
    return {"principal": g.get("principal"), "can": can}
