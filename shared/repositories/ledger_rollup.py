"""The ledger summed per settled UTC day (``ledger_daily``), kept exact (§13).

GET /costs over a year of a busy tenant used to sum every call of the year on each
request (0.4-1.8 s at 500,000 calls, docs/benchmarks.md). A settled day - one that ended
more than ``LEDGER_SETTLE_SECONDS`` ago, so none of its calls is still in flight - is
summed once per (model, tier, style) into ``ledger_daily`` and marked in ``ledger_days``;
a report reads those sums for the settled days of its window and the ledger itself for the
rest (``shared.repositories.analytics``).

Filled on read, not by a beat task: the report that first needs a settled day sums it
(one ``INSERT … SELECT … GROUP BY`` per run of missing days; a year of a tenant with
500,000 calls takes about a second, once), and an embedded deployment without beat
behaves the same. A day nobody asks for is never summed. ``ON CONFLICT DO NOTHING`` and
the (tenant, day, …) keys make a second fill of the same day harmless.

Exact, not eventually right: whatever changes a ledger row of a day that may be summed
(any day before today, UTC) calls :func:`invalidate` in its own transaction, which deletes
the day's marker and rows; the next report sums the day again. The race between a report
summing a day and a writer changing it is closed by a lock per tenant. On Postgres a
report holds the tenant's advisory lock shared from before its fill to its commit, and an
invalidating writer takes it exclusively, so it waits for reports in progress, and a report
that starts after it waits for its commit and then sees its rows; reports that must fill
also take a second lock per tenant, so two fills never insert the same keys side by side
(in different orders they could deadlock). Writers of today's rows, the normal case, take
no lock. SQLite has one writer at a time: a report that reads settled days takes the
write lock first, so no writer commits between its fill and its read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, String, cast, delete, func, select, text, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared.db.models import LedgerDaily, LedgerDay, LLMCall
from shared.db.types import utcnow

# First key of the two-key advisory lock space the rollup uses, distinct from the script
# lineages' (shared.repositories.scripts) so the two never collide.
_ROLLUP_LOCK_CLASS = 0x5F1F
_FILL_LOCK_CLASS = 0x5F20
NO_STYLE = ""
# Three bound values a marker: well inside SQLite's limit on variables per statement.
_MARKERS_PER_INSERT = 1000


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def utc_day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp, whatever the connection's time zone."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)  # SQLite stores UTC text: its date part is the UTC day


def may_be_summed(created_at: datetime) -> bool:
    """Whether a row of this moment belongs to a day the rollup may hold (before today)."""
    return created_at.astimezone(UTC).date() < utcnow().date()


def invalidate(session: Session, touched: Iterable[tuple[int, datetime]]) -> None:
    """Forget the sums of the days these ledger rows (tenant id, created_at) belong to.

    Call it in the transaction that changes the rows. Only days before today (UTC) can be
    summed, so a write of today's calls returns at once without a lock.
    """
    days: dict[int, set[date]] = {}
    for tenant_id, created_at in touched:
        if may_be_summed(created_at):
            days.setdefault(tenant_id, set()).add(created_at.astimezone(UTC).date())
    for tenant_id, tenant_days in sorted(days.items()):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:cls, :tenant)"),
                            {"cls": _ROLLUP_LOCK_CLASS, "tenant": tenant_id})
        for model in (LedgerDay, LedgerDaily):
            session.execute(
                delete(model).where(model.tenant_id == tenant_id, model.day.in_(tenant_days))
                .execution_options(synchronize_session=False)
            )


def settled_groups(
    session: Session, *, tenant_id: int, first: date, last: date, group_by: str,
) -> Sequence[Any]:
    """Sums of the ledger per ``group_by`` key over the days ``first``..``last`` (settled).

    Rows of (key, cost, calls, prompt, completion), like the live query's. Sums the days
    not summed yet first. Leaves the transaction open: the caller commits (the fill is
    kept) or rolls back (it is redone next time); either releases the lock.
    """
    _lock_for_reading(session, tenant_id)
    missing = _missing(session, tenant_id, first, last)
    if missing and session.get_bind().dialect.name == "postgresql":
        # One filler per tenant at a time: two inserting the same keys in different orders
        # would deadlock. The second finds what the first summed once it has committed.
        session.execute(text("SELECT pg_advisory_xact_lock(:cls, :tenant)"),
                        {"cls": _FILL_LOCK_CLASS, "tenant": tenant_id})
        missing = _missing(session, tenant_id, first, last)
    for run in _runs(missing):
        _fill(session, tenant_id, run)
    key = {"model": LedgerDaily.model, "tier": LedgerDaily.tier,
           "style": LedgerDaily.script_style, "day": LedgerDaily.day}[group_by]
    return session.execute(
        select(
            key.label("key"),
            func.coalesce(func.sum(LedgerDaily.cost_usd), 0).label("cost"),
            func.coalesce(func.sum(LedgerDaily.calls), 0).label("calls"),
            func.coalesce(func.sum(LedgerDaily.prompt_tokens), 0).label("prompt"),
            func.coalesce(func.sum(LedgerDaily.completion_tokens), 0).label("completion"),
        )
        .where(LedgerDaily.tenant_id == tenant_id, LedgerDaily.day >= first,
               LedgerDaily.day <= last)
        .group_by(key)
    ).all()


def _missing(session: Session, tenant_id: int, first: date, last: date) -> list[date]:
    marked = set(session.scalars(
        select(LedgerDay.day).where(LedgerDay.tenant_id == tenant_id,
                                    LedgerDay.day >= first, LedgerDay.day <= last)
    ))
    return [day for day in _days(first, last) if day not in marked]


def _lock_for_reading(session: Session, tenant_id: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock_shared(:cls, :tenant)"),
                        {"cls": _ROLLUP_LOCK_CLASS, "tenant": tenant_id})
    else:
        # A write that changes nothing takes SQLite's single writer lock until commit.
        session.execute(
            update(LedgerDay).where(LedgerDay.tenant_id == tenant_id, LedgerDay.day < date.min)
            .values(day=LedgerDay.day)
            .execution_options(synchronize_session=False)
        )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _runs(days: list[date]) -> list[list[date]]:
    """Consecutive days grouped, so each run is one range scan of the ledger."""
    runs: list[list[date]] = []
    for day in days:
        if runs and runs[-1][-1] + timedelta(days=1) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _fill(session: Session, tenant_id: int, run: list[date]) -> None:
    """Sum the ledger of ``run`` (consecutive days) into ``ledger_daily`` and mark them."""
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    day = utc_day(session, LLMCall.created_at)
    tier = type_coerce(LLMCall.tier, String)
    style = func.coalesce(type_coerce(LLMCall.script_style, String), NO_STYLE)
    sums = (
        select(
            LLMCall.tenant_id, day, LLMCall.model, tier, style, func.count(),
            func.coalesce(func.sum(LLMCall.cost_usd), 0),
            func.coalesce(func.sum(LLMCall.prompt_tokens), 0),
            func.coalesce(func.sum(LLMCall.completion_tokens), 0),
        )
        .where(LLMCall.tenant_id == tenant_id, LLMCall.created_at >= _start(run[0]),
               LLMCall.created_at < _start(run[-1] + timedelta(days=1)))
        .group_by(LLMCall.tenant_id, day, LLMCall.model, tier, style)
    )
    columns = ["tenant_id", "day", "model", "tier", "script_style", "calls", "cost_usd",
               "prompt_tokens", "completion_tokens"]
    session.execute(insert(LedgerDaily).from_select(columns, sums).on_conflict_do_nothing())
    now = utcnow()
    for start in range(0, len(run), _MARKERS_PER_INSERT):
        session.execute(
            insert(LedgerDay).values([{"tenant_id": tenant_id, "day": d, "summed_at": now}
                                      for d in run[start:start + _MARKERS_PER_INSERT]])
            .on_conflict_do_nothing()
        )
