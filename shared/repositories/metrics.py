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
from itertools import accumulate
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
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
    return [JobCount(kind=_text(kind_value), status=_text(status_value), count=int(count))
            for kind_value, status_value, count in rows]


def job_duration_histograms(
    session: Session, bounds: Sequence[float]
) -> list[DurationHistogram]:
    """Seconds from first start to finish of every finished job, bucketed in SQL.

    Each job falls in one bucket (the first bound it does not exceed, one CASE per row),
    rows are grouped by kind and bucket, and the cumulative counts Prometheus wants are
    summed here: a few rows per kind come back however many jobs there are.
    """
    finished = (
        select(_raw(Job.kind).label("kind"),
               _seconds_between(session, Job.started_at, Job.finished_at).label("seconds"))
        .where(Job.status.in_(FINISHED_STATUSES), Job.started_at.is_not(None),
               Job.finished_at.is_not(None))
        # OFFSET 0 keeps Postgres from inlining the subquery, which would compute the
        # duration once per CASE branch instead of once per row.
        .offset(0)
        .subquery()
    )
    # Bounds and indexes are rendered as literals, not parameters: the CASE appears in both
    # SELECT and GROUP BY, and Postgres matches the two only if they are the same text.
    bucket = case(
        *((finished.c.seconds <= literal_column(repr(float(bound))), literal_column(str(index)))
          for index, bound in enumerate(bounds)),
        else_=literal_column(str(len(bounds))))
    rows = session.execute(
        select(finished.c.kind, bucket, func.count(),
               func.coalesce(func.sum(finished.c.seconds), 0.0))
        .group_by(finished.c.kind, bucket)
    ).all()
    per_kind: dict[str, tuple[list[int], float]] = {}
    for kind_value, index, count, total in rows:
        counts, seconds_sum = per_kind.setdefault(
            _text(kind_value), ([0] * (len(bounds) + 1), 0.0))
        counts[int(index)] += int(count)
        per_kind[_text(kind_value)] = (counts, seconds_sum + float(total))
    return [
        DurationHistogram(kind=kind_value, count=sum(counts), sum_seconds=seconds_sum,
                          cumulative=tuple(accumulate(counts[:len(bounds)])))
        for kind_value, (counts, seconds_sum) in per_kind.items()
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
    return cast(func.date_part("epoch", end - start), Float)  # double, not numeric


def _raw(column: Any) -> ColumnElement[str]:
    """An enum column as the stored string: a value this release does not know (a kind
    added by a newer release during a rolling deploy) must not fail the whole scrape; the
    collector reports it as ``other``."""
    return type_coerce(column, String())


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))
