"""Job error messages are shown to API clients (§4: "a message a person can act on"), so
they never carry server internals: no absolute file paths, no SQL statements."""

from __future__ import annotations

import re

from sqlalchemy.exc import SQLAlchemyError

# An absolute POSIX path (two or more components), e.g. /srv/app/var/audio/7/3/x.wav.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/'\"():,]+/)+[^\s/'\"():,]*")


def scrub_paths(message: str) -> str:
    """Replace every absolute path by its last component: "…: 'section-0.wav'" still says
    which file, without telling a client where the server keeps its files."""

    def last_component(match: re.Match[str]) -> str:
        parts = [part for part in match.group(0).split("/") if part]
        return parts[-1] if parts else "<path>"

    return _ABSOLUTE_PATH.sub(last_component, message)


def public_error_message(error: BaseException) -> str:
    """What a job's ``error.message`` may say about an unexpected exception."""
    if isinstance(error, SQLAlchemyError):
        # The text holds the SQL and its parameters: the worker log has them, clients do not.
        return f"database error ({type(error).__name__}); the worker log has the details"
    return scrub_paths(f"{type(error).__name__}: {error}")
