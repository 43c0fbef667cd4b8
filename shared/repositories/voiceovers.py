"""Voiceover rows and the audio files they point at."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db.models import Voiceover
from shared.errors import NotFoundError
from shared.repositories.scripts import get_script
from shared.tts.storage import AudioStorage


def voiceover_of_job(session: Session, job_id: uuid.UUID) -> Voiceover | None:
    """The voiceover a job created, if an earlier attempt got that far (it is reused)."""
    return session.scalar(select(Voiceover).where(Voiceover.job_id == job_id))


def latest_voiceover(session: Session, script_id: int) -> Voiceover:
    get_script(session, script_id)
    voiceover = session.scalar(
        select(Voiceover).where(Voiceover.script_id == script_id)
        .order_by(Voiceover.id.desc()).limit(1)
    )
    if voiceover is None:
        raise NotFoundError("voiceover for video script", script_id)
    return voiceover


def audio_file(
    session: Session, voiceover_id: int, storage: AudioStorage, *, section: int | None = None
) -> Path:
    """The full track, or one section's WAV, of a finished voiceover."""
    voiceover = session.get(Voiceover, voiceover_id)
    if voiceover is None or voiceover.full_path is None:
        raise NotFoundError("voiceover audio", voiceover_id)
    if section is None:
        return storage.resolve(voiceover.full_path)
    for entry in voiceover.sections:
        if entry["index"] == section:
            return storage.resolve(entry["path"])
    raise NotFoundError(f"section {section} of voiceover", voiceover_id)
