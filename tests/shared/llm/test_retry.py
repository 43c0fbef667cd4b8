"""The tenacity policy: what is retried, how long it waits, and the time budget."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shared.config import Settings
from shared.errors import LLMCallError, TimeBudgetExhausted
from shared.llm.provider import ChatMessage, LLMProvider, ResponseSchema
from shared.llm.retry import Deadline, call_with_retries
from tests.support.fake_openai import FakeOpenAI

SCHEMA = ResponseSchema("thing", {"type": "object"})


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _failing(*errors: LLMCallError) -> tuple[Callable[[], str], list[int]]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "ok"

    return attempt, calls


def _transient(retry_after: float | None = None) -> LLMCallError:
    return LLMCallError("HTTP 503", transient=True, status_code=503, retry_after=retry_after)


def test_retries_over_real_http_with_retry_after(
    fake_llm: FakeOpenAI, llm_settings: Callable[..., Settings]
) -> None:
    settings = llm_settings(llm_backoff_max_seconds=5.0)
    fake_llm.push_faults({"kind": "429", "retry_after": 2}, "500")
    sleeps: list[float] = []
    provider = LLMProvider(settings)
    try:
        reply = call_with_retries(
            lambda: provider.complete(
                model="m", messages=[ChatMessage("user", "hi")], schema=SCHEMA
            ),
            settings,
            sleep=sleeps.append,
        )
    finally:
        provider.close()
    assert reply.content
    assert [r["fault"] for r in fake_llm.chat_requests] == ["429", "500", "ok"]
    assert sleeps[0] == 2.0  # Retry-After, not the backoff
    assert 0 <= sleeps[1] <= 5.0


def test_retry_after_is_capped_by_the_max_backoff(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(llm_backoff_max_seconds=3.0)
    attempt, _ = _failing(_transient(retry_after=600))
    sleeps: list[float] = []
    assert call_with_retries(attempt, settings, sleep=sleeps.append) == "ok"
    assert sleeps == [3.0]


def test_backoff_grows_exponentially_with_bounded_jitter(
    make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(
        llm_max_attempts=5, llm_backoff_initial_seconds=1.0, llm_backoff_max_seconds=6.0
    )
    attempt, calls = _failing(*[_transient()] * 4)
    sleeps: list[float] = []
    assert call_with_retries(attempt, settings, sleep=sleeps.append) == "ok"
    assert len(calls) == 5
    # initial × 2^n plus up to `initial` of jitter, never above the cap.
    for n, slept in enumerate(sleeps):
        assert min(2.0**n, 6.0) <= slept <= min(2.0**n + 1.0, 6.0)


def test_attempts_are_bounded_and_the_last_error_surfaces(
    make_settings: Callable[..., Settings]
) -> None:
    attempt, calls = _failing(*[_transient()] * 10)
    with pytest.raises(LLMCallError, match="HTTP 503"):
        call_with_retries(attempt, make_settings(llm_max_attempts=3), sleep=lambda _: None)
    assert len(calls) == 3


def test_fatal_errors_are_not_retried(make_settings: Callable[..., Settings]) -> None:
    attempt, calls = _failing(LLMCallError("HTTP 401", transient=False, status_code=401))
    with pytest.raises(LLMCallError, match="HTTP 401"):
        call_with_retries(attempt, make_settings(), sleep=lambda _: None)
    assert len(calls) == 1


def test_no_call_starts_without_budget_for_one_timeout(
    make_settings: Callable[..., Settings]
) -> None:
    clock = FakeClock()
    settings = make_settings(llm_timeout_seconds=10.0)
    attempt, calls = _failing()
    with pytest.raises(TimeBudgetExhausted):
        call_with_retries(attempt, settings, deadline=Deadline(9.0, clock=clock))
    assert calls == []


def test_no_retry_is_slept_towards_when_the_budget_would_run_out(
    make_settings: Callable[..., Settings]
) -> None:
    clock = FakeClock()
    settings = make_settings(
        llm_max_attempts=10, llm_timeout_seconds=10.0,
        llm_backoff_initial_seconds=4.0, llm_backoff_max_seconds=4.0,
    )
    attempt, calls = _failing(*[_transient()] * 10)
    deadline = Deadline(25.0, clock=clock)
    with pytest.raises(LLMCallError):
        call_with_retries(attempt, settings, sleep=clock.sleep, deadline=deadline)
    # Calls at t = 0, 4, 8, 12; after that a 4 s wait plus a 10 s timeout no longer fits.
    assert len(calls) == 4
    assert clock.now == 112.0
