"""Liveness and readiness probes (outside /api/v1)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint
from sqlalchemy import text

from web.db import get_session, state

log = logging.getLogger(__name__)
blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up (no dependency checks: a restart would not fix them)."""
    return {"status": "ok"}


@blp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """Ready to serve: the database answers and the broker (if any) accepts connections."""
    checks: dict[str, str] = {}
    try:
        get_session().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        log.warning("readiness: database down", exc_info=True)
        checks["database"] = f"down: {type(exc).__name__}"
    ping = state().ping_broker
    if ping is None:
        checks["broker"] = "embedded"
    else:
        try:
            ping()
            checks["broker"] = "ok"
        except Exception as exc:
            log.warning("readiness: broker down", exc_info=True)
            checks["broker"] = f"down: {type(exc).__name__}"
    down = [name for name, status in checks.items() if status.startswith("down")]
    if down:
        return {"status": "unavailable", "message": f"down: {', '.join(down)}",
                "checks": checks}, 503
    return {"status": "ok", "checks": checks}, 200
