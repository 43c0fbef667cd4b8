"""Per-tenant monthly LLM budgets (§11): a call goes out only while the month has money left.

The check is the reservation. Just before each LLM call the job writes the call's
provisional ``in_flight`` row, at its estimated cost (§5.4); :func:`reserve_call` does that
in the same short transaction that reads the tenant's budget and sums the month's spend,
one tenant at a time, and refuses with :class:`~shared.errors.SpendBudgetExhaustedError`
(writing nothing) when the spend already reached the budget. The engine then stops calling
and finishes with the offline script and the reason ``budget_exhausted``.

Why the overshoot is bounded by the calls in flight: reservations of one tenant are
serialised (Postgres: the tenant's row lock; SQLite: its single write lock, taken by the
insert before the sum), so each one sees every earlier reservation at its estimate or real
cost. A call is admitted only while that sum is under the budget, so the month can end
above the budget by at most what the admitted calls then in flight turn out to cost.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from shared.errors import SpendBudgetExhaustedError
from shared.repositories.ledger import month_spend_usd, record_llm_call
from shared.repositories.tenants import monthly_budget
from shared.script.types import LLMCallRecord, Style


def reserve_call(
    session: Session, *, tenant_id: int, call: LLMCallRecord, job_id: uuid.UUID,
    attempt: int, style: Style | None, lead_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Write ``call``'s provisional row unless ``tenant_id``'s budget is spent (the caller
    commits; on the error it rolls back, and the refused call has no row).

    A tenant without a budget takes no lock: its calls are written as before.
    """
    if monthly_budget(session, tenant_id) is None:
        record_llm_call(session, call=call, job_id=job_id, attempt=attempt, style=style,
                        lead_id=lead_id)
        return
    budget = monthly_budget(session, tenant_id, lock=True)
    # Insert first: on SQLite the insert takes the write lock, so the sum below cannot miss
    # a reservation another thread is making.
    row = record_llm_call(session, call=call, job_id=job_id, attempt=attempt, style=style,
                          lead_id=lead_id)
    if budget is None or row is None:
        return  # the budget was lifted meanwhile, or this call was already reserved
    spent_before = month_spend_usd(session, tenant_id, at) - row.cost_usd
    if spent_before >= budget:
        raise SpendBudgetExhaustedError(budget, spent_before)
