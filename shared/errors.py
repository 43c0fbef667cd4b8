"""Domain errors that the web layer maps to HTTP status codes."""

from __future__ import annotations


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
