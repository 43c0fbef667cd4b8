"""Publish outbox deliveries that are due and have no live message (§12).

Three kinds: retries scheduled too far ahead for a queue countdown, deliveries whose
publish was lost (broker down when they were written), and deliveries whose worker died
mid-attempt (its lease ran out). Runs from Celery beat every WEBHOOK_SWEEP_INTERVAL_SECONDS
and on a timer in embedded mode. Publishing twice is harmless: a claim is a conditional
update, so the extra message finds nothing to do.
"""

from __future__ import annotations

import logging

from shared.db.tenancy import ALL_TENANTS
from shared.db.types import utcnow
from shared.jobs.runtime import Runtime
from shared.repositories import webhooks as repo
from shared.webhooks.publishing import publish_deliveries_after_commit

log = logging.getLogger(__name__)


def sweep_outbox(runtime: Runtime) -> int:
    now = utcnow()
    # Deployment-wide by design: every tenant's due deliveries are published.
    with runtime.session(ALL_TENANTS) as session:
        due = repo.deliveries_to_publish(
            session, now=now,
            republish_after_seconds=runtime.settings.webhook_republish_after_seconds)
        for delivery in due:
            delivery.published_at = now
            if delivery.lease_expires_at is not None:
                delivery.lease_expires_at = None  # expired: its worker is gone
        publish_deliveries_after_commit(session, [delivery.id for delivery in due])
    if due:
        log.info("webhook sweeper", extra={"published": len(due)})
    return len(due)
