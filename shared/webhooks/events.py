"""Webhook events (§12) and the one way to raise them: :func:`emit`.

``emit`` writes the event to the outbox, with a delivery per subscribed enabled endpoint of
that tenant, in the caller's session, so the event commits or rolls back with the change it
reports (no event without the change, no change without the event). The deliveries are
published once that transaction commits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from sqlalchemy.orm import Session

from shared.db.models import WebhookDelivery, WebhookEndpoint
from shared.db.types import utcnow
from shared.repositories import webhooks as repo
from shared.webhooks.publishing import publish_deliveries_after_commit


class EventType(StrEnum):
    JOB_SUCCEEDED = "job.succeeded"
    JOB_FAILED = "job.failed"
    VOICEOVER_READY = "voiceover.ready"
    VOICEOVER_FAILED = "voiceover.failed"
    SCRIPT_REVIEWED = "script.reviewed"
    BATCH_FINISHED = "batch.finished"
    PING = "ping"


EVENT_TYPES: tuple[str, ...] = tuple(member.value for member in EventType)

Data = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def emit(session: Session, *, tenant_id: int, event_type: EventType, data: Data,
         endpoint: WebhookEndpoint | None = None) -> list[WebhookDelivery]:
    """Queue ``event_type`` for every subscribed endpoint (or only ``endpoint``, for a
    ping); returns the deliveries. ``data`` may be a callable, built only when someone
    listens, so a tenant without webhooks pays one small query per event."""
    endpoints = [endpoint] if endpoint is not None else repo.subscribers(
        session, tenant_id=tenant_id, event_type=event_type.value)
    if not endpoints:
        return []
    now = utcnow()
    body = data() if callable(data) else data
    payload = {"type": event_type.value, "timestamp": now.isoformat(),
               "data": json_ready(body)}
    deliveries = repo.add_event(session, tenant_id=tenant_id,
                                message_id=f"msg_{uuid.uuid4().hex}",
                                event_type=event_type.value, payload=payload, now=now,
                                endpoints=endpoints)
    publish_deliveries_after_commit(session, [delivery.id for delivery in deliveries])
    return deliveries


def json_ready(value: Any) -> Any:
    """``value`` as JSON types, encoded the way the API encodes them (ISO dates, string
    UUIDs, enum values), so an event's data reads like the API's own response."""
    return json.loads(json.dumps(value, default=_encode))


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
