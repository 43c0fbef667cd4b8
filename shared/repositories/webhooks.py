"""Webhook endpoints, the outbox, deliveries and their attempts (§12): every query.

Deliveries move by conditional updates, like jobs (§4): a claim matches only a pending,
due, unleased delivery at the attempt count its reader saw, so two workers holding the
same message cannot both send the same attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, or_, select, update
from sqlalchemy.orm import Session

from shared.db.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from shared.db.types import utcnow
from shared.errors import NotFoundError

URL_MAX = 2048
DESCRIPTION_MAX = 500
REASON_MAX = 500


def create_endpoint(session: Session, *, url: str, events: list[str], description: str,
                    secret_sealed: str) -> WebhookEndpoint:
    now = utcnow()
    endpoint = WebhookEndpoint(url=url, events=events, description=description,
                               secret_encrypted=secret_sealed, enabled=True,
                               created_at=now, updated_at=now)
    session.add(endpoint)
    session.flush()
    return endpoint


def list_endpoints(session: Session, *, limit: int, offset: int
                   ) -> tuple[list[WebhookEndpoint], int]:
    query = (select(WebhookEndpoint).order_by(WebhookEndpoint.created_at.desc(),
                                              WebhookEndpoint.id.desc())
             .limit(limit).offset(offset))
    total = session.scalar(select(func.count()).select_from(WebhookEndpoint)) or 0
    return list(session.scalars(query)), total


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFoundError("webhook", endpoint_id)
    return endpoint


def delete_endpoint(session: Session, endpoint_id: int) -> None:
    """Remove the endpoint; its deliveries and their log go with it (ON DELETE CASCADE)."""
    session.delete(get_endpoint(session, endpoint_id))
    session.flush()


def subscribers(session: Session, *, tenant_id: int, event_type: str) -> list[WebhookEndpoint]:
    """Enabled endpoints of ``tenant_id`` that subscribed to ``event_type``.

    The tenant is named explicitly because system sessions (the sweeper abandoning a job,
    a batch closing) emit too. A tenant has a handful of endpoints, so the event filter runs
    here rather than as a JSON query that differs between Postgres and SQLite.
    """
    rows = session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.id)
    )
    return [row for row in rows if event_type in row.events]


def add_event(session: Session, *, tenant_id: int, message_id: str, event_type: str,
              payload: dict[str, Any], now: datetime,
              endpoints: list[WebhookEndpoint]) -> list[WebhookDelivery]:
    """The outbox row and one pending delivery per endpoint, due now."""
    event = WebhookEvent(tenant_id=tenant_id, message_id=message_id, type=event_type,
                         payload=payload, created_at=now)
    session.add(event)
    session.flush()
    deliveries = [
        WebhookDelivery(tenant_id=tenant_id, endpoint_id=endpoint.id, event_id=event.id,
                        state=DeliveryState.PENDING, attempts=0, failures=0,
                        next_attempt_at=now, published_at=now, created_at=now, updated_at=now)
        for endpoint in endpoints
    ]
    session.add_all(deliveries)
    session.flush()
    return deliveries


def clear_delivery_published_at(connection: Connection, delivery_id: int) -> None:
    """Mark a delivery unpublished (its publish failed): the next sweep sends it."""
    connection.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                       .values(published_at=None))


def tenant_of_delivery(system_session: Session, delivery_id: int) -> int | None:
    tenant_id: int | None = system_session.scalar(
        select(WebhookDelivery.tenant_id).where(WebhookDelivery.id == delivery_id))
    return tenant_id


def get_delivery(session: Session, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    delivery = session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id))
    if delivery is None:
        raise NotFoundError("delivery", delivery_id)
    return delivery


def rearm(session: Session, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, whatever became of it, with a fresh retry schedule.

    The attempt numbers go on, and the event keeps its ``webhook-id``.
    """
    now = utcnow()
    delivery.state = DeliveryState.PENDING
    delivery.failures = 0
    delivery.waiting_since = None
    delivery.next_attempt_at = now
    delivery.published_at = now
    delivery.updated_at = now
    session.flush()
    return delivery


@dataclass(frozen=True)
class AttemptRow:
    attempt: WebhookAttempt
    event_id: int
    event_type: str
    message_id: str
    delivery_state: DeliveryState


def list_attempts(session: Session, endpoint_id: int, *, limit: int, offset: int
                  ) -> tuple[list[AttemptRow], int]:
    """The endpoint's delivery log, newest attempt first."""
    get_endpoint(session, endpoint_id)
    query = (
        select(WebhookAttempt, WebhookEvent.id, WebhookEvent.type, WebhookEvent.message_id,
               WebhookDelivery.state)
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookAttempt.endpoint_id == endpoint_id)
        .order_by(WebhookAttempt.created_at.desc(), WebhookAttempt.id.desc())
        .limit(limit).offset(offset)
    )
    total = session.scalar(select(func.count()).select_from(WebhookAttempt)
                           .where(WebhookAttempt.endpoint_id == endpoint_id)) or 0
    rows = [AttemptRow(attempt=row[0], event_id=row[1], event_type=row[2], message_id=row[3],
                       delivery_state=row[4]) for row in session.execute(query)]
    return rows, total


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    attempt: int
    endpoint: WebhookEndpoint
    event: WebhookEvent


@dataclass(frozen=True)
class Busy:
    """The endpoint already has its cap of deliveries in flight: the delivery waits for
    the attempt that frees a slot to hand it on (:func:`take_waiting`)."""


def _lock_endpoint(session: Session, endpoint_id: int) -> None:
    """Serialise claims on one endpoint, so the in-flight count cannot be raced past.

    Postgres: ``SELECT … FOR UPDATE``. SQLite has one writer at a time, taken by the
    first write, so a write that changes nothing comes first.
    """
    if session.get_bind().dialect.name != "postgresql":
        session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                        .values(enabled=WebhookEndpoint.enabled,
                                updated_at=WebhookEndpoint.updated_at)
                        .execution_options(synchronize_session=False))
    session.execute(select(WebhookEndpoint.id).where(WebhookEndpoint.id == endpoint_id)
                    .with_for_update())


def claim_delivery(session: Session, delivery_id: int, *, now: datetime, lease_seconds: float,
                   max_in_flight: int) -> Claimed | Busy | None:
    """Take the delivery's next attempt, or say why not (None: nothing to do now)."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.state != DeliveryState.PENDING:
        return None
    _lock_endpoint(session, delivery.endpoint_id)
    session.refresh(delivery)
    leased = delivery.lease_expires_at is not None and delivery.lease_expires_at > now
    due = delivery.next_attempt_at is None or delivery.next_attempt_at <= now
    if delivery.state != DeliveryState.PENDING or leased or not due:
        return None  # done, held by a live worker, or an early message (its own is coming)
    in_flight = session.scalar(
        select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == delivery.endpoint_id,
            WebhookDelivery.state == DeliveryState.PENDING,
            WebhookDelivery.lease_expires_at > now,
        )) or 0
    if in_flight >= max_in_flight:
        # Parked, holding no thread and sending no message: it stays due, and counts as
        # published now, so the sweeper only steps in if no hand-off comes within
        # WEBHOOK_REPUBLISH_AFTER_SECONDS (a worker died between attempt and hand-off).
        if delivery.waiting_since is None:
            delivery.waiting_since = now
        delivery.published_at = now
        session.flush()
        return Busy()
    attempt = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id,
               WebhookDelivery.state == DeliveryState.PENDING,
               WebhookDelivery.attempts == delivery.attempts,
               or_(WebhookDelivery.lease_expires_at.is_(None),
                   WebhookDelivery.lease_expires_at <= now))
        .values(attempts=WebhookDelivery.attempts + 1, waiting_since=None,
                lease_expires_at=now + timedelta(seconds=lease_seconds), updated_at=now)
        .returning(WebhookDelivery.attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if attempt is None:
        return None
    endpoint = session.get_one(WebhookEndpoint, delivery.endpoint_id)
    event = session.get_one(WebhookEvent, delivery.event_id)
    return Claimed(delivery_id=delivery_id, attempt=attempt, endpoint=endpoint, event=event)


def record_attempt(session: Session, *, delivery_id: int, endpoint_id: int, attempt: int,
                   status_code: int | None, latency_ms: int | None, error: str | None,
                   outcome: str, next_retry_at: datetime | None, state: DeliveryState,
                   failures: int, published_at: datetime | None, now: datetime) -> bool:
    """Log the attempt and move the delivery on; False if a later attempt took it over
    (its lease expired), in which case only the log line is written."""
    session.add(WebhookAttempt(
        delivery_id=delivery_id, endpoint_id=endpoint_id, attempt=attempt,
        status_code=status_code, latency_ms=latency_ms,
        error=error[:REASON_MAX] if error else None, outcome=outcome,
        next_retry_at=next_retry_at, created_at=now,
    ))
    moved = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.attempts == attempt,
               WebhookDelivery.state == DeliveryState.PENDING)
        .values(state=state, failures=failures, next_attempt_at=next_retry_at,
                lease_expires_at=None, published_at=published_at, updated_at=now)
        .returning(WebhookDelivery.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.flush()
    return moved is not None


def take_waiting(session: Session, endpoint_id: int, *, now: datetime) -> int | None:
    """The delivery that has waited longest for a slot at this endpoint, marked published
    (its message is about to go); None if nothing waits.

    Locks the endpoint like a claim does, so a delivery cannot park unseen between this
    look and the freed slot becoming visible.
    """
    _lock_endpoint(session, endpoint_id)
    waiting = session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id,
               WebhookDelivery.waiting_since.is_not(None),
               WebhookDelivery.state == DeliveryState.PENDING)
        .order_by(WebhookDelivery.waiting_since, WebhookDelivery.id)
        .limit(1)
    )
    if waiting is None:
        return None
    waiting.published_at = now
    session.flush()
    return waiting.id


def disable_endpoint(session: Session, endpoint_id: int, reason: str) -> None:
    session.execute(
        update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
        .values(enabled=False, disabled_reason=reason[:REASON_MAX], updated_at=utcnow())
        .execution_options(synchronize_session=False))


def deliveries_to_publish(session: Session, *, now: datetime, republish_after_seconds: int,
                          limit: int = 1000) -> list[WebhookDelivery]:
    """Pending deliveries that are due and have no live message: never published (a
    retry left to the sweeper), published long ago (a lost message), or claimed by a
    worker whose lease ran out (it died mid-delivery)."""
    lease_expired = WebhookDelivery.lease_expires_at <= now
    query = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.state == DeliveryState.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.lease_expires_at.is_(None), lease_expired),
            or_(WebhookDelivery.published_at.is_(None),
                WebhookDelivery.published_at
                < now - timedelta(seconds=republish_after_seconds),
                lease_expired),
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    )
    return list(session.scalars(query))
