"""``Idempotency-Key`` for job-creating requests (draft-ietf-httpapi-idempotency-key-header).

Same key + same body → the same job; same key + different body → 422; a retry while the
first request is still in flight → 409. The key is reserved in its own committed
transaction first, which is what lets a concurrent retry see "in flight" instead of
blocking on the unique index until the first request finishes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.db.models import IdempotencyKey, Job
from shared.db.types import utcnow
from shared.errors import ConflictError, DomainValidationError

HEADER = "Idempotency-Key"
# A reservation with no job after this long belongs to a request that died mid-way.
_STALE_RESERVATION = timedelta(minutes=2)


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def create_idempotently(
    session: Session,
    *,
    key: str | None,
    scope: str,
    request_fingerprint: str,
    ttl_hours: int,
    create: Callable[[], Job],
) -> tuple[Job, bool]:
    """Run ``create`` at most once per key; returns (job, replayed). Commits the session."""
    if not key:
        job = create()
        session.commit()
        return job, False
    if len(key) > 255:
        raise DomainValidationError(HEADER, "must be at most 255 characters")
    if not (key.isascii() and key.isprintable()):
        # A header may carry control characters (NUL among them) that the column cannot.
        raise DomainValidationError(HEADER, "must be printable ASCII")

    reservation = _reserve(session, scope=scope, key=key, request_fingerprint=request_fingerprint,
                           ttl_hours=ttl_hours)
    if isinstance(reservation, Job):
        return reservation, True
    try:
        job = create()
        reservation.job_id = job.id
        session.commit()
    except BaseException:
        session.rollback()
        # The request failed: forget the key so a corrected retry is not refused.
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == reservation.id))
        session.commit()
        raise
    return job, False


def _reserve(
    session: Session, *, scope: str, key: str, request_fingerprint: str, ttl_hours: int
) -> IdempotencyKey | Job:
    now = utcnow()
    for _ in range(2):
        row = IdempotencyKey(
            scope=scope,
            key=key,
            fingerprint=request_fingerprint,
            job_id=None,
            created_at=now,
            expires_at=now + timedelta(hours=ttl_hours),
        )
        session.add(row)
        try:
            session.commit()
            return row
        except IntegrityError:
            session.rollback()
        existing = session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        )
        if existing is None:
            continue  # deleted between our insert and our read: try once more
        expired = existing.expires_at < now
        stale = existing.job_id is None and existing.created_at < now - _STALE_RESERVATION
        if expired or stale:
            session.delete(existing)
            session.commit()
            continue
        if existing.fingerprint != request_fingerprint:
            raise DomainValidationError(
                HEADER, "this key was already used with a different request body"
            )
        if existing.job_id is None:
            raise ConflictError(
                "a request with this Idempotency-Key is still being processed; retry shortly"
            )
        job = session.get(Job, existing.job_id)
        if job is not None:
            return job
        session.delete(existing)
        session.commit()
    raise ConflictError("could not reserve the Idempotency-Key; retry shortly")


def purge_expired_keys(session: Session) -> int:
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at < utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]
