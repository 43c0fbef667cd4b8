"""Managing a tenant's webhooks (§12): register, ping, redeliver.

The handlers in ``web/blueprints/webhooks.py`` parse and call these; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db.models import WebhookEndpoint, WebhookEvent
from shared.errors import DestinationRefusedError, DomainValidationError
from shared.repositories import webhooks as repo
from shared.webhooks.destinations import check_at_creation
from shared.webhooks.events import EventType, emit
from shared.webhooks.publishing import publish_deliveries_after_commit
from shared.webhooks.secrets import new_secret, secret_box


@dataclass(frozen=True)
class NewEndpoint:
    row: WebhookEndpoint
    secret: str  # shown once, in the creation response


@dataclass(frozen=True)
class QueuedDelivery:
    delivery_id: int
    event_type: str
    webhook_id: str


def register(session: Session, settings: Settings, *, url: str, events: list[str],
             description: str) -> NewEndpoint:
    """Create an endpoint with a fresh secret; a URL the SSRF guard refuses is a 422."""
    try:
        check_at_creation(url, allow_private=settings.webhook_allow_private)
    except DestinationRefusedError as refused:
        raise DomainValidationError("url", str(refused)) from None
    secret = new_secret()
    row = repo.create_endpoint(session, url=url, events=list(dict.fromkeys(events)),
                               description=description,
                               secret_sealed=secret_box(settings).seal(secret))
    return NewEndpoint(row=row, secret=secret)


def ping(session: Session, endpoint_id: int) -> QueuedDelivery:
    """Queue a ``ping`` to this endpoint alone, subscribed to it or not."""
    endpoint = repo.get_endpoint(session, endpoint_id)
    [delivery] = emit(session, tenant_id=endpoint.tenant_id, event_type=EventType.PING,
                      endpoint=endpoint,
                      data={"webhook": endpoint.id, "message": "ping from scriptforge"})
    return _queued(session, delivery.id, delivery.event_id)


def redeliver(session: Session, endpoint_id: int, delivery_id: int) -> QueuedDelivery:
    """Send a delivery again (same ``webhook-id``), with a fresh retry schedule."""
    delivery = repo.rearm(session, repo.get_delivery(session, endpoint_id, delivery_id))
    publish_deliveries_after_commit(session, [delivery.id])
    return _queued(session, delivery.id, delivery.event_id)


def _queued(session: Session, delivery_id: int, event_id: int) -> QueuedDelivery:
    event = session.get_one(WebhookEvent, event_id)
    return QueuedDelivery(delivery_id=delivery_id, event_type=event.type,
                          webhook_id=event.message_id)
