"""Job state machine: conditional updates make duplicate deliveries harmless."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from shared.db.migrate import upgrade_to_head
from shared.db.models import Job, JobKind, JobStatus
from shared.db.session import make_engine, make_session_factory
from shared.db.types import utcnow
from shared.repositories import jobs as store


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


def _new_job(sessions: sessionmaker[Session]) -> uuid.UUID:
    with sessions.begin() as session:
        return store.create_job(session, kind=JobKind.GENERATE_SCRIPT, params={}).id


def test_claim_is_exclusive_while_the_lease_lives(sessions: sessionmaker[Session]) -> None:
    job_id = _new_job(sessions)
    with sessions.begin() as session:
        first = store.claim_job(session, job_id, lease_seconds=60)
    with sessions.begin() as session:
        second = store.claim_job(session, job_id, lease_seconds=60)
    assert first is not None
    assert first.attempt == 1
    assert second is None


def test_expired_lease_is_taken_over_and_the_old_attempt_cannot_finish(
    sessions: sessionmaker[Session],
) -> None:
    job_id = _new_job(sessions)
    with sessions.begin() as session:
        old = store.claim_job(session, job_id, lease_seconds=60)
    assert old is not None
    with sessions.begin() as session:
        session.execute(update(Job).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    with sessions.begin() as session:
        new = store.claim_job(session, job_id, lease_seconds=60)
    assert new is not None
    assert new.attempt == 2

    with pytest.raises(store.StaleAttemptError), sessions.begin() as session:
        store.complete_job(session, old, result={"script_id": 1})
    with sessions.begin() as session:
        store.complete_job(session, new, result={"script_id": 2})
    with sessions() as session:
        job = session.get_one(Job, job_id)
        assert job.status == JobStatus.SUCCEEDED
        assert job.result == {"script_id": 2}
        assert job.progress == 100
        assert job.finished_at is not None


def test_finished_job_is_not_claimable(sessions: sessionmaker[Session]) -> None:
    job_id = _new_job(sessions)
    with sessions.begin() as session:
        claim = store.claim_job(session, job_id, lease_seconds=60)
        assert claim is not None
        store.fail_job(session, claim, error_type="x", message="boom")
    with sessions.begin() as session:
        assert store.claim_job(session, job_id, lease_seconds=60) is None


def test_stuck_jobs_finds_lost_publishes_and_dead_workers(sessions: sessionmaker[Session]) -> None:
    fresh = _new_job(sessions)
    lost = _new_job(sessions)
    published = _new_job(sessions)
    dead = _new_job(sessions)
    long_ago = utcnow() - timedelta(minutes=5)
    with sessions.begin() as session:
        session.execute(update(Job).where(Job.id == lost).values(created_at=long_ago))
        session.execute(update(Job).where(Job.id == published)
                        .values(created_at=long_ago, published_at=long_ago))
        claim = store.claim_job(session, dead, lease_seconds=60)
        assert claim is not None
        session.execute(update(Job).where(Job.id == dead)
                        .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    with sessions() as session:
        stuck = {job.id for job in store.stuck_jobs(
            session, now=utcnow(), queued_grace_seconds=60, republish_after_seconds=900)}
    assert stuck == {lost, dead}
    assert fresh not in stuck
    assert published not in stuck


def test_a_retry_takes_over_the_attempt_it_supersedes_once_and_only_once(
    sessions: sessionmaker[Session],
) -> None:
    """A task whose attempt stopped on a database outage is retried with that attempt's
    number: the retry need not wait out the lease, and exactly one retry can take over."""
    job_id = _new_job(sessions)
    with sessions.begin() as session:
        interrupted = store.claim_job(session, job_id, lease_seconds=600)
    assert interrupted is not None

    with sessions.begin() as session:
        retry = store.claim_job(session, job_id, lease_seconds=600,
                                supersedes_attempt=interrupted.attempt)
    with sessions.begin() as session:
        duplicate = store.claim_job(session, job_id, lease_seconds=600,
                                    supersedes_attempt=interrupted.attempt)
    assert retry is not None
    assert retry.attempt == interrupted.attempt + 1
    assert duplicate is None
    with pytest.raises(store.StaleAttemptError), sessions.begin() as session:
        store.complete_job(session, interrupted, result={"script_id": 1})
    with sessions.begin() as session:
        store.complete_job(session, retry, result={"script_id": 2})
    with sessions.begin() as session:
        finished = store.claim_job(session, job_id, lease_seconds=600,
                                   supersedes_attempt=retry.attempt)
    assert finished is None
