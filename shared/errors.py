"""Domain errors that the web layer maps to HTTP status codes."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any


class DomainError(Exception):
    """Base class for errors that carry a message a person can act on."""


class DomainValidationError(DomainError, ValueError):
    """Input is invalid; ``field`` names what to fix (the API answers 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFoundError(DomainError, LookupError):
    """A referenced object does not exist (the API answers 404)."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident


class ConflictError(DomainError):
    """The request conflicts with the current state (the API answers 409)."""


class TimingInvariantError(DomainError):
    """A script whose words break the §3.5 timing promise reached the storing function.

    Nothing produces such a script on purpose (the engine fits or replaces it first), so
    this is a refusal of last resort: the script is not written. ``offences`` lists what
    is wrong, one line per section or total, as :func:`shared.script.measure.timing_offences`
    words it.
    """

    def __init__(self, offences: list[str]) -> None:
        super().__init__(
            "the script breaks the timing promise (§3.5) and was not stored: "
            + " ".join(offences)
        )
        self.offences = offences


class AuthenticationError(DomainError):
    """No usable API key: missing, malformed, unknown or revoked (the API answers 401)."""


class MissingScopeError(DomainError):
    """The key lacks the scope an operation needs (the API answers 403 naming it)."""

    def __init__(self, scope: str) -> None:
        super().__init__(f"this API key lacks the '{scope}' scope this operation needs")
        self.scope = scope


class DestinationRefusedError(DomainError):
    """A webhook URL points where deliveries may not go (§12): not https, or an address
    that is loopback, private, link-local or otherwise not public."""


class SecretUnreadableError(RuntimeError):
    """A stored webhook secret cannot be decrypted: this process has another
    WEBHOOK_SECRET_KEY than the one it was created with."""


# Calling the LLM and reading its replies.

class LLMCallError(Exception):
    """A call that produced no reply. ``str(error)`` is already free of secrets."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        status_code: int | None = None,
        retry_after: float | None = None,
        latency_seconds: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.status_code = status_code
        self.retry_after = retry_after
        self.latency_seconds = latency_seconds


class ReplyError(ValueError):
    """The reply is not a usable script or section; the message says why."""


class InvalidReply(Exception):  # noqa: N818 - names the reply, like ReplyError's callers
    """A reply that arrived but could not be used; keeps it for the repair prompt."""

    def __init__(self, content: str, error: str) -> None:
        super().__init__(error)
        self.content = content
        self.error = error


class TimeBudgetExhausted(Exception):  # noqa: N818 - it is a condition, not a failure of ours
    """The job's time budget cannot fit another call: stop calling and fall back."""


class SpendBudgetExhaustedError(DomainError):
    """The tenant's monthly LLM budget is spent (§11): the call about to go out is refused.

    Not a failure of the job: the engine catches it and finishes with the offline script,
    ``fallback_used`` and the reason :attr:`REASON`, exactly as for any other fallback.
    """

    REASON = "budget_exhausted"

    def __init__(self, budget_usd: Decimal, spent_usd: Decimal) -> None:
        super().__init__(
            f"the tenant's monthly LLM budget of {budget_usd} USD is spent "
            f"({spent_usd} USD so far this UTC month); no more LLM calls until the month "
            "ends or the budget is raised"
        )
        self.budget_usd = budget_usd
        self.spent_usd = spent_usd


# Voiceover: synthesis and audio storage.

class TTSError(DomainError):
    """Synthesis failed; the message says which engine and why, never a secret.

    Everything this package raises is a ``TTSError``, so a voiceover job needs one
    ``except`` to mark the voiceover failed while the script itself stays intact (§7).
    """


class TTSUnavailableError(TTSError):
    """The configured engine cannot run here at all (binary missing, no key, bad voice).

    Kept apart from transient failures because retrying cannot help: the message says
    exactly what to install or which variable to set, and the job surfaces it verbatim.
    """


class WavFormatError(TTSError):
    """A file is not usable PCM WAV, or files that must share a format do not."""


class StoragePathError(DomainError, ValueError):
    """A requested path would leave the storage root or point at a temporary file."""


# Tenancy: programming errors, never shown to a caller.

class UnscopedSessionError(RuntimeError):
    """A session touched tenant-owned rows without saying whose (a programming error)."""


class CrossTenantWriteError(RuntimeError):
    """A row of one tenant was about to be written through another tenant's session."""


# Running jobs: control flow between the runner, handlers and tasks.

class StaleAttemptError(Exception):
    """This worker's attempt is no longer the job's current one (lease lost or finished)."""


class DatabaseUnavailableError(Exception):
    """The database could not be reached while running a job: retry the task, do not ack it.

    ``attempt`` is the attempt that was interrupted (None if the job was never claimed): the
    retried task passes it back to :func:`claim_job` as ``supersedes_attempt`` so it can
    take the job over at once instead of waiting for that attempt's lease to expire.
    """

    def __init__(self, job_id: uuid.UUID, attempt: int | None, *,
                 unrecorded_calls: list[dict[str, Any]] | None = None) -> None:
        super().__init__(f"database unavailable while running job {job_id} "
                         f"(attempt {attempt if attempt is not None else 'not claimed'})")
        self.job_id = job_id
        self.attempt = attempt
        # Ledger rows of LLM calls that could not be written yet (see shared.jobs.call_ledger).
        self.unrecorded_calls = list(unrecorded_calls or [])


class JobFailedError(Exception):
    """Nothing usable can be produced; the job ends ``failed`` with this message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
