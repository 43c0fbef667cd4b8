"""Cost and quality figures for one tenant over a window of UTC days (§13).

Every figure is computed in SQL by the database: sums and counts over the cost ledger
(``llm_calls``), the script records (``script_records``, which outlive a hard delete, so a
deleted script's cost and its place in the averages stay), jobs, voiceovers and scripts.
The session's tenant scope (``shared.db.tenancy``) adds ``tenant_id = …`` to each of these
ORM statements, aggregates included; nothing here names a tenant except the budget lookup.

A window is whole UTC days: ``since`` counts from 00:00:00 UTC of its day (inclusive) and
``until`` up to the end of its day (rows before 00:00:00 UTC of the next day). Either may
be open. Percentiles follow Postgres' ``percentile_cont`` (linear interpolation between
the two nearest ranks); on SQLite, which has no such function, the same interpolation is
done over the one or two rows at those ranks, fetched in order by the database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, case, func, select
from sqlalchemy.orm import Session

from shared.db.models import (
    Job,
    JobKind,
    JobStatus,
    LLMCall,
    ScriptRecord,
    Tenant,
    VideoScript,
    Voiceover,
    VoiceoverStatus,
)
from shared.db.types import utcnow
from shared.repositories import ledger_rollup

GROUP_BYS = ("model", "tier", "style", "day", "lead")
PERCENTILES = (0.5, 0.95)


@dataclass(frozen=True)
class Window:
    """Whole UTC days, both ends inclusive; None is an open end."""

    since: date | None = None
    until: date | None = None

    @property
    def start(self) -> datetime | None:
        return datetime.combine(self.since, time.min, tzinfo=UTC) if self.since else None

    @property
    def end(self) -> datetime | None:
        """The first moment after the window (exclusive), or None when open."""
        if self.until is None or self.until == date.max:
            return None
        return datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=UTC)

    def conditions(self, column: Any) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.start is not None:
            found.append(column >= self.start)
        if self.end is not None:
            found.append(column < self.end)
        return found


@dataclass(frozen=True)
class CostGroup:
    key: str | None
    cost_usd: Decimal
    calls: int
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class CostReport:
    group_by: str
    since: date | None
    until: date | None
    total_cost_usd: Decimal
    total_calls: int
    total_scripts: int
    avg_cost_per_script_usd: Decimal | None
    fallback_rate: float | None
    groups: list[CostGroup]
    budget_usd: Decimal | None
    month_to_date_usd: Decimal


def cost_report(
    session: Session, *, tenant_id: int, window: Window, group_by: str = "model",
    now: datetime | None = None, settle_margin: timedelta | None = None,
) -> CostReport:
    """Totals and groups of the ledger in ``window``, the budget and this month's spend.

    The totals are the sums of the groups (the groups partition the window's rows, an
    unknown key being a group of its own), so the ledger is read once for both.

    With ``settle_margin``, the days of the window that ended more than that long ago are
    read from the daily rollup (``shared.repositories.ledger_rollup``, filled on first
    read) and only the rest from the ledger; the figures are the same. ``group_by=lead``
    always reads the ledger: a lead has a call or two a day, so a rollup by lead would be
    as long as the ledger. The caller commits (what the rollup summed is kept) or not.
    """
    if group_by not in GROUP_BYS:
        raise ValueError(f"group_by must be one of {GROUP_BYS}")
    moment = now or utcnow()
    sums: dict[str | None, list[Any]] = {}
    live_window = window
    settled = (_settled_days(session, tenant_id, window, moment, settle_margin)
               if group_by != "lead" else None)
    if settled is not None:
        first, last = settled
        for row in ledger_rollup.settled_groups(session, tenant_id=tenant_id, first=first,
                                                last=last, group_by=group_by):
            key = _render_key(row.key)
            if group_by == "style" and key == ledger_rollup.NO_STYLE:
                key = None
            _add(sums, key, row)
        live_window = Window(since=last + timedelta(days=1), until=window.until)
    if live_window.until is None or live_window.since is None \
            or live_window.since <= live_window.until:
        key_column = _group_key(session, group_by)
        for row in session.execute(
            select(
                key_column.label("key"),
                func.coalesce(func.sum(LLMCall.cost_usd), 0).label("cost"),
                func.count().label("calls"),
                func.coalesce(func.sum(LLMCall.prompt_tokens), 0).label("prompt"),
                func.coalesce(func.sum(LLMCall.completion_tokens), 0).label("completion"),
            )
            .where(*live_window.conditions(LLMCall.created_at))
            .group_by(key_column)
        ):
            _add(sums, _render_key(row.key), row)
    groups = [
        CostGroup(key=key, cost_usd=_money(cost), calls=calls, prompt_tokens=prompt,
                  completion_tokens=completion)
        for key, (cost, calls, prompt, completion) in sums.items()
    ]
    if group_by == "day":
        groups.sort(key=lambda group: (group.key is None, group.key or ""))
    else:
        groups.sort(key=lambda group: (-group.cost_usd, group.key is None, group.key or ""))
    total_cost = sum((group.cost_usd for group in groups), Decimal(0))
    scripts, fallbacks = _script_counts(session, window)

    month_start = datetime(moment.year, moment.month, 1, tzinfo=UTC)
    month_to_date = session.scalar(
        select(func.coalesce(func.sum(LLMCall.cost_usd), 0))
        .where(LLMCall.created_at >= month_start)
    )
    tenant = session.get(Tenant, tenant_id)
    return CostReport(
        group_by=group_by, since=window.since, until=window.until,
        total_cost_usd=total_cost,
        total_calls=sum(group.calls for group in groups),
        total_scripts=scripts,
        avg_cost_per_script_usd=_money(total_cost / scripts) if scripts else None,
        fallback_rate=fallbacks / scripts if scripts else None,
        groups=groups,
        budget_usd=tenant.monthly_budget_usd if tenant is not None else None,
        month_to_date_usd=_money(month_to_date),
    )


def _settled_days(
    session: Session, tenant_id: int, window: Window, now: datetime,
    settle_margin: timedelta | None,
) -> tuple[date, date] | None:
    """The settled days of ``window`` from the tenant's first call (first, last), or None.

    A day is settled once it ended ``settle_margin`` ago. The start is never before the
    tenant's first call (one index probe), so no empty day before it is ever marked, and
    an open or far-away ``since`` costs nothing.
    """
    if settle_margin is None:
        return None
    last = (now - settle_margin).astimezone(UTC).date() - timedelta(days=1)
    if window.until is not None:
        last = min(last, window.until)
    earliest = session.scalar(select(func.min(LLMCall.created_at))
                              .where(LLMCall.tenant_id == tenant_id))
    if earliest is None:
        return None
    first = earliest.astimezone(UTC).date()
    if window.since is not None:
        first = max(first, window.since)
    return (first, last) if first <= last else None


def _add(sums: dict[str | None, list[Any]], key: str | None, row: Any) -> None:
    """Add a group's sums (exact decimals whatever the driver gave) to ``sums[key]``."""
    found = sums.setdefault(key, [Decimal(0), 0, 0, 0])
    found[0] += Decimal(str(row.cost or 0))
    found[1] += int(row.calls)
    found[2] += int(row.prompt)
    found[3] += int(row.completion)


def _group_key(session: Session, group_by: str) -> SQLColumnExpression[Any]:
    if group_by == "model":
        return LLMCall.model
    if group_by == "tier":
        return LLMCall.tier
    if group_by == "style":
        return LLMCall.script_style
    if group_by == "lead":
        return LLMCall.lead_id
    return _utc_day(session, LLMCall.created_at)


def _utc_day(session: Session, column: Any) -> SQLColumnExpression[Any]:
    day: SQLColumnExpression[Any] = ledger_rollup.utc_day(session, column)
    return day


def _render_key(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(getattr(value, "value", value))


def _money(value: Any) -> Decimal:
    """USD to the ledger's precision (8 places), whatever numeric type the driver gave."""
    return Decimal(str(value or 0)).quantize(Decimal("0.00000001"))


def _script_counts(session: Session, window: Window) -> tuple[int, int]:
    """Scripts stored in ``window`` (hard-deleted ones included) and how many fell back."""
    row = session.execute(
        select(func.count(), func.coalesce(
            func.sum(case((ScriptRecord.fallback_used.is_(True), 1), else_=0)), 0))
        .select_from(ScriptRecord)
        .where(*window.conditions(ScriptRecord.created_at))
    ).one()
    return int(row[0]), int(row[1])


# --- GET /stats -------------------------------------------------------------------------


@dataclass(frozen=True)
class JobCount:
    kind: str
    status: str
    count: int


@dataclass(frozen=True)
class Percentiles:
    p50: float | None
    p95: float | None


@dataclass(frozen=True)
class ViewedScript:
    id: int
    lead_id: int
    script_style: str
    version: int
    times_viewed: int
    last_viewed_at: datetime | None


@dataclass(frozen=True)
class StatsReport:
    since: date | None
    until: date | None
    jobs: list[JobCount]
    success_rate: float | None
    scripts: int
    fallback_rate: float | None
    generation_seconds: Percentiles
    timing_window_share: float | None
    voiceovers_measured: int
    voiceover_timing_error_pct: Percentiles
    total_views: int
    most_viewed: list[ViewedScript]


def stats_report(session: Session, *, window: Window, top: int = 10) -> StatsReport:
    """Jobs, fallback, generation time, timing accuracy and views in ``window``.

    - jobs by kind and status, created in the window; ``success_rate`` is succeeded over
      finished (succeeded + failed) jobs of every kind;
    - scripts stored in the window (script records, so hard-deleted ones count):
      ``fallback_rate``, generation seconds p50/p95, and the share whose total duration
      is inside its §3.5 window, ``[0.9 × max_duration_seconds, max_duration_seconds]``;
    - voiceovers made in the window and measured: the absolute timing error (percent of
      the plan) at p50/p95;
    - views of the scripts stored in the window (a view has no time of its own): the total
      over every stored script, soft-deleted ones included, and the ``top`` most viewed
      scripts that are not deleted.
    """
    jobs = [
        JobCount(kind=JobKind(row.kind).value, status=JobStatus(row.status).value,
                 count=int(row.n))
        for row in session.execute(
            select(Job.kind, Job.status, func.count().label("n"))
            .where(*window.conditions(Job.created_at))
            .group_by(Job.kind, Job.status)
            .order_by(Job.kind, Job.status)
        )
    ]
    succeeded = sum(j.count for j in jobs if j.status == JobStatus.SUCCEEDED.value)
    failed = sum(j.count for j in jobs if j.status == JobStatus.FAILED.value)

    in_script_window = window.conditions(ScriptRecord.created_at)
    inside = (ScriptRecord.total_duration_seconds * 10 >= ScriptRecord.max_duration_seconds * 9) \
        & (ScriptRecord.total_duration_seconds <= ScriptRecord.max_duration_seconds)
    script_row, generation = _aggregates_and_percentiles(
        session, ScriptRecord,
        [func.count(),
         func.coalesce(func.sum(case((ScriptRecord.fallback_used.is_(True), 1), else_=0)), 0),
         func.coalesce(func.sum(case((inside, 1), else_=0)), 0)],
        ScriptRecord.generation_time_seconds, in_script_window)
    scripts, fallbacks, inside_count = (int(value) for value in script_row)

    measured = [*window.conditions(Voiceover.created_at),
                Voiceover.status == VoiceoverStatus.READY,
                Voiceover.timing_error_pct.is_not(None)]
    voiceover_row, timing_error = _aggregates_and_percentiles(
        session, Voiceover, [func.count()], func.abs(Voiceover.timing_error_pct), measured)
    voiceovers = int(voiceover_row[0] or 0)
    in_views_window = window.conditions(VideoScript.created_at)
    total_views = session.scalar(
        select(func.coalesce(func.sum(VideoScript.times_viewed), 0)).where(*in_views_window)
    )
    most_viewed = [
        ViewedScript(id=row.id, lead_id=row.lead_id, script_style=str(row.script_style.value),
                     version=row.version, times_viewed=row.times_viewed,
                     last_viewed_at=row.last_viewed_at)
        for row in session.execute(
            select(VideoScript.id, VideoScript.lead_id, VideoScript.script_style,
                   VideoScript.version, VideoScript.times_viewed, VideoScript.last_viewed_at)
            .where(*in_views_window, VideoScript.is_deleted.is_(False),
                   VideoScript.times_viewed > 0)
            .order_by(VideoScript.times_viewed.desc(), VideoScript.id)
            .limit(top)
        )
    ]
    return StatsReport(
        since=window.since, until=window.until, jobs=jobs,
        success_rate=succeeded / (succeeded + failed) if succeeded + failed else None,
        scripts=scripts,
        fallback_rate=fallbacks / scripts if scripts else None,
        generation_seconds=generation,
        timing_window_share=inside_count / scripts if scripts else None,
        voiceovers_measured=voiceovers,
        voiceover_timing_error_pct=timing_error,
        total_views=int(total_views or 0),
        most_viewed=most_viewed,
    )


def _aggregates_and_percentiles(
    session: Session, table: Any, aggregates: Sequence[SQLColumnExpression[Any]],
    value: SQLColumnExpression[Any], conditions: Sequence[ColumnElement[bool]],
) -> tuple[Sequence[Any], Percentiles]:
    """``aggregates`` over the rows matching ``conditions``, and p50/p95 of ``value``.

    On Postgres both come from one scan of the window (``percentile_cont`` skips NULLs,
    so the rows it ranks are those ``percentiles`` would select); a window is read once
    instead of twice, which is most of GET /stats' time over a large ledger
    (docs/benchmarks.md). SQLite has no ``percentile_cont``: the aggregates are one query
    and ``percentiles`` does the rest.
    """
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(
            select(*aggregates, *(func.percentile_cont(fraction).within_group(value)
                                  for fraction in PERCENTILES))
            .select_from(table).where(*conditions)
        ).one()
        p50, p95 = (float(result) if result is not None else None
                    for result in row[len(aggregates):])
        return row[:len(aggregates)], Percentiles(p50=p50, p95=p95)
    row = session.execute(select(*aggregates).select_from(table).where(*conditions)).one()
    return row, percentiles(session, value, conditions)


def percentiles(
    session: Session, value: SQLColumnExpression[Any],
    conditions: Sequence[ColumnElement[bool]], fractions: Sequence[float] = PERCENTILES,
) -> Percentiles:
    """p50 and p95 of ``value`` over the rows matching ``conditions`` (None when none)."""
    p50, p95 = _percentile_cont(session, value, conditions, fractions)
    return Percentiles(p50=p50, p95=p95)


def _percentile_cont(
    session: Session, value: SQLColumnExpression[Any],
    conditions: Sequence[ColumnElement[bool]], fractions: Sequence[float],
) -> list[float | None]:
    present = [*conditions, value.is_not(None)]
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(
            select(*(func.percentile_cont(fraction).within_group(value)
                     for fraction in fractions)).where(*present)
        ).one()
        return [float(result) if result is not None else None for result in row]
    count = int(session.scalar(select(func.count(value)).where(*present)) or 0)
    found: list[float | None] = []
    for fraction in fractions:
        if count == 0:
            found.append(None)
            continue
        rank = fraction * (count - 1)
        low = math.floor(rank)
        high = math.ceil(rank)
        ordered = [float(v) for v in session.scalars(
            select(value).where(*present).order_by(value).offset(low).limit(high - low + 1))]
        found.append(ordered[0] + (ordered[-1] - ordered[0]) * (rank - low))
    return found
