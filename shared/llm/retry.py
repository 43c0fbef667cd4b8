"""The single retry layer for LLM calls (§5.3, §4 time budget).

Only transient failures are retried: a 401 or 400 will fail identically however long we
wait, so retrying it only burns the job's time budget. Sleep and clock are injected so
tests can observe the backoff without waiting for it, and so the engine's own deadline (the
Celery threads pool does not enforce task time limits) is checked against the same clock
that started it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import tenacity

from shared.config import Settings
from shared.errors import LLMCallError, TimeBudgetExhausted

T = TypeVar("T")


class Deadline:
    """A time budget measured from its creation on an injected monotonic clock."""

    def __init__(
        self, seconds: float | None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._ends = None if seconds is None else clock() + seconds

    def remaining(self) -> float | None:
        return None if self._ends is None else self._ends - self._clock()

    def can_fit(self, seconds: float) -> bool:
        remaining = self.remaining()
        return remaining is None or remaining >= seconds

    def ensure_fits(self, seconds: float) -> None:
        if not self.can_fit(seconds):
            raise TimeBudgetExhausted(
                f"time budget exhausted: under {seconds:g}s left, not enough for one more call"
            )


class _StopWhenOutOfBudget(tenacity.stop.stop_base):
    """Do not sleep towards a retry that the remaining budget could not finish."""

    def __init__(self, budget: Deadline, timeout: float) -> None:
        self._budget = budget
        self._timeout = timeout

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return not self._budget.can_fit(retry_state.upcoming_sleep + self._timeout)


def _is_transient(error: BaseException | None) -> bool:
    return isinstance(error, LLMCallError) and error.transient


def backoff_wait(settings: Settings) -> Callable[[tenacity.RetryCallState], float]:
    """Exponential backoff with jitter, replaced by the server's Retry-After when given.

    Retry-After is capped by the configured maximum so a hostile or confused server cannot
    park a worker thread for minutes.
    """
    exponential = tenacity.wait_exponential_jitter(
        multiplier=settings.llm_backoff_initial_seconds,
        max=settings.llm_backoff_max_seconds,
        jitter=settings.llm_backoff_initial_seconds,
    )

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, LLMCallError) and error.retry_after is not None:
            return min(error.retry_after, settings.llm_backoff_max_seconds)
        return float(exponential(state))

    return wait


def call_with_retries(
    attempt: Callable[[], T],
    settings: Settings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    deadline: Deadline | None = None,
) -> T:
    """Run ``attempt`` up to ``llm_max_attempts`` times while its failures are transient.

    The last error is re-raised as itself (not wrapped in tenacity's RetryError) so callers
    handle one exception type. A retry whose backoff would leave less than one client
    timeout of budget is not started; :class:`TimeBudgetExhausted` is raised instead.
    """
    timeout = settings.llm_timeout_seconds
    budget = deadline or Deadline(None)

    attempts = tenacity.stop_after_attempt(settings.llm_max_attempts)
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(_is_transient),
        stop=tenacity.stop_any(attempts, _StopWhenOutOfBudget(budget, timeout)),
        wait=backoff_wait(settings),
        sleep=sleep,
        reraise=True,
    )

    def guarded() -> T:
        budget.ensure_fits(timeout)
        return attempt()

    try:
        return retrying(guarded)
    except LLMCallError as error:
        if error.transient and not budget.can_fit(timeout):
            raise TimeBudgetExhausted(
                f"time budget exhausted after a transient error: {error}"
            ) from error
        raise
