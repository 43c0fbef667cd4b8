"""Webhooks, their delivery log and redeliveries (§12), as the API shows and accepts them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from shared.db.models import DeliveryState
from shared.repositories.webhooks import DESCRIPTION_MAX, URL_MAX
from shared.webhooks.events import EVENT_TYPES
from web.schemas.base import PaginationSchema, StrictSchema, http_url


class WebhookCreateSchema(StrictSchema):
    url = ma.fields.String(
        required=True, validate=http_url(max_length=URL_MAX, ipv6=True),
        metadata={"description": "https on a public address (http and private addresses "
                                 "only with WEBHOOK_ALLOW_PRIVATE=true)."},
    )
    events = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(EVENT_TYPES)), required=True,
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
        metadata={"description": "Event types to receive: " + ", ".join(EVENT_TYPES) + "."},
    )
    description = ma.fields.String(load_default="",
                                   validate=validate.Length(max=DESCRIPTION_MAX))


class WebhookSchema(ma.Schema):
    id = ma.fields.Integer()
    url = ma.fields.String()
    events = ma.fields.List(ma.fields.String())
    description = ma.fields.String()
    enabled = ma.fields.Boolean()
    disabled_reason = ma.fields.String(
        allow_none=True, metadata={"description": "Why deliveries stopped (a 410 answer)."})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class CreatedWebhookSchema(WebhookSchema):
    secret = ma.fields.String(metadata={
        "description": "whsec_… signing secret for the standardwebhooks library; shown "
                       "this once only."})


class QueuedDeliverySchema(ma.Schema):
    delivery_id = ma.fields.Integer()
    event_type = ma.fields.String()
    webhook_id = ma.fields.String(metadata={"description": "The webhook-id header it carries."})


class DeliveryAttemptSchema(ma.Schema):
    """One HTTP attempt of one delivery."""

    id = ma.fields.Integer(attribute="attempt.id")
    delivery_id = ma.fields.Integer(attribute="attempt.delivery_id")
    attempt = ma.fields.Integer(attribute="attempt.attempt",
                                metadata={"description": "1 for the first try of a delivery."})
    event_id = ma.fields.Integer()
    event_type = ma.fields.String()
    webhook_id = ma.fields.String(attribute="message_id")
    status_code = ma.fields.Integer(attribute="attempt.status_code", allow_none=True)
    latency_ms = ma.fields.Integer(attribute="attempt.latency_ms", allow_none=True)
    error = ma.fields.String(attribute="attempt.error", allow_none=True)
    outcome = ma.fields.String(
        attribute="attempt.outcome",
        metadata={"description": "delivered, retrying, failed or disabled (a 410)."})
    next_retry_at = ma.fields.DateTime(attribute="attempt.next_retry_at", allow_none=True)
    created_at = ma.fields.DateTime(attribute="attempt.created_at")
    delivery_state = ma.fields.Enum(DeliveryState, by_value=True,
                                    metadata={"description": "Where the delivery is now."})


class WebhookListQuerySchema(PaginationSchema):
    pass
