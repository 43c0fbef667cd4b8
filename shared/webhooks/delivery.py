"""One attempt of one delivery (§12): claim it, sign, send, record what happened.

Tasks call :func:`deliver` and nothing else, so the Celery ``webhooks`` queue and the
embedded worker behave the same. Outcomes:

- any 2xx: delivered;
- 410 Gone: the endpoint is disabled (the receiver said it is gone for good) and the
  delivery is failed;
- anything else (other statuses, timeouts, refused destinations): retried after the next
  delay of ``WEBHOOK_RETRY_SCHEDULE`` with jitter; when the schedule is used up, failed.

The message id (``webhook-id``) is the event's, so it is the same through every retry and
redelivery. A worker holds the delivery by a lease while sending; if it dies, the lease
runs out and the sweeper publishes the delivery again (at least once, never lost).
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from shared.config import Settings
from shared.db.models import DeliveryState
from shared.db.tenancy import ALL_TENANTS, tenant_context
from shared.db.types import utcnow
from shared.errors import SecretUnreadableError
from shared.jobs.runtime import Runtime
from shared.observability.instruments import WEBHOOK_DELIVERIES, webhook_outcome
from shared.repositories import webhooks as repo
from shared.webhooks.publishing import publish_deliveries_after_commit
from shared.webhooks.secrets import secret_box
from shared.webhooks.sender import SendResult, send

log = logging.getLogger(__name__)

# Retries this soon are sent with a countdown on the queue; later ones wait in the table
# for the sweeper (a broker holding a message for hours is not a schedule to rely on).
COUNTDOWN_MAX_SECONDS = 60.0
JITTER = (0.8, 1.2)


def lease_seconds(settings: Settings) -> float:
    """How long a claimed attempt may take before another worker may take it over:
    the HTTP timeout covers connect and read separately, plus DNS and the database."""
    return settings.webhook_timeout_seconds * 2 + 10


def retry_delay(settings: Settings, failures: int) -> float | None:
    """Seconds before the retry after failure number ``failures`` (None: give up)."""
    delays = settings.webhook_retry_delays
    if failures > len(delays):
        return None
    return delays[failures - 1] * random.uniform(*JITTER)  # jitter, not cryptography


@dataclass(frozen=True)
class Decision:
    outcome: str  # delivered, retrying, failed, disabled
    state: DeliveryState
    next_retry_at: datetime | None


def decide(settings: Settings, result: SendResult, failures: int, now: datetime) -> Decision:
    if result.delivered:
        return Decision("delivered", DeliveryState.DELIVERED, None)
    if result.status_code == 410:
        return Decision("disabled", DeliveryState.FAILED, None)
    delay = retry_delay(settings, failures)
    if delay is None:
        return Decision("failed", DeliveryState.FAILED, None)
    return Decision("retrying", DeliveryState.PENDING, now + timedelta(seconds=delay))


def deliver(runtime: Runtime, delivery_id: int) -> str:
    """Make the delivery's next attempt if it is due and free; returns what happened
    (for logs and metrics): delivered, retrying, failed, disabled, busy or skipped."""
    settings = runtime.settings
    with runtime.session(ALL_TENANTS) as session:
        tenant_id = repo.tenant_of_delivery(session, delivery_id)
    if tenant_id is None:
        return "skipped"  # its endpoint was deleted
    with tenant_context(tenant_id):
        now = utcnow()
        with runtime.session() as session:
            claim = repo.claim_delivery(
                session, delivery_id, now=now, lease_seconds=lease_seconds(settings),
                max_in_flight=settings.webhook_max_in_flight_per_endpoint)
            if isinstance(claim, repo.Busy):
                return "busy"  # parked until an attempt at this endpoint frees a slot
            if claim is None:
                return "skipped"
            endpoint_id, url = claim.endpoint.id, claim.endpoint.url
            enabled, disabled_reason = claim.endpoint.enabled, claim.endpoint.disabled_reason
            sealed = claim.endpoint.secret_encrypted
            message_id = claim.event.message_id
            body = json.dumps(claim.event.payload, separators=(",", ":"))
            failures = session.get_one(repo.WebhookDelivery, delivery_id).failures
        if not enabled:
            result = SendResult(None, 0, f"endpoint disabled: {disabled_reason or 'by its owner'}")
            decision = Decision("failed", DeliveryState.FAILED, None)
        else:
            try:
                secret = secret_box(settings).open(sealed)
            except SecretUnreadableError as unreadable:
                result = SendResult(None, 0, str(unreadable))
            else:
                result = send(url, secret=secret, message_id=message_id, body=body,
                              timeout_seconds=settings.webhook_timeout_seconds,
                              allow_private=settings.webhook_allow_private)
            decision = decide(settings, result, failures + (not result.delivered),
                              utcnow())
        try:
            _record(runtime, delivery_id, endpoint_id, claim.attempt, result, decision,
                    failures + (decision.outcome != "delivered"))
        except IntegrityError:
            # The webhook was deleted during the attempt; its deliveries and log went with it.
            log.info("webhook deleted during a delivery attempt",
                     extra={"delivery_id": delivery_id})
            return "skipped"
    count_delivery(decision.outcome)
    log.info("webhook attempt", extra={"delivery_id": delivery_id, "attempt": claim.attempt,
                                       "status_code": result.status_code,
                                       "outcome": decision.outcome})
    return decision.outcome


def _record(runtime: Runtime, delivery_id: int, endpoint_id: int, attempt: int,
            result: SendResult, decision: Decision, failures: int) -> None:
    now = utcnow()
    countdown = None
    if decision.next_retry_at is not None:
        wait = (decision.next_retry_at - now).total_seconds()
        countdown = max(wait, 0.0) if wait <= COUNTDOWN_MAX_SECONDS else None
    with runtime.session() as session:
        moved = repo.record_attempt(
            session, delivery_id=delivery_id, endpoint_id=endpoint_id, attempt=attempt,
            status_code=result.status_code, latency_ms=result.latency_ms, error=result.error,
            outcome=decision.outcome, next_retry_at=decision.next_retry_at,
            state=decision.state, failures=failures,
            published_at=decision.next_retry_at if countdown is not None else None, now=now)
        if moved and decision.outcome == "disabled":
            repo.disable_endpoint(
                session, endpoint_id,
                f"the receiver answered 410 Gone on {now.isoformat(timespec='seconds')}")
        if moved and countdown is not None:
            publish_deliveries_after_commit(session, [delivery_id], countdown=countdown)
        # This attempt's slot is free: hand it to the delivery that waited longest for one.
        waiting = repo.take_waiting(session, endpoint_id, now=now)
        if waiting is not None:
            publish_deliveries_after_commit(session, [waiting])


def count_delivery(outcome: str) -> None:
    """``scriptforge_webhook_deliveries_total{outcome}`` (§13), once per attempt made."""
    WEBHOOK_DELIVERIES.labels(outcome=webhook_outcome(outcome)).inc()
