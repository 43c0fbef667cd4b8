"""One engine run's conversation with the LLM: retries, one repair, tier fallback, ledger.

Kept apart from :mod:`shared.script.engine` so the engine reads as the product flow
(generate, correct timing, fall back) while this module owns the bookkeeping rules of
§5.3 and §5.4: every call becomes exactly one :class:`LLMCallRecord`, whatever its fate,
and every model tried leaves a line in ``metadata["attempts"]`` saying how it ended.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from shared.config import Settings
from shared.errors import (
    InvalidReply,
    LLMCallError,
    ReplyError,
    SpendBudgetExhaustedError,
    TimeBudgetExhausted,
)
from shared.llm.costs import call_cost, compute_cost, estimate_prompt_tokens, prices_for
from shared.llm.provider import ChatMessage, ChatReply, LLMProvider, ResponseSchema
from shared.llm.retry import Deadline, call_with_retries
from shared.llm.routing import Route
from shared.script.prompts import repair_messages
from shared.script.types import CallOutcome, CallPurpose, LLMCallRecord

T = TypeVar("T")

# Receives each call's record twice: a provisional IN_FLIGHT record just before the request
# goes out, and the final record (same sequence) the moment the call returns. The job puts
# both in the ledger, so a death mid-call still leaves the call counted. The sink may refuse
# the provisional record by raising SpendBudgetExhaustedError (the tenant's budget, §11):
# the call then never goes out, and the run falls back to the offline engine.
CallSink = Callable[[LLMCallRecord], None]


class LLMRun:
    """State of one ``generate`` or ``regenerate_section`` call; never shared by threads."""

    def __init__(
        self,
        settings: Settings,
        provider: LLMProvider,
        *,
        sleep: Callable[[float], None] = time.sleep,
        deadline: Deadline | None = None,
        on_call: CallSink | None = None,
    ) -> None:
        self._settings = settings
        self._on_call = on_call
        self._provider = provider
        self._sleep = sleep
        self.deadline = deadline or Deadline(None)
        self.records: list[LLMCallRecord] = []
        self.attempts: list[dict[str, Any]] = []
        self.misconfiguration: dict[str, Any] | None = None
        self.fallback_reason: str | None = None
        self.budget_exhausted: dict[str, str] | None = None

    # --- single calls ----------------------------------------------------------------------
    def call(
        self,
        route: Route,
        purpose: CallPurpose,
        messages: Sequence[ChatMessage],
        schema: ResponseSchema,
        parse: Callable[[str], T],
    ) -> T:
        """One logical call with transient retries; each HTTP attempt is one ledger row.

        Raises :class:`LLMCallError` (retries exhausted or fatal), :class:`InvalidReply`,
        :class:`TimeBudgetExhausted` or :class:`SpendBudgetExhaustedError` (money: the
        sink refused the call before it went out, §11).
        """

        def attempt() -> T:
            self._announce(route, purpose, messages)
            try:
                reply = self._provider.complete(model=route.model, messages=messages, schema=schema)
            except LLMCallError as exc:
                outcome = CallOutcome.TRANSIENT_ERROR if exc.transient else CallOutcome.FATAL_ERROR
                self._record(route, purpose, outcome, None, exc.message, exc.latency_seconds)
                raise
            try:
                value = parse(reply.content)
            except ReplyError as exc:
                self._record(route, purpose, CallOutcome.INVALID_REPLY, reply, str(exc))
                raise InvalidReply(reply.content, str(exc)) from None
            self._record(route, purpose, CallOutcome.SUCCESS, reply, None)
            return value

        return call_with_retries(attempt, self._settings, sleep=self._sleep, deadline=self.deadline)

    def call_with_repair(
        self,
        route: Route,
        purpose: CallPurpose,
        messages: Sequence[ChatMessage],
        schema: ResponseSchema,
        parse: Callable[[str], T],
    ) -> T:
        """A malformed or schema-invalid reply gets exactly one repair call (§5.3)."""
        try:
            return self.call(route, purpose, messages, schema, parse)
        except InvalidReply as bad:
            repair = repair_messages(messages, bad.content, bad.error)
            try:
                return self.call(route, CallPurpose.REPAIR, repair, schema, parse)
            except InvalidReply as again:
                raise InvalidReply(again.content, f"still invalid after one repair: {again.error}"
                                   ) from None

    # --- across tiers -------------------------------------------------------------------------
    def first_success(
        self,
        routes: Sequence[Route],
        purpose: CallPurpose,
        messages: Sequence[ChatMessage],
        schema: ResponseSchema,
        parse: Callable[[str], T],
    ) -> tuple[Route, T] | None:
        """Try each route in order; ``None`` (with :attr:`fallback_reason`) when none wrote it.

        A fatal error ends the search at once: a rejected key or request is the same for
        every tier of one provider, so trying cheaper models would only hide the
        misconfiguration (§5.3).
        """
        for route in routes:
            calls_before = len(self.records)
            try:
                value = self.call_with_repair(route, purpose, messages, schema, parse)
            except SpendBudgetExhaustedError as exc:
                # The same money pays for every tier: a cheaper model would be refused too.
                self.refused_by_budget(route, exc, calls_before)
                return None
            except TimeBudgetExhausted as exc:
                self._attempt(route, "deadline", str(exc), calls_before)
                self.fallback_reason = f"deadline: {exc}"
                return None
            except LLMCallError as exc:
                if exc.transient:
                    self._attempt(route, "transient_errors", exc.message, calls_before)
                    continue
                self._attempt(route, "misconfiguration", exc.message, calls_before)
                self.misconfiguration = {
                    "tier": route.tier.value,
                    "model": route.model,
                    "status_code": exc.status_code,
                    "error": exc.message,
                }
                self.fallback_reason = (
                    f"misconfiguration: {route.model} ({route.tier}) answered {exc.message}; "
                    "not retried"
                )
                return None
            except InvalidReply as exc:
                self._attempt(route, "invalid_reply", exc.error, calls_before)
                continue
            self._attempt(route, "success", None, calls_before)
            return route, value
        self.fallback_reason = "every LLM tier failed: " + "; ".join(
            f"{a['tier']} ({a['model']}): {a['result']}: {a['error']}" for a in self.attempts
        )
        return None

    def refused_by_budget(
        self, route: Route, refusal: SpendBudgetExhaustedError, calls_before: int | None = None
    ) -> None:
        """The tenant's monthly budget stopped the run (§11): the offline engine takes over,
        and the script and the job say ``budget_exhausted``."""
        self._attempt(route, refusal.REASON, str(refusal),
                      len(self.records) if calls_before is None else calls_before)
        self.fallback_reason = f"{refusal.REASON}: {refusal}"
        self.budget_exhausted = {"budget_usd": str(refusal.budget_usd),
                                 "spent_usd": str(refusal.spent_usd)}

    # --- bookkeeping -------------------------------------------------------------------------
    def _attempt(self, route: Route, result: str, error: str | None, calls_before: int) -> None:
        self.attempts.append(
            {
                "tier": route.tier.value,
                "model": route.model,
                "result": result,
                "error": error,
                "calls": len(self.records) - calls_before,
            }
        )

    def _announce(
        self, route: Route, purpose: CallPurpose, messages: Sequence[ChatMessage]
    ) -> None:
        """Tell the sink a call is about to go out, priced at its estimated prompt."""
        if self._on_call is None:
            return
        prompt_tokens = estimate_prompt_tokens(message.content for message in messages)
        prices = prices_for(route.tier, route.model, self._settings)
        self._on_call(LLMCallRecord(
            sequence=len(self.records),  # the final record of this call takes the same one
            model=route.model,
            tier=route.tier,
            purpose=purpose,
            outcome=CallOutcome.IN_FLIGHT,
            prompt_tokens=prompt_tokens,
            completion_tokens=0,
            cost_usd=compute_cost(prompt_tokens, 0, prices),
            cost_source="estimate",
            latency_seconds=0.0,
            error=None,
        ))

    def _record(
        self,
        route: Route,
        purpose: CallPurpose,
        outcome: CallOutcome,
        reply: ChatReply | None,
        error: str | None,
        latency: float | None = None,
    ) -> None:
        prompt_tokens = reply.prompt_tokens if reply else 0
        completion_tokens = reply.completion_tokens if reply else 0
        cost, source = call_cost(
            prompt_tokens,
            completion_tokens,
            reply.provider_cost if reply else None,
            prices_for(route.tier, route.model, self._settings),
        )
        record = LLMCallRecord(
            sequence=len(self.records),
            model=route.model,
            tier=route.tier,
            purpose=purpose,
            outcome=outcome,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost,
            cost_source=source,
            latency_seconds=reply.latency_seconds if reply else (latency or 0.0),
            error=error,
        )
        self.records.append(record)
        if self._on_call is not None:
            self._on_call(record)
