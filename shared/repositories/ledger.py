"""The LLM cost ledger (§5.4): one row per call, keyed per job, attempt and sequence.

A call's row is written just before the request goes out, as a provisional ``in_flight`` row
priced at its estimated prompt, and replaced by the real figures as soon as the call
returns, each in a transaction of its own (:func:`record_llm_call`). A worker killed mid-job,
or an attempt that cannot store its script, has therefore still recorded every call it paid
for, the one in flight included; the job's next attempt marks such a row ``interrupted``
(:func:`mark_interrupted_calls`). When the attempt stores its script,
:func:`record_llm_calls` writes any row that could not be written at the time (the database
was away) and links the attempt's rows to the script, in the script's own transaction.

:func:`month_spend_usd` is what a tenant's budget (§11) is compared with: every row of the
UTC calendar month, completed calls at their cost and calls in flight at their estimate.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.db.models import LLMCall
from shared.db.types import utcnow
from shared.repositories import ledger_rollup
from shared.script.types import CallOutcome, LLMCallRecord, Style


def _row(
    call: LLMCallRecord, *, job_id: uuid.UUID | None, attempt: int, script_id: int | None,
    style: Style | None, lead_id: int | None,
) -> LLMCall:
    return LLMCall(
        job_id=job_id,
        script_id=script_id,
        attempt=attempt,
        sequence=call.sequence,
        model=call.model,
        tier=call.tier,
        script_style=style,
        lead_id=lead_id,
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


def record_llm_call(
    session: Session, *, call: LLMCallRecord, job_id: uuid.UUID, attempt: int,
    style: Style | None, lead_id: int | None = None,
) -> LLMCall | None:
    """Write or complete one call's row, not yet linked to a script (the caller commits).

    ``style`` and ``lead_id`` are kept on the row so cost reports can group by them even
    after the script is hard-deleted (§13). Returns the row when this call wrote a new one
    (flushed, so a query in the same transaction counts it), None when it completed or left
    an existing one.

    A provisional record never overwrites a final one: a late ``in_flight`` write (after a
    retry wrote the reply's row) must not turn a known cost back into an estimate.
    """
    existing = session.scalar(
        select(LLMCall).where(LLMCall.job_id == job_id, LLMCall.attempt == attempt,
                              LLMCall.sequence == call.sequence)
    )
    if existing is None:
        row = _row(call, job_id=job_id, attempt=attempt, script_id=None, style=style,
                   lead_id=lead_id)
        session.add(row)
        session.flush()
        ledger_rollup.invalidate(session, [(row.tenant_id, row.created_at)])
        return row
    if CallOutcome(existing.outcome).provisional and not call.outcome.provisional:
        _complete(existing, call)
        ledger_rollup.invalidate(session, [(existing.tenant_id, existing.created_at)])
    return None


def month_bounds(at: datetime) -> tuple[datetime, datetime]:
    """The UTC calendar month holding ``at``: [first instant, first instant of the next)."""
    at = at.astimezone(UTC)
    start = datetime(at.year, at.month, 1, tzinfo=UTC)
    end = (datetime(at.year + 1, 1, 1, tzinfo=UTC) if at.month == 12
           else datetime(at.year, at.month + 1, 1, tzinfo=UTC))
    return start, end


def month_spend_usd(session: Session, tenant_id: int, at: datetime | None = None) -> Decimal:
    """What ``tenant_id`` has spent on LLM calls in the UTC month of ``at`` (default now).

    Every row counts at the cost it holds: completed calls at what they cost, calls in
    flight (and interrupted ones) at their estimate, so money already committed to a
    request is never spent twice. A range on ``ix_llm_calls_tenant_created``.
    """
    start, end = month_bounds(at or utcnow())
    total = session.scalar(
        select(func.coalesce(func.sum(LLMCall.cost_usd), 0))
        .where(LLMCall.tenant_id == tenant_id, LLMCall.created_at >= start,
               LLMCall.created_at < end)
    )
    return Decimal(str(total or 0))


def _complete(row: LLMCall, call: LLMCallRecord) -> None:
    """Replace a provisional row's estimate with what the call really did."""
    row.model, row.tier, row.purpose = call.model, call.tier, call.purpose.value
    row.outcome = call.outcome.value
    row.prompt_tokens, row.completion_tokens = call.prompt_tokens, call.completion_tokens
    row.cost_usd, row.cost_source = call.cost_usd, call.cost_source
    row.latency_seconds, row.error = call.latency_seconds, call.error


def mark_interrupted_calls(
    session: Session, *, job_id: uuid.UUID, before_attempt: int | None = None
) -> int:
    """Calls a dead attempt left ``in_flight`` become ``interrupted`` (kept at their estimate).

    Called when a new attempt claims the job (every earlier attempt is over or superseded)
    and when the job is abandoned (``before_attempt=None``: all of them).
    """
    conditions = [LLMCall.job_id == job_id, LLMCall.outcome == CallOutcome.IN_FLIGHT.value]
    if before_attempt is not None:
        conditions.append(LLMCall.attempt < before_attempt)
    # The rollup holds no outcome, but a changed row of a summed day is forgotten all the
    # same: the rule "every write of a settled day invalidates it" needs no exceptions.
    ledger_rollup.invalidate(session, [
        (row.tenant_id, row.created_at) for row in session.execute(
            select(LLMCall.tenant_id, LLMCall.created_at).where(*conditions))])
    result = session.execute(
        update(LLMCall).where(*conditions)
        .values(outcome=CallOutcome.INTERRUPTED.value,
                error="the worker stopped before the reply arrived; cost is the estimate")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def record_llm_calls(
    session: Session,
    *,
    calls: Iterable[LLMCallRecord],
    job_id: uuid.UUID | None,
    attempt: int,
    script_id: int | None,
    style: Style | None,
    lead_id: int | None = None,
) -> list[LLMCall]:
    """Write the rows of ``calls`` that are not in the ledger yet, complete the provisional
    ones, and link every row of this attempt to ``script_id``. Idempotent per (job,
    attempt, sequence); of several records of one sequence the last wins."""
    latest = {call.sequence: call for call in calls}
    existing = ({row.sequence: row for row in session.scalars(
        select(LLMCall).where(LLMCall.job_id == job_id, LLMCall.attempt == attempt))}
        if job_id is not None else {})
    rows = []
    completed = []
    for sequence, call in sorted(latest.items()):
        row = existing.get(sequence)
        if row is None:
            rows.append(_row(call, job_id=job_id, attempt=attempt, script_id=script_id,
                             style=style, lead_id=lead_id))
        elif CallOutcome(row.outcome).provisional and not call.outcome.provisional:
            _complete(row, call)
            completed.append(row)
    session.add_all(rows)
    if any(ledger_rollup.may_be_summed(row.created_at) for row in rows):
        session.flush()  # stamps the tenant the rollup's invalidation needs
    # Rows completed now, and rows written late (the database was away when the calls were
    # made; today they are stamped with the time of writing, but a row is a row), may
    # belong to a day the rollup has already summed. Linking below changes script_id and
    # lead_id only, which the rollup does not hold.
    ledger_rollup.invalidate(
        session, [(row.tenant_id, row.created_at) for row in (*rows, *completed)])
    if job_id is not None and script_id is not None and existing:
        link: dict[str, int] = {"script_id": script_id}
        if lead_id is not None:
            link["lead_id"] = lead_id
        session.execute(
            update(LLMCall)
            .where(LLMCall.job_id == job_id, LLMCall.attempt == attempt)
            .values(**link)
            .execution_options(synchronize_session=False)
        )
    return rows


def record_unlinked_calls(
    session: Session, *, job_id: uuid.UUID, attempt: int, calls: Sequence[LLMCallRecord],
    style: Style | None, lead_id: int | None = None,
) -> int:
    """Rows for calls of a finished attempt that could not be written when they were made."""
    return len(record_llm_calls(session, calls=calls, job_id=job_id, attempt=attempt,
                                script_id=None, style=style, lead_id=lead_id))
