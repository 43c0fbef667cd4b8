"""Webhooks (§12): register receivers, ping them, read the delivery log, redeliver."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from shared.db.models import WebhookEndpoint
from shared.repositories import webhooks as repo
from shared.repositories.webhooks import AttemptRow
from shared.webhooks import endpoints
from shared.webhooks.endpoints import QueuedDelivery
from web.auth import requires_scope
from web.db import get_session, state
from web.pagination import total_count_header
from web.parsing import Blueprint
from web.schemas.webhooks import (
    CreatedWebhookSchema,
    DeliveryAttemptSchema,
    QueuedDeliverySchema,
    WebhookCreateSchema,
    WebhookListQuerySchema,
    WebhookSchema,
)

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="Signed callbacks for job, voiceover, review and batch events.")


@blp.route("")
class WebhookCollection(MethodView):
    @requires_scope("admin")
    @blp.arguments(WebhookListQuerySchema, location="query")
    @blp.response(200, WebhookSchema(many=True), headers=total_count_header())
    def get(self, query: dict[str, Any]) -> tuple[list[WebhookEndpoint], dict[str, str]]:
        """The tenant's webhooks, newest first (never their secrets)."""
        rows, total = repo.list_endpoints(get_session(), limit=query["limit"],
                                          offset=query["offset"])
        return rows, {"X-Total-Count": str(total)}

    @requires_scope("admin")
    @blp.arguments(WebhookCreateSchema)
    @blp.response(201, CreatedWebhookSchema)
    def post(self, body: dict[str, Any]) -> WebhookEndpoint:
        """Register a receiver; the response is the only place its signing secret appears."""
        session = get_session()
        created = endpoints.register(session, state().settings, url=body["url"],
                                     events=body["events"], description=body["description"])
        session.commit()
        created.row.secret = created.secret  # type: ignore[attr-defined]
        return created.row


@blp.route("/<id:webhook_id>")
class WebhookItem(MethodView):
    @requires_scope("admin")
    @blp.response(200, WebhookSchema)
    def get(self, webhook_id: int) -> WebhookEndpoint:
        """One webhook."""
        return repo.get_endpoint(get_session(), webhook_id)

    @requires_scope("admin")
    @blp.response(204)
    def delete(self, webhook_id: int) -> None:
        """Delete a webhook with its pending deliveries and its log."""
        session = get_session()
        repo.delete_endpoint(session, webhook_id)
        session.commit()


@blp.route("/<id:webhook_id>/test")
class WebhookPing(MethodView):
    @requires_scope("admin")
    @blp.response(202, QueuedDeliverySchema)
    def post(self, webhook_id: int) -> QueuedDelivery:
        """Send a ping event to this webhook."""
        session = get_session()
        queued = endpoints.ping(session, webhook_id)
        session.commit()
        return queued


@blp.route("/<id:webhook_id>/deliveries")
class WebhookDeliveries(MethodView):
    @requires_scope("admin")
    @blp.arguments(WebhookListQuerySchema, location="query")
    @blp.response(200, DeliveryAttemptSchema(many=True), headers=total_count_header())
    def get(self, query: dict[str, Any], webhook_id: int
            ) -> tuple[list[AttemptRow], dict[str, str]]:
        """The delivery log: every attempt, newest first."""
        rows, total = repo.list_attempts(get_session(), webhook_id, limit=query["limit"],
                                         offset=query["offset"])
        return rows, {"X-Total-Count": str(total)}


@blp.route("/<id:webhook_id>/deliveries/<id:delivery_id>/redeliver")
class WebhookRedelivery(MethodView):
    @requires_scope("admin")
    @blp.response(202, QueuedDeliverySchema)
    def post(self, webhook_id: int, delivery_id: int) -> QueuedDelivery:
        """Send a delivery again, with the same webhook-id and a fresh retry schedule."""
        session = get_session()
        queued = endpoints.redeliver(session, webhook_id, delivery_id)
        session.commit()
        return queued
