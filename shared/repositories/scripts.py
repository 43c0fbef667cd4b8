"""Video scripts: storing what the engine produced and reading it back as a domain Script."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from shared.db.after_commit import call_after_commit
from shared.db.models import (
    ApprovalStatus,
    ScriptApproval,
    ScriptRecord,
    VideoScript,
    VoiceoverStatus,
)
from shared.db.types import utcnow
from shared.errors import (
    ConflictError,
    DomainValidationError,
    NotFoundError,
    TimingInvariantError,
)
from shared.script.measure import timing_offences
from shared.script.types import GeneratedScript, GenerationOptions, Script, Section, Style
from shared.tts.storage import AudioStorage
from shared.webhooks.events import EventType, emit


def add_generated_script(
    session: Session,
    *,
    generated: GeneratedScript,
    demo_site_id: int,
    lead_id: int,
    options: GenerationOptions,
    job_id: uuid.UUID | None,
    parent: VideoScript | None = None,
    version: int = 1,
) -> VideoScript:
    """Insert a script row for ``generated``; a new lineage unless ``parent`` is given.

    The unique ``job_id`` makes a second insert for the same job fail, which is how a
    duplicate delivery is turned into a no-op instead of a second script.

    This is the one place a script is written, so it is where §3.5's promise is kept:
    a script whose words do not fit its durations and the target window is refused with
    :class:`TimingInvariantError` before anything is added to the session, whichever
    path produced it.
    """
    script = generated.script
    offences = timing_offences(script, options.max_duration_seconds)
    if offences:
        raise TimingInvariantError([offence.message for offence in offences])
    metadata: dict[str, Any] = dict(generated.metadata)
    metadata.setdefault("options", options.model_dump(mode="json"))
    if generated.fallback_reason:
        metadata["fallback_reason"] = generated.fallback_reason
    now = utcnow()
    row = VideoScript(
        demo_site_id=demo_site_id,
        lead_id=lead_id,
        job_id=job_id,
        lineage_id=parent.lineage_id if parent is not None else uuid.uuid4(),
        version=version,
        parent_script_id=parent.id if parent is not None else None,
        script_style=script.style,
        sections=sections_to_json(script.sections),
        total_duration_seconds=script.total_duration_seconds,
        max_duration_seconds=options.max_duration_seconds,
        target_audience=script.target_audience,
        key_messages=list(script.key_messages),
        ai_model_used=generated.model_used,
        ai_tier=generated.tier,
        ai_cost=generated.cost_usd,
        prompt_tokens=generated.prompt_tokens,
        completion_tokens=generated.completion_tokens,
        generation_time_seconds=round(generated.generation_time_seconds, 3),
        fallback_used=generated.fallback_used,
        script_metadata=metadata,
        validation_warnings=list(script.validation_warnings),
        is_approved=ApprovalStatus.PENDING,
        voiceover_status=VoiceoverStatus.NONE,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    # What analytics count about this script outlives a hard delete of the row (§13).
    session.add(ScriptRecord(
        script_id=row.id, lead_id=lead_id, script_style=row.script_style,
        fallback_used=row.fallback_used, generation_time_seconds=row.generation_time_seconds,
        total_duration_seconds=row.total_duration_seconds,
        max_duration_seconds=row.max_duration_seconds, created_at=now,
    ))
    session.flush()
    return row


def sections_to_json(sections: tuple[Section, ...]) -> list[dict[str, Any]]:
    return [section.model_dump(mode="json") for section in sections]


def script_from_row(row: VideoScript) -> Script:
    """The domain view of a stored script (used to regenerate and to voice it)."""
    return Script(
        style=Style(row.script_style),
        sections=tuple(Section.model_validate(section) for section in row.sections),
        target_audience=row.target_audience,
        key_messages=tuple(row.key_messages),
        validation_warnings=tuple(row.validation_warnings),
    )


def options_of(row: VideoScript) -> GenerationOptions:
    """The options a stored script was generated with (style and window from its columns)."""
    stored = dict(row.script_metadata.get("options") or {})
    stored.update(style=row.script_style, max_duration_seconds=row.max_duration_seconds)
    return GenerationOptions.model_validate(stored)


def restore_version(session: Session, script_id: int) -> VideoScript:
    """A new newest version of the script's lineage copying this version's content (§14).

    Restoring never rewrites history: the older version stays as it was, and the copy is
    stored through :func:`add_generated_script` like every other version (same timing
    check, same version allocation under the lineage lock). The copy made no LLM calls, so
    its cost and tokens are zero and the ledger stays the sum of what was really paid; it
    keeps the model that wrote the words, starts its own review (pending) and has no
    voiceover until one is asked for. ``metadata.restored_from`` says where it came from.
    """
    source = get_script(session, script_id)
    metadata = dict(source.script_metadata)
    metadata["restored_from"] = {"script_id": source.id, "version": source.version}
    copy = GeneratedScript(
        script=script_from_row(source), model_used=source.ai_model_used, tier=source.ai_tier,
        fallback_used=source.fallback_used,
        fallback_reason=source.script_metadata.get("fallback_reason"), metadata=metadata,
    )
    try:
        return add_generated_script(
            session, generated=copy, demo_site_id=source.demo_site_id,
            lead_id=source.lead_id, options=options_of(source), job_id=None, parent=source,
            version=next_version(session, source.lineage_id),
        )
    except TimingInvariantError as refused:
        # Only a version stored before §3.5 was enforced can break it; copying it would
        # store a script the rest of the system promises never exists.
        raise ConflictError(
            f"version {source.version} cannot be restored: {refused}"
        ) from None


def get_script(session: Session, script_id: int, *, include_deleted: bool = False) -> VideoScript:
    row = session.get(VideoScript, script_id)
    if row is None or (row.is_deleted and not include_deleted):
        raise NotFoundError("video script", script_id)
    return row


def script_id_of_job(session: Session, job_id: uuid.UUID) -> int | None:
    """The script a job stored, if any: tells a retried attempt its work is already done."""
    return session.scalar(select(VideoScript.id).where(VideoScript.job_id == job_id))


def record_view(session: Session, script_id: int, *, include_deleted: bool = False) -> VideoScript:
    """Read a script and count the view in one atomic UPDATE (no lost counts under load)."""
    now = utcnow()
    conditions = [VideoScript.id == script_id]
    if not include_deleted:
        conditions.append(VideoScript.is_deleted.is_(False))
    counted = session.execute(
        update(VideoScript)
        .where(*conditions)
        .values(times_viewed=VideoScript.times_viewed + 1, last_viewed_at=now)
        .returning(VideoScript.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if counted is None:
        raise NotFoundError("video script", script_id)
    return session.execute(
        select(VideoScript).where(VideoScript.id == script_id)
        .execution_options(populate_existing=True)
    ).scalar_one()


def list_scripts(
    session: Session,
    *,
    limit: int,
    offset: int,
    lead_id: int | None = None,
    demo_site_id: int | None = None,
    style: Style | None = None,
    is_approved: ApprovalStatus | None = None,
    include_deleted: bool = False,
) -> tuple[list[VideoScript], int]:
    """Newest first, id as the tiebreak so pages are stable when timestamps collide."""
    conditions = []
    if lead_id is not None:
        conditions.append(VideoScript.lead_id == lead_id)
    if demo_site_id is not None:
        conditions.append(VideoScript.demo_site_id == demo_site_id)
    if style is not None:
        conditions.append(VideoScript.script_style == style)
    if is_approved is not None:
        conditions.append(VideoScript.is_approved == is_approved)
    if not include_deleted:
        conditions.append(VideoScript.is_deleted.is_(False))
    query = (
        select(VideoScript).where(*conditions)
        .order_by(VideoScript.created_at.desc(), VideoScript.id.desc())
        .limit(limit).offset(offset)
    )
    total = session.scalar(select(func.count()).select_from(VideoScript).where(*conditions)) or 0
    return list(session.scalars(query)), total


def lineage(session: Session, script: VideoScript) -> list[VideoScript]:
    """Every version that shares the script's lineage, oldest first."""
    return list(session.scalars(
        select(VideoScript).where(VideoScript.lineage_id == script.lineage_id)
        .order_by(VideoScript.version)
    ))


# First key of the two-key advisory lock space that script lineages use (§3.6), so they
# cannot collide with any other advisory lock this database serves.
_LINEAGE_LOCK_CLASS = 0x5F1E


def next_version(session: Session, lineage_id: uuid.UUID) -> int:
    """The lineage's next version number, reserved until this transaction ends.

    Concurrent regenerations of one lineage used to read the same highest version, and all
    but one lost the unique (lineage, version) race after their LLM calls were paid for.
    Taking the lineage's lock first serialises the read-and-insert, so each one stores.
    """
    _lock_lineage(session, lineage_id)
    highest = session.scalar(
        select(func.max(VideoScript.version)).where(VideoScript.lineage_id == lineage_id)
    )
    return (highest or 0) + 1


def _lock_lineage(session: Session, lineage_id: uuid.UUID) -> None:
    """Hold the lineage's write lock until commit or rollback.

    Postgres: a transaction-scoped advisory lock keyed by the lineage (the lineage's first
    version may be hard-deleted, so no row is guaranteed to exist to lock). SQLite has one
    writer at a time: a write that changes nothing takes that lock before the read.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(lineage_id.bytes[:4], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"),
                        {"cls": _LINEAGE_LOCK_CLASS, "key": key})
    else:
        session.execute(
            update(VideoScript).where(VideoScript.lineage_id == lineage_id)
            .values(version=VideoScript.version)
            .execution_options(synchronize_session=False)
        )


def _lock_script(session: Session, script_id: int) -> VideoScript:
    """The live script row, locked against concurrent writers until this transaction ends.

    Postgres: ``SELECT … FOR UPDATE``. SQLite ignores FOR UPDATE, and its single writer
    lock is only taken by the first write, so a write that changes nothing comes first.
    """
    if session.get_bind().dialect.name != "postgresql":
        session.execute(
            update(VideoScript).where(VideoScript.id == script_id)
            .values(updated_at=VideoScript.updated_at)
            .execution_options(synchronize_session=False)
        )
    row = session.execute(
        select(VideoScript).where(VideoScript.id == script_id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None or row.is_deleted:
        raise NotFoundError("video script", script_id)
    return row


def decide_approval(
    session: Session,
    script_id: int,
    *,
    decision: ApprovalStatus,
    approved_by: str,
    notes: str | None,
) -> VideoScript:
    """Record a review decision on the script and append it to the audit trail.

    One serialised write: the script row is locked before the decision's time is taken, so
    of two concurrent reviewers the one that commits last is both the script's decision
    and the newest trail entry (they once disagreed: "approved by r9" vs "rejected by r19").
    """
    if decision == ApprovalStatus.PENDING:
        raise DomainValidationError(
            "is_approved", "must be one of approved, rejected, needs_revision"
        )
    script = _lock_script(session, script_id)
    now = utcnow()
    script.is_approved = decision
    script.approved_by = approved_by
    script.approval_notes = notes
    # approved_at says when the script was approved; any other decision withdraws it.
    script.approved_at = now if decision == ApprovalStatus.APPROVED else None
    script.updated_at = now
    session.add(ScriptApproval(
        script_id=script.id, lineage_id=script.lineage_id, script_version=script.version,
        decision=decision, approved_by=approved_by, notes=notes, created_at=now,
    ))
    session.flush()
    emit(session, tenant_id=script.tenant_id, event_type=EventType.SCRIPT_REVIEWED, data={
        "script_id": script.id, "lineage_id": script.lineage_id, "version": script.version,
        "is_approved": decision, "approved_by": approved_by, "approval_notes": notes,
        "decided_at": now,
        "links": {"self": f"/api/v1/video-scripts/{script.id}"},
    })
    return script


def approval_history(session: Session, script_id: int) -> list[ScriptApproval]:
    get_script(session, script_id, include_deleted=True)
    return list(session.scalars(
        select(ScriptApproval).where(ScriptApproval.script_id == script_id)
        .order_by(ScriptApproval.created_at, ScriptApproval.id)
    ))


def soft_delete(session: Session, script_id: int) -> None:
    """Hide the script from reads and lists; deleting an already deleted script is a no-op."""
    script = get_script(session, script_id, include_deleted=True)
    if not script.is_deleted:
        now = utcnow()
        script.is_deleted = True
        script.deleted_at = now
        script.updated_at = now
        session.flush()


def hard_delete(session: Session, script_id: int, *, storage: AudioStorage) -> None:
    """Remove the row. The database nulls the references that must survive it.

    Ledger rows keep their cost, style and lead with ``script_id`` set to NULL, child
    versions keep working with ``parent_script_id`` NULL, and the approval audit trail stays
    (all ON DELETE SET NULL), so cost history and review history are never lost; the
    script's :class:`ScriptRecord` (not a foreign key) keeps it counted in analytics.
    """
    script = get_script(session, script_id, include_deleted=True)
    session.delete(script)
    session.flush()
    # Files go only once the row is gone for good; a rolled-back delete keeps its audio.
    call_after_commit(session, lambda: storage.delete_script_audio(script_id))
