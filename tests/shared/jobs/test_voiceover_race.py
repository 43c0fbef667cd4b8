"""A hard delete racing a voiceover ends the job at once as ``script_not_found`` (§3.6, §7),
in either order of the race, and no job error shows a server path. The interleavings are
forced at exact points of the real code (an ORM event, a wrapper around the real espeak-ng
engine), not left to sleeps."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from shared.db.models import Job, JobKind, JobStatus, VideoScript, Voiceover
from shared.jobs import voiceover as voiceover_jobs
from shared.jobs.generation import submit_generation
from shared.jobs.runner import run_job
from shared.jobs.runtime import Runtime
from shared.repositories.leads import create_demo_site, create_lead
from shared.repositories.scripts import hard_delete
from shared.tts.base import TTSEngine
from shared.tts.storage import AudioStorage
from tests.shared.jobs.conftest import MakeRuntime
from tests.support.runtime import RecordingPublisher
from tests.support.services import require_binary

PLAN = {"overall_strategy": "Faster pages", "improvements": [{"title": "Compress images"}]}


@pytest.fixture(params=["sqlite", "postgres"])
def runtime(
    request: pytest.FixtureRequest, make_runtime: MakeRuntime
) -> tuple[Runtime, RecordingPublisher]:
    require_binary("espeak-ng")
    overrides: dict[str, Any] = {}
    if request.param == "postgres":
        overrides["database_url"] = request.getfixturevalue("postgres_url")
    return make_runtime(**overrides)


def _script_and_voiceover_job(rt: Runtime, publisher: RecordingPublisher) -> tuple[int, uuid.UUID]:
    with rt.session() as session:
        lead = create_lead(session, company_name="Harbor Lane")
        site = create_demo_site(session, lead_id=lead.id, url="https://harbor.example",
                                improvement_plan=PLAN)
        job_id = submit_generation(session, {"demo_site_id": site.id,
                                             "max_duration_seconds": 30}).id
    run_job(rt, job_id)  # offline engine: a script, and its voiceover job chained
    with rt.session() as session:
        script_id = session.scalars(select(VideoScript.id)).one()
    return script_id, publisher.of_kind(JobKind.VOICEOVER)[0]


def _delete(rt: Runtime, script_id: int) -> None:
    """What DELETE /video-scripts/{id}?hard_delete=true does, in its own transaction."""
    with rt.session() as session:
        hard_delete(session, script_id, storage=AudioStorage(rt.settings.storage_dir))


def _run_deleting_once_on(
    rt: Runtime, job_id: uuid.UUID, script_id: int, voiceover_event: str
) -> list[int]:
    """Run the job, hard-deleting the script the first time ``voiceover_event`` fires on a
    Voiceover row; returns the ids deleted (one, if the event fired)."""
    deleted: list[int] = []

    def delete_once(*_args: Any) -> None:
        if not deleted:
            deleted.append(script_id)
            _delete(rt, script_id)

    event.listen(Voiceover, voiceover_event, delete_once)
    try:
        run_job(rt, job_id)
    finally:
        event.remove(Voiceover, voiceover_event, delete_once)
    return deleted


def _assert_ended_script_not_found(rt: Runtime, job_id: uuid.UUID, script_id: int) -> None:
    with rt.session() as session:
        job = session.get_one(Job, job_id)
        assert job.status == JobStatus.FAILED  # at once: no lease left to wait out
        assert job.error is not None
        assert job.error["type"] == "script_not_found"
        assert str(script_id) in job.error["message"]
        assert "/" not in job.error["message"]  # no server path
        assert session.scalars(select(Voiceover)).all() == []
    assert not AudioStorage(rt.settings.storage_dir).script_dir(script_id).exists()


def test_delete_lands_before_the_voiceover_row_is_written(
    runtime: tuple[Runtime, RecordingPublisher],
) -> None:
    rt, publisher = runtime
    script_id, job_id = _script_and_voiceover_job(rt, publisher)

    # The delete commits between the job's read of the script and its voiceover insert.
    deleted = _run_deleting_once_on(rt, job_id, script_id, "before_insert")
    assert deleted == [script_id]

    _assert_ended_script_not_found(rt, job_id, script_id)


class DeletingEngine:
    """The real engine, with the script hard-deleted just before section ``at`` is spoken
    (its audio directory vanishes under the engine, as it does in production)."""

    def __init__(self, real: TTSEngine, delete: Any, at: int) -> None:
        self._real = real
        self._delete = delete
        self._at = at
        self._calls = 0
        self.name, self.voice = real.name, real.voice

    def synthesize(self, text: str, *, words_per_minute: int, out_path: Path) -> None:
        if self._calls == self._at:
            self._delete()
        self._calls += 1
        self._real.synthesize(text, words_per_minute=words_per_minute, out_path=out_path)


@pytest.fixture
def delete_mid_render(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    deletes: list[Any] = []
    real_factory = voiceover_jobs.build_tts_engine

    def build(settings: Any) -> TTSEngine:
        return DeletingEngine(real_factory(settings), deletes[0], at=1)

    monkeypatch.setattr(voiceover_jobs, "build_tts_engine", build)
    return deletes


def test_delete_lands_while_the_audio_is_being_rendered(
    runtime: tuple[Runtime, RecordingPublisher], delete_mid_render: list[Any],
) -> None:
    rt, publisher = runtime
    script_id, job_id = _script_and_voiceover_job(rt, publisher)
    delete_mid_render.append(lambda: _delete(rt, script_id))

    run_job(rt, job_id)

    _assert_ended_script_not_found(rt, job_id, script_id)


def test_delete_lands_after_rendering_before_the_result_is_stored(
    runtime: tuple[Runtime, RecordingPublisher],
) -> None:
    rt, publisher = runtime
    script_id, job_id = _script_and_voiceover_job(rt, publisher)
    # The voiceover row is loaded only to store the finished render.
    deleted = _run_deleting_once_on(rt, job_id, script_id, "load")
    assert deleted == [script_id]

    _assert_ended_script_not_found(rt, job_id, script_id)
