"""Hand deliveries to whatever sends them (Celery's webhooks queue, or the embedded
worker), only once the transaction that wrote them has committed.

The session's publisher (``shared.jobs.publishing``) sends them when it knows how
(``publish_delivery``). A failed or impossible publish is logged, never raised: the
delivery row is committed, and the outbox sweeper publishes every due delivery that has
no live message.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from sqlalchemy.orm import Session

from shared.db.after_commit import call_after_commit
from shared.repositories.webhooks import clear_delivery_published_at

log = logging.getLogger(__name__)


@runtime_checkable
class DeliveryPublisher(Protocol):
    def publish_delivery(self, delivery_id: int, countdown: float = 0.0) -> None: ...


def publish_deliveries_after_commit(session: Session, delivery_ids: list[int], *,
                                    countdown: float = 0.0) -> None:
    # Imported here: job publishing imports the job repository, whose state changes emit
    # events (this module's caller), so a module-level import would be a cycle.
    from shared.jobs.publishing import session_publisher

    publisher = session_publisher(session)
    if not delivery_ids:
        return
    if not isinstance(publisher, DeliveryPublisher):
        return  # nothing here sends deliveries; the sweeper will
    engine = session.get_bind().engine
    ids = list(delivery_ids)

    def publish() -> None:
        for delivery_id in ids:
            try:
                publisher.publish_delivery(delivery_id, countdown)
            except Exception as error:
                log.warning("delivery publish failed; the sweeper will send it",
                            extra={"delivery_id": delivery_id,
                                   "error": f"{type(error).__name__}: {error}"})
                try:
                    with engine.begin() as connection:
                        clear_delivery_published_at(connection, delivery_id)
                except Exception:
                    log.warning("could not clear published_at", exc_info=True)

    call_after_commit(session, publish)
