"""Error pages of the review desk: the API's status codes, shown to a person.

These handlers are the blueprint's own, so they win over the API's JSON handlers for the
desk's routes only. Another tenant's script is the same 404 page as a missing one (§11).
Requests from the page's script (``Accept: application/json``) get the message as JSON.
"""

from __future__ import annotations

import logging

from flask import jsonify, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from shared.db.availability import RETRY_AFTER_SECONDS, is_database_unavailable
from shared.errors import ConflictError, DomainValidationError, MissingScopeError, NotFoundError
from web.review.blueprint import bp, wants_json

log = logging.getLogger(__name__)

_TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 405: "Not allowed",
           409: "Conflict", 413: "Too large", 422: "Cannot do that", 503: "Unavailable"}


def error_page(status: int, message: str, headers: dict[str, str] | None = None
               ) -> ResponseReturnValue:
    if wants_json():
        return jsonify(code=status, message=message), status, headers or {}
    page = render_template("review/error.html", status=status, message=message,
                           title=_TITLES.get(status, "Error"))
    return page, status, headers or {}


@bp.errorhandler(NotFoundError)
def _not_found(error: NotFoundError) -> ResponseReturnValue:
    return error_page(404, f"There is no {error.kind} {error.ident} here.")


@bp.errorhandler(MissingScopeError)
def _missing_scope(error: MissingScopeError) -> ResponseReturnValue:
    return error_page(403, f"The API key you signed in with lacks the '{error.scope}' scope "
                           "this needs. Sign in with a key that has it.")


@bp.errorhandler(DomainValidationError)
def _invalid(error: DomainValidationError) -> ResponseReturnValue:
    return error_page(422, f"{error.field}: {error.message}")


@bp.errorhandler(ConflictError)
def _conflict(error: ConflictError) -> ResponseReturnValue:
    return error_page(409, str(error))


@bp.errorhandler(HTTPException)
def _http(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    return error_page(status, error.description or error.name)


def _database(error: DBAPIError | PoolTimeoutError) -> ResponseReturnValue:
    if not is_database_unavailable(error):
        raise error
    log.warning("database unavailable: %s", type(error).__name__, exc_info=True)
    return error_page(503, f"The database is unavailable; try again in {RETRY_AFTER_SECONDS} "
                           "seconds.", {"Retry-After": str(RETRY_AFTER_SECONDS)})


bp.register_error_handler(DBAPIError, _database)
bp.register_error_handler(PoolTimeoutError, _database)
