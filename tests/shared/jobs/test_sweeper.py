"""The sweeper re-publishes lost jobs, gives up on jobs whose workers keep dying, and
forgets idempotency keys past their 24 hours."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from shared.db.models import IdempotencyKey, Job, JobKind, JobStatus
from shared.db.types import utcnow
from shared.jobs.runtime import Runtime
from shared.jobs.sweeper import sweep_stuck_jobs
from shared.repositories import jobs as store
from shared.tts.storage import AudioStorage
from tests.shared.jobs.conftest import MakeRuntime
from tests.support.runtime import RecordingPublisher


@pytest.fixture
def runtime(make_runtime: MakeRuntime) -> tuple[Runtime, RecordingPublisher]:
    return make_runtime(job_max_attempts=2)


def test_sweep(runtime: tuple[Runtime, RecordingPublisher]) -> None:
    rt, publisher = runtime
    long_ago = utcnow() - timedelta(hours=1)
    with rt.session() as session:
        lost = store.create_job(session, kind=JobKind.GENERATE_SCRIPT, params={}).id
        doomed = store.create_job(session, kind=JobKind.VOICEOVER, params={}).id
        session.execute(update(Job).values(created_at=long_ago))
        session.execute(update(Job).where(Job.id == doomed).values(
            status=JobStatus.RUNNING, attempts=2, lease_expires_at=long_ago))
        session.add_all([
            IdempotencyKey(key="old", fingerprint="f", created_at=long_ago,
                           expires_at=utcnow() - timedelta(seconds=1)),
            IdempotencyKey(key="fresh", fingerprint="f", created_at=utcnow(),
                           expires_at=utcnow() + timedelta(hours=24)),
        ])

    report = sweep_stuck_jobs(rt)

    assert (report.republished, report.abandoned, report.expired_keys) == (1, 1, 1)
    assert publisher.published == [(lost, JobKind.GENERATE_SCRIPT)]
    with rt.session() as session:
        gave_up = session.get_one(Job, doomed)
        assert gave_up.status == JobStatus.FAILED
        assert gave_up.error is not None
        assert gave_up.error["type"] == "abandoned"
        assert session.get_one(Job, lost).published_at is not None
        assert session.scalars(select(IdempotencyKey.key)).all() == ["fresh"]
    # A second sweep right away finds nothing: the lost job was just published.
    assert sweep_stuck_jobs(rt).republished == 0
    with rt.session() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 2


def test_sweep_removes_temp_audio_left_by_killed_workers(make_runtime: MakeRuntime) -> None:
    """A voiceover worker killed mid-write leaves a hidden ``.tmp`` file; the sweeper (run
    by beat) deletes it once it is older than any live writer could be, and nothing else."""
    rt, _ = make_runtime()
    storage = AudioStorage(rt.settings.storage_dir)
    section = storage.section_path(7, 3, 0)
    storage.write_bytes(section, b"RIFF finished")
    stale = section.parent / ".section-1.wav.abc.tmp"
    fresh = section.parent / ".section-2.wav.def.tmp"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"being written")
    old = time.time() - rt.settings.audio_temp_max_age_seconds - 60
    os.utime(stale, (old, old))

    report = sweep_stuck_jobs(rt)

    assert report.removed_temp_files == 1
    assert not stale.exists()
    assert fresh.exists()
    assert section.read_bytes() == b"RIFF finished"
