"""Put each LLM call in the cost ledger the moment it returns (§5.4), whatever becomes of
the attempt that made it.

Recording calls only when the script is stored lost every call of an attempt that died
(SIGKILL, out of memory) or could not store its script (database outage): paid for, never
accounted. :class:`CallLedger` is the engine's ``on_call`` sink: it commits one row per
call in a short transaction of its own, first as ``in_flight`` just before the request goes
out, then with the reply's figures. A row that cannot be written then (the database
is away) is kept in memory; the attempt's store writes it with the script, and if the
store fails on the database too, the rows travel with the task's retry
(:class:`~shared.repositories.jobs.DatabaseUnavailableError`) and are written before the retry
runs. A death therefore loses no call: the one in flight stays at its estimate, and the
job's next attempt marks it ``interrupted``.

The ``in_flight`` write is also the tenant's budget check (§11,
:mod:`shared.jobs.spend_budget`): when the month's budget is spent it raises
:class:`~shared.errors.SpendBudgetExhaustedError` instead, and the engine does not make
the call. A reservation the database cannot take lets the call go out unchecked (the
budget then holds again as soon as the database answers), the same choice as above: an
outage must not turn every job into an offline script.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from shared.db.availability import is_database_unavailable
from shared.errors import DatabaseUnavailableError
from shared.jobs.runtime import Runtime
from shared.jobs.spend_budget import reserve_call
from shared.repositories.ledger import record_llm_call, record_unlinked_calls
from shared.script.types import LLMCallRecord, Style

log = logging.getLogger(__name__)

# What a retry message carries:
# [{"attempt": 1, "style": "casual", "lead_id": 7, "calls": [record, …]}].
UnrecordedCalls = list[dict[str, Any]]


class CallLedger:
    """The ``on_call`` sink of one attempt; not shared between threads."""

    def __init__(self, runtime: Runtime, *, tenant_id: int, job_id: uuid.UUID, attempt: int,
                 style: Style | None, lead_id: int | None = None) -> None:
        self._runtime = runtime
        self._tenant_id = tenant_id
        self._job_id = job_id
        self._attempt = attempt
        self.style = style
        self.lead_id = lead_id
        self._unrecorded: list[LLMCallRecord] = []

    def __call__(self, call: LLMCallRecord) -> None:
        try:
            with self._runtime.session() as session:
                if call.outcome.provisional:
                    reserve_call(session, tenant_id=self._tenant_id, call=call,
                                 job_id=self._job_id, attempt=self._attempt, style=self.style,
                                 lead_id=self.lead_id)
                else:
                    record_llm_call(session, call=call, job_id=self._job_id,
                                    attempt=self._attempt, style=self.style, lead_id=self.lead_id)
        except SQLAlchemyError as error:
            if call.outcome.provisional:
                # The call's final record follows (and is kept if it cannot be written
                # either); only a death before the reply loses this one.
                return
            # Not fatal to the job: the store (or the retry) writes the row later.
            log.warning("could not write a ledger row yet; kept for later",
                        extra={"job_id": str(self._job_id), "attempt": self._attempt,
                               "sequence": call.sequence, "error": type(error).__name__})
            self._unrecorded.append(call)

    def unrecorded(self) -> UnrecordedCalls:
        if not self._unrecorded:
            return []
        return [{"attempt": self._attempt, "style": self.style.value if self.style else None,
                 "lead_id": self.lead_id,
                 "calls": [call.model_dump(mode="json") for call in self._unrecorded]}]

    @contextmanager
    def carried_by_retry(self) -> Iterator[None]:
        """A database outage inside the block becomes a retry that carries the rows this
        attempt could not write."""
        try:
            yield
        except SQLAlchemyError as error:
            if not is_database_unavailable(error):
                raise
            raise DatabaseUnavailableError(self._job_id, self._attempt,
                                           unrecorded_calls=self.unrecorded()) from error


def write_unrecorded(runtime: Runtime, job_id: uuid.UUID, carried: UnrecordedCalls) -> None:
    """Write rows carried by a retry (idempotent: rows already present are skipped)."""
    with runtime.session() as session:
        for group in carried:
            style = Style(group["style"]) if group.get("style") else None
            calls = [LLMCallRecord.model_validate(call) for call in group["calls"]]
            lead_id = group.get("lead_id")
            record_unlinked_calls(session, job_id=job_id, attempt=int(group["attempt"]),
                                  calls=calls, style=style,
                                  lead_id=int(lead_id) if lead_id is not None else None)
