"""Deployment-wide aggregates for ``/metrics`` (§13), read when Prometheus scrapes.

Workers may run on other hosts, so the web process cannot count jobs or LLM calls in its
own memory: it reads them from the tables every process writes. Each function is one
aggregate query (a handful of rows back whatever the table size) and is meant for a
session scoped to ``ALL_TENANTS``: these are figures of the deployment, not of a tenant.

What is monotonic, so that Prometheus may treat it as a counter:

- finished jobs: a job reaches ``succeeded`` or ``failed`` once and job rows are never
  deleted, so counts by kind and final status only grow (``queued`` and ``running`` go
  up and down and are reported separately, as gauges);
- ledger rows: kept forever (§5.4). A row is first written ``in_flight`` with an estimated
  cost and then replaced by the call's real outcome and cost, so ``in_flight`` rows are
  left out of the call counts and of the cost; counting them would make both move
  backwards when the estimate is replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Float, String, case, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from shared.db.models import Job, JobStatus, LLMCall
from shared.script.types import CallOutcome

FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED)
UNFINISHED_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


@dataclass(frozen=True, slots=True)
class JobCount:
    kind: str
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class DurationHistogram:
    """Finished jobs of one kind: cumulative counts per upper bound, total count and sum."""

    kind: str
    cumulative: tuple[int, ...]  # one per bound, in the bounds' order
    count: int
    sum_seconds: float


@dataclass(frozen=True, slots=True)
class LLMCallTotals:
    model: str
    tier: str
    outcome: str
    calls: int
    cost_usd: Decimal


def job_counts(session: Session) -> list[JobCount]:
    """Jobs by kind and status (one GROUP BY over the ``(status, kind)`` index)."""
    kind, status = _raw(Job.kind), _raw(Job.status)
    rows = session.execute(select(kind, status, func.count()).group_by(kind, status)).all()
    return [JobCount(kind=_text(kind), status=_text(status), count=int(count))
            for kind, status, count in rows]


def job_duration_histograms(
    session: Session, bounds: Sequence[float]
) -> list[DurationHistogram]:
    """Seconds from first start to finish of every finished job, bucketed in SQL.

    One pass over the finished jobs with a conditional count per bound, so the scrape
    carries a few numbers per kind however many jobs there are.
    """
    seconds = _seconds_between(session, Job.started_at, Job.finished_at)
    columns: list[ColumnElement[Any]] = [
        func.sum(case((seconds <= bound, 1), else_=0)) for bound in bounds
    ]
    kind = _raw(Job.kind)
    rows = session.execute(
        select(kind, func.count(), func.coalesce(func.sum(seconds), 0.0), *columns)
        .where(Job.status.in_(FINISHED_STATUSES), Job.started_at.is_not(None),
               Job.finished_at.is_not(None))
        .group_by(kind)
    ).all()
    return [
        DurationHistogram(kind=_text(row[0]), count=int(row[1]), sum_seconds=float(row[2]),
                          cumulative=tuple(int(value or 0) for value in row[3:]))
        for row in rows
    ]


def llm_call_totals(session: Session) -> list[LLMCallTotals]:
    """Ledger calls and their cost by model, tier and outcome, ``in_flight`` rows left out."""
    tier = _raw(LLMCall.tier)
    rows = session.execute(
        select(LLMCall.model, tier, LLMCall.outcome, func.count(),
               func.coalesce(func.sum(LLMCall.cost_usd), 0))
        .where(LLMCall.outcome != CallOutcome.IN_FLIGHT.value)
        .group_by(LLMCall.model, tier, LLMCall.outcome)
    ).all()
    return [LLMCallTotals(model=model, tier=_text(tier), outcome=outcome, calls=int(calls),
                          cost_usd=Decimal(cost))
            for model, tier, outcome, calls, cost in rows]


def _seconds_between(
    session: Session, start: Any, end: Any
) -> ColumnElement[float]:
    """``end - start`` in seconds on Postgres (production) and SQLite (embedded)."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        return cast((func.julianday(end) - func.julianday(start)) * 86400.0, Float)
    return cast(func.extract("epoch", end - start), Float)


def _raw(column: Any) -> ColumnElement[str]:
    """An enum column as the stored string: a value this release does not know (a kind
    added by a newer release during a rolling deploy) must not fail the whole scrape; the
    collector reports it as ``other``."""
    return type_coerce(column, String())


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))
