"""The LLM cost ledger (§5.4): one row per call, keyed per job, attempt and sequence.

A call's row is written as soon as the call returns, in a transaction of its own
(:func:`record_llm_call`), so a worker killed mid-job, or an attempt that cannot store its
script, has still recorded every call it paid for. When the attempt stores its script,
:func:`record_llm_calls` writes any row that could not be written at the time (the database
was away) and links the attempt's rows to the script, in the script's own transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shared.db.models import LLMCall
from shared.db.types import utcnow
from shared.script.types import LLMCallRecord, Style


def _row(
    call: LLMCallRecord, *, job_id: uuid.UUID | None, attempt: int, script_id: int | None,
    style: Style | None,
) -> LLMCall:
    return LLMCall(
        job_id=job_id,
        script_id=script_id,
        attempt=attempt,
        sequence=call.sequence,
        model=call.model,
        tier=call.tier,
        script_style=style,
        purpose=call.purpose.value,
        outcome=call.outcome.value,
        prompt_tokens=call.prompt_tokens,
        completion_tokens=call.completion_tokens,
        cost_usd=call.cost_usd,
        cost_source=call.cost_source,
        latency_seconds=call.latency_seconds,
        error=call.error,
        created_at=utcnow(),
    )


def recorded_sequences(session: Session, *, job_id: uuid.UUID, attempt: int) -> set[int]:
    """Sequences of the calls of one attempt that already have their row."""
    return set(session.scalars(
        select(LLMCall.sequence).where(LLMCall.job_id == job_id, LLMCall.attempt == attempt)
    ))


def record_llm_call(
    session: Session, *, call: LLMCallRecord, job_id: uuid.UUID, attempt: int,
    style: Style | None,
) -> None:
    """One call's row, not yet linked to a script (the caller commits at once)."""
    session.add(_row(call, job_id=job_id, attempt=attempt, script_id=None, style=style))


def record_llm_calls(
    session: Session,
    *,
    calls: Iterable[LLMCallRecord],
    job_id: uuid.UUID | None,
    attempt: int,
    script_id: int | None,
    style: Style | None,
) -> list[LLMCall]:
    """Write the rows of ``calls`` that are not in the ledger yet, and link every row of
    this attempt to ``script_id``. Idempotent per (job, attempt, sequence)."""
    calls = list(calls)
    done = (recorded_sequences(session, job_id=job_id, attempt=attempt)
            if job_id is not None else set())
    rows = [
        _row(call, job_id=job_id, attempt=attempt, script_id=script_id, style=style)
        for call in calls if call.sequence not in done
    ]
    session.add_all(rows)
    if job_id is not None and script_id is not None and done:
        session.execute(
            update(LLMCall)
            .where(LLMCall.job_id == job_id, LLMCall.attempt == attempt)
            .values(script_id=script_id)
            .execution_options(synchronize_session=False)
        )
    return rows


def record_unlinked_calls(
    session: Session, *, job_id: uuid.UUID, attempt: int, calls: Sequence[LLMCallRecord],
    style: Style | None,
) -> int:
    """Rows for calls of a finished attempt that could not be written when they were made."""
    return len(record_llm_calls(session, calls=calls, job_id=job_id, attempt=attempt,
                                script_id=None, style=style))
