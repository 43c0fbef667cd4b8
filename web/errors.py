"""Error responses in flask-smorest's shape, with a message that always names the field."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask_smorest import Api
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from shared.db.availability import RETRY_AFTER_SECONDS, is_database_unavailable
from shared.errors import ConflictError, DomainValidationError, NotFoundError

log = logging.getLogger(__name__)


class ScriptforgeApi(Api):
    """flask-smorest's Api whose error payloads always carry a human-readable message."""

    def handle_http_exception(self, error: HTTPException) -> Any:
        payload, code, headers = super().handle_http_exception(error)
        headers = dict(headers or {})
        if "message" not in payload:
            errors = payload.get("errors")
            payload["message"] = (
                _summarise(errors) if errors else (error.description or error.name)
            )
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return payload, code, headers


def _summarise(errors: Any) -> str:
    """Flatten ``{"json": {"style": ["Must be one of …"]}}`` into "style: Must be one of …"."""
    parts: list[str] = []

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, dict):
            for name, child in node.items():
                walk(child, [*path, str(name)])
        elif isinstance(node, list) and all(isinstance(item, str) for item in node):
            parts.append(f"{'.'.join(path) or 'body'}: {' '.join(node)}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, [*path, str(index)])
        else:
            parts.append(f"{'.'.join(path) or 'body'}: {node}")

    walk(errors, [])
    # Drop the location prefix ("json.", "query.") so the message names the field itself.
    cleaned = [p.split(".", 1)[1] if p.split(".", 1)[0] in _LOCATIONS else p for p in parts]
    return "Invalid request: " + "; ".join(cleaned)


_LOCATIONS = {"json", "query", "headers", "form", "files", "path", "view_args"}


def register_domain_error_handlers(app: Flask) -> None:
    """Turn domain exceptions raised by services into 4xx responses."""

    def respond(code: int, status: str, message: str, errors: dict[str, Any] | None = None
                ) -> tuple[dict[str, Any], int]:
        body: dict[str, Any] = {"code": code, "status": status, "message": message}
        if errors:
            body["errors"] = errors
        return body, code

    @app.errorhandler(DomainValidationError)
    def _invalid(error: DomainValidationError) -> tuple[dict[str, Any], int]:
        return respond(422, "Unprocessable Entity", f"{error.field}: {error.message}",
                       {"json": {error.field: [error.message]}})

    @app.errorhandler(NotFoundError)
    def _not_found(error: NotFoundError) -> tuple[dict[str, Any], int]:
        return respond(404, "Not Found", str(error))

    @app.errorhandler(ConflictError)
    def _conflict(error: ConflictError) -> tuple[dict[str, Any], int]:
        return respond(409, "Conflict", str(error))


def register_outage_handlers(app: Flask) -> None:
    """A database outage is a 503 with ``Retry-After`` (§6), not a 500: nothing is wrong
    with the request, and the same request succeeds once the database is back (the pool
    pre-pings, so the first request after the outage reconnects on its own)."""

    def database_error(error: DBAPIError | PoolTimeoutError
                       ) -> tuple[dict[str, Any], int, dict[str, str]]:
        if not is_database_unavailable(error):
            raise error  # a real bug (constraint, bad SQL): Flask turns it into a logged 500
        log.warning("database unavailable: %s", type(error).__name__, exc_info=True)
        body = {
            "code": 503, "status": "Service Unavailable",
            "message": f"the database is unavailable; retry in {RETRY_AFTER_SECONDS} seconds "
                       "(with the same Idempotency-Key, a retried POST cannot create twice)",
        }
        return body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    app.register_error_handler(DBAPIError, database_error)
    app.register_error_handler(PoolTimeoutError, database_error)
