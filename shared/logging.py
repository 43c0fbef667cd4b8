"""Structured logging for every process: key=value lines for people, JSON for collectors.

Standard-library loggers are used everywhere (``logging.getLogger(__name__)``); structlog's
ProcessorFormatter renders them, including the ``extra={...}`` fields we attach (job ids,
counts). PII such as contact e-mail addresses and secrets are never passed to a logger.

Tracebacks never carry local variables: a frame's locals hold exactly what must not reach a
log (a contact's name and e-mail, a request body, an API key). structlog's console renderer
shows them when ``rich`` is importable, and its dict tracebacks show them by default, so both
renderers are told not to, whatever else is installed.
"""

from __future__ import annotations

import logging
import sys

import structlog
import structlog.tracebacks

from shared.config import Settings


def configure_logging(settings: Settings) -> None:
    """Route every standard-library logger through one structlog formatter on stderr."""
    processors: list[structlog.types.Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
    ]
    if settings.log_json:
        # A structured traceback (frames, exception type and message), never the locals.
        processors.append(structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=False)))
        processors.append(structlog.processors.JSONRenderer())
    else:
        processors.append(structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback))
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=processors,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # Request-level chatter from HTTP clients would drown the job log at INFO.
    for noisy in ("httpx", "httpx2", "openai", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
