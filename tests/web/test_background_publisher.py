"""The web's publish breaker: closed again once the cooldown has passed and a publish works."""

from __future__ import annotations

import uuid

import pytest

from shared.db.models import JobKind
from web.publisher import BackgroundPublisher, BrokerUnavailableError


class FlakyBroker:
    """A JobPublisher whose broker is down until ``up`` is set."""

    def __init__(self) -> None:
        self.up = False
        self.published: list[uuid.UUID] = []

    def publish(self, job_id: uuid.UUID, kind: JobKind) -> None:
        if not self.up:
            raise ConnectionRefusedError("broker down")
        self.published.append(job_id)


def test_breaker_opens_on_failure_and_closes_after_the_cooldown() -> None:
    now = [100.0]
    broker = FlakyBroker()
    late: list[uuid.UUID] = []
    publisher = BackgroundPublisher(broker, on_late_failure=late.append, wait_seconds=5,
                                    breaker_seconds=10, clock=lambda: now[0])
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        with pytest.raises(ConnectionRefusedError):
            publisher.publish(first, JobKind.GENERATE_SCRIPT)
        assert publisher.broker_known_down()

        broker.up = True
        with pytest.raises(BrokerUnavailableError):  # refused without trying the broker
            publisher.publish(second, JobKind.GENERATE_SCRIPT)
        assert broker.published == []

        now[0] += 10  # cooldown over: the next publish tries again and closes the breaker
        publisher.publish(third, JobKind.GENERATE_SCRIPT)
        assert broker.published == [third]
        assert not publisher.broker_known_down()
        assert late == []
    finally:
        publisher.shutdown()
