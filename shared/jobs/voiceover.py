"""Voiceover jobs (§7): chained off each finished script, or requested again over the API.

A missing or failing TTS engine fails only the voiceover job (with a message that says
what to install or set); the script it voices stays as it was.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError, NoResultFound
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from shared.db.models import Job, JobKind, VideoScript, Voiceover, VoiceoverStatus
from shared.db.types import utcnow
from shared.errors import JobFailedError, NotFoundError, TTSError, TTSUnavailableError
from shared.jobs.messages import scrub_paths
from shared.jobs.publishing import publish_after_commit
from shared.jobs.runtime import Runtime
from shared.repositories import jobs as store
from shared.repositories.jobs import Claim
from shared.repositories.scripts import get_script, script_from_row
from shared.repositories.voiceovers import voiceover_of_job
from shared.tts.factory import build_tts_engine
from shared.tts.storage import AudioStorage
from shared.tts.voiceover import VoiceoverRender, render_voiceover
from shared.webhooks.events import EventType, emit


class VoiceoverParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    script_id: int


def enqueue_voiceover(
    session: Session, script: VideoScript, *, parent_job_id: uuid.UUID | None = None
) -> Job:
    """Create a voiceover job for ``script`` in the caller's transaction.

    A chained voiceover is keyed by the job that made the script, so a redelivered
    generation job can never chain a second one.
    """
    job = store.create_job(
        session,
        kind=JobKind.VOICEOVER,
        params=VoiceoverParams(script_id=script.id).model_dump(mode="json"),
        parent_job_id=parent_job_id,
        dedupe_key=f"voiceover-after:{parent_job_id}" if parent_job_id else None,
    )
    script.voiceover_status = VoiceoverStatus.QUEUED
    publish_after_commit(session, job)
    return job


def submit_voiceover(session: Session, script_id: int) -> Job:
    return enqueue_voiceover(session, get_script(session, script_id))


def _script_gone(script_id: int) -> JobFailedError:
    return JobFailedError("script_not_found",
                          f"script {script_id} was deleted while being voiced; nothing to voice")


def run_voiceover(runtime: Runtime, claim: Claim, job: Job) -> None:
    """Voice the script. A hard delete of the script can land at any point of this; the
    job then ends ``script_not_found`` at once (never waits out its lease, never reports
    the TTS or file errors the vanished directory causes)."""
    params = VoiceoverParams.model_validate(job.params)
    settings = runtime.settings
    try:
        with runtime.session() as session:
            try:
                row = get_script(session, params.script_id, include_deleted=True)
            except NotFoundError:
                raise JobFailedError(
                    "script_not_found",
                    f"script {params.script_id} no longer exists; nothing to voice",
                ) from None
            script = script_from_row(row)
            voiceover = voiceover_of_job(session, job.id)
            if voiceover is None:  # a retried attempt reuses the row (and its folder)
                voiceover = Voiceover(
                    script_id=row.id, job_id=job.id, status=VoiceoverStatus.QUEUED,
                    engine=settings.voiceover_engine.value, voice=settings.voiceover_voice,
                    created_at=utcnow(),
                )
                session.add(voiceover)
                session.flush()
            voiceover_id = voiceover.id
    except IntegrityError:
        # The script was deleted between reading it and inserting its voiceover (the
        # foreign key refused the row): a definite answer, not a database outage.
        if _script_exists(runtime, params.script_id):
            raise
        raise _script_gone(params.script_id) from None

    storage = AudioStorage(settings.storage_dir)
    try:
        engine = build_tts_engine(settings)
        render = render_voiceover(
            script, engine=engine, storage=storage, script_id=params.script_id,
            voiceover_id=voiceover_id,
        )
    except TTSUnavailableError as missing:
        _record_failure(runtime, claim, voiceover_id, "tts_unavailable", str(missing))
        return
    except (TTSError, OSError) as failure:
        # A hard delete removes the script's audio directory under the engine's feet; the
        # errors that follow (unwritable temp file, vanished section) are its echo.
        if not _script_exists(runtime, params.script_id):
            storage.delete_voiceover(params.script_id, voiceover_id)
            raise _script_gone(params.script_id) from None
        what = str(failure) if isinstance(failure, TTSError) else (
            f"audio storage error: {failure.strerror or type(failure).__name__}")
        _record_failure(runtime, claim, voiceover_id, "tts_failed", what)
        return

    result: dict[str, Any] = {
        "voiceover_id": voiceover_id, "script_id": params.script_id,
        "timing_ok": render.timing.ok,
    }
    # The measured audio is the real check of the script's timing (§7): when it does not
    # keep time, the job says so instead of a quiet "ready".
    warning = render.timing.warning(render.total_planned_seconds,
                                    render.total_measured_seconds)
    if warning:
        result["warnings"] = [warning]
    try:
        with runtime.session() as session:
            stored = session.get(Voiceover, voiceover_id)
            if stored is None:  # the script was hard-deleted while it was being voiced
                raise _script_gone(params.script_id)
            _store_render(stored, render, storage)
            script_row = session.get_one(VideoScript, params.script_id)
            script_row.voiceover_status = VoiceoverStatus.READY
            emit(session, tenant_id=stored.tenant_id, event_type=EventType.VOICEOVER_READY,
                 data=lambda: voiceover_event_data(stored))
            store.complete_job(session, claim, result=result)
    except (StaleDataError, NoResultFound, IntegrityError):
        # The delete committed between reading the voiceover row and writing it back.
        if _script_exists(runtime, params.script_id):
            raise
        storage.delete_voiceover(params.script_id, voiceover_id)
        raise _script_gone(params.script_id) from None
    except JobFailedError:
        storage.delete_voiceover(params.script_id, voiceover_id)
        raise


def _store_render(voiceover: Voiceover, render: VoiceoverRender, storage: AudioStorage) -> None:
    voiceover.status = VoiceoverStatus.READY
    voiceover.engine = render.engine
    voiceover.voice = render.voice
    voiceover.sections = [
        {
            "index": section.index,
            "path": storage.relative_path(section.path),
            "planned_seconds": section.planned_seconds,
            "measured_seconds": section.measured_seconds,
        }
        for section in render.sections
    ]
    voiceover.full_path = storage.relative_path(render.full_path)
    voiceover.total_planned_seconds = render.total_planned_seconds
    voiceover.total_measured_seconds = render.total_measured_seconds
    voiceover.full_track_seconds = render.full_track_seconds
    voiceover.timing_error_pct = render.timing_error_pct
    voiceover.error = None
    voiceover.updated_at = utcnow()


def voiceover_event_data(voiceover: Voiceover) -> dict[str, Any]:
    """What voiceover.* webhook events (§12) carry; the audio is behind ``links``."""
    return {
        "id": voiceover.id, "script_id": voiceover.script_id, "job_id": voiceover.job_id,
        "status": voiceover.status, "engine": voiceover.engine, "voice": voiceover.voice,
        "total_planned_seconds": voiceover.total_planned_seconds,
        "total_measured_seconds": voiceover.total_measured_seconds,
        "timing_error_pct": voiceover.timing_error_pct, "error": voiceover.error,
        "links": {"self": f"/api/v1/video-scripts/{voiceover.script_id}/voiceover"},
    }


def _script_exists(runtime: Runtime, script_id: int) -> bool:
    with runtime.session() as session:
        return session.get(VideoScript, script_id) is not None


def _record_failure(
    runtime: Runtime, claim: Claim, voiceover_id: int, error_type: str, message: str
) -> None:
    # Engine and file errors quote absolute paths; clients must not see the server's layout.
    message = scrub_paths(message)
    with runtime.session() as session:
        voiceover = session.get(Voiceover, voiceover_id)
        if voiceover is not None:
            voiceover.status = VoiceoverStatus.FAILED
            voiceover.error = message
            script = session.get(VideoScript, voiceover.script_id)
            if script is not None:
                script.voiceover_status = VoiceoverStatus.FAILED
            failed = voiceover
            emit(session, tenant_id=voiceover.tenant_id, event_type=EventType.VOICEOVER_FAILED,
                 data=lambda: voiceover_event_data(failed))
        store.fail_job(session, claim, error_type=error_type, message=message)
