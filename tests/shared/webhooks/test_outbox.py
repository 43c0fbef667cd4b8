"""The outbox (§12): an event exists exactly when the change it reports committed, and
the sweeper publishes deliveries that are due or whose worker died."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from shared.config import ConfigError, Settings, load_settings
from shared.db.models import DeliveryState, Job, JobKind, WebhookDelivery, WebhookEvent
from shared.db.tenancy import ALL_TENANTS
from shared.db.types import utcnow
from shared.jobs.runtime import Runtime
from shared.jobs.sweeper import sweep_stuck_jobs
from shared.repositories import jobs as store
from shared.repositories import webhooks as repo
from shared.webhooks.delivery import retry_delay
from shared.webhooks.secrets import SecretBox
from shared.webhooks.sweeper import sweep_outbox
from tests.support.keys import DEFAULT_TENANT_ID
from tests.support.runtime import RecordingPublisher, recording_runtime


class DeliveryRecorder(RecordingPublisher):
    def __init__(self) -> None:
        super().__init__()
        self.deliveries: list[int] = []

    def publish_delivery(self, delivery_id: int, countdown: float = 0.0) -> None:
        self.deliveries.append(delivery_id)


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    settings = Settings(var_dir=tmp_path / "var", storage_dir=tmp_path / "audio")
    runtime, _ = recording_runtime(settings)
    return runtime


def _endpoint(runtime: Runtime, events: list[str]) -> int:
    with runtime.session() as session:
        return repo.create_endpoint(session, url="https://hooks.example.com/h", events=events,
                                    description="", secret_sealed=SecretBox("k").seal("s")).id


def _running_job(runtime: Runtime) -> store.Claim:
    with runtime.session() as session:
        job = store.create_job(session, kind=JobKind.GENERATE_SCRIPT, params={})
    with runtime.session() as session:
        claim = store.claim_job(session, job.id, lease_seconds=60)
    assert claim is not None
    return claim


def _events(runtime: Runtime) -> list[WebhookEvent]:
    with runtime.session(ALL_TENANTS) as session:
        rows = list(session.scalars(select(WebhookEvent)))
        session.expunge_all()
        return rows


def test_no_event_without_the_change_and_no_change_without_the_event(
    runtime: Runtime,
) -> None:
    _endpoint(runtime, ["job.succeeded"])
    claim = _running_job(runtime)

    def finish_then_fail() -> None:
        with runtime.session() as session:
            store.complete_job(session, claim, result={"script_id": 1})
            raise RuntimeError("the transaction fails after the job finished")

    with pytest.raises(RuntimeError):
        finish_then_fail()
    assert _events(runtime) == []
    with runtime.session() as session:
        store.complete_job(session, claim, result={"script_id": 1})
    [event] = _events(runtime)
    assert event.type == "job.succeeded"
    assert event.payload["data"]["result"] == {"script_id": 1}
    assert event.payload["data"]["status"] == "succeeded"


def test_events_nobody_subscribed_to_are_not_written(runtime: Runtime) -> None:
    _endpoint(runtime, ["job.failed"])
    claim = _running_job(runtime)
    with runtime.session() as session:
        store.complete_job(session, claim, result={})
    assert _events(runtime) == []


def test_the_sweeper_publishes_due_and_abandoned_deliveries_only(runtime: Runtime) -> None:
    recorder = DeliveryRecorder()
    runtime.session_factory.configure(info={"scriptforge.publisher": recorder})
    _endpoint(runtime, ["job.succeeded"])
    for _ in range(4):
        claim = _running_job(runtime)
        with runtime.session() as session:
            store.complete_job(session, claim, result={})
    now = utcnow()
    with runtime.session() as session:
        due_unpublished, fresh, dead_worker, later = session.scalars(
            select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        due_unpublished.published_at = None
        fresh.published_at = now  # its message is on the queue
        dead_worker.lease_expires_at = now - timedelta(seconds=1)
        dead_worker.attempts = 1
        later.published_at = None
        later.next_attempt_at = now + timedelta(hours=1)
        expected = [due_unpublished.id, dead_worker.id]
    recorder.deliveries.clear()
    assert sweep_outbox(runtime) == 2
    assert sorted(recorder.deliveries) == expected
    assert sweep_outbox(runtime) == 0  # published now: not again until republish_after
    with runtime.session() as session:
        states = {d.state for d in session.scalars(select(WebhookDelivery))}
    assert states == {DeliveryState.PENDING}


def test_a_job_the_sweeper_gives_up_on_reports_job_failed(runtime: Runtime) -> None:
    """The sweeper's session is deployment-wide; the event still belongs to the job's
    tenant and goes to that tenant's endpoints."""
    _endpoint(runtime, ["job.failed"])
    claim = _running_job(runtime)
    with runtime.session() as session:
        job = session.get_one(Job, claim.job_id)
        job.attempts = runtime.settings.job_max_attempts
        job.lease_expires_at = utcnow() - timedelta(seconds=1)
    assert sweep_stuck_jobs(runtime).abandoned == 1
    [event] = _events(runtime)
    assert event.type == "job.failed"
    assert event.tenant_id == DEFAULT_TENANT_ID
    assert event.payload["data"]["error"]["type"] == "abandoned"


def test_retry_delays_follow_the_schedule_with_jitter_then_give_up(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, webhook_retry_schedule="10,100")
    first, second = retry_delay(settings, 1), retry_delay(settings, 2)
    assert first is not None
    assert second is not None
    assert 8 <= first <= 12
    assert 80 <= second <= 120
    assert retry_delay(settings, 3) is None


@pytest.mark.parametrize("schedule", ["", "5,soon", "-1", "5,,x"])
def test_a_bad_retry_schedule_stops_the_process_naming_it(schedule: str) -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_RETRY_SCHEDULE"):
        load_settings(webhook_retry_schedule=schedule)
