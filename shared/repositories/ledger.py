"""The LLM cost ledger (§5.4): one row per call, keyed per job, attempt and sequence."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.orm import Session

from shared.db.models import LLMCall
from shared.db.types import utcnow
from shared.script.types import LLMCallRecord, Style


def record_llm_calls(
    session: Session,
    *,
    calls: Iterable[LLMCallRecord],
    job_id: uuid.UUID | None,
    attempt: int,
    script_id: int | None,
    style: Style | None,
) -> list[LLMCall]:
    now = utcnow()
    rows = [
        LLMCall(
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
            created_at=now,
        )
        for call in calls
    ]
    session.add_all(rows)
    return rows
