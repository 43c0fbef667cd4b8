"""The shared shape of "202 Accepted, here is your job" responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request

from shared.db.models import Job
from shared.repositories.idempotency import HEADER, create_idempotently, fingerprint
from web.db import get_session, state


def accept_job(body: Any, create: Callable[[], Job]) -> tuple[Job, int, dict[str, str]]:
    """Create a job once per Idempotency-Key and answer 202 with its Location."""
    session = get_session()
    job, replayed = create_idempotently(
        session,
        key=request.headers.get(HEADER),
        scope="",  # the session adds the caller's tenant: keys belong to the caller (§4, §11)
        request_fingerprint=fingerprint(request.method, request.path, body),
        ttl_hours=state().settings.idempotency_key_ttl_hours,
        create=create,
    )
    headers = {"Location": f"/api/v1/jobs/{job.id}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return job, 202, headers
