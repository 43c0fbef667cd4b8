"""The one place that talks to an OpenAI-compatible chat API (§5.1).

The ``openai`` client is built with ``max_retries=0``: tenacity (:mod:`shared.llm.retry`)
is the only retry layer, so attempts, backoff and the ledger stay in step (§4 time
budget). Every failure leaves here as an :class:`LLMCallError` that says whether retrying
can help and carries a message safe to store: provider error bodies sometimes echo part
of the API key, so messages are scrubbed before anything else sees them.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, NamedTuple, cast

import openai
from openai.types.chat import ChatCompletionMessageParam

from shared.config import Settings
from shared.errors import LLMCallError
from shared.llm.costs import provider_cost
from shared.observability.instruments import (
    LLM_IN_FLIGHT,
    LLM_LATENCY,
    bounded,
    configured_models,
)

# Statuses worth another try: the server may answer differently a moment later.
TRANSIENT_STATUSES = frozenset({408, 409, 429})
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_ERROR_CHARS = 300

_SECRET_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-*.]{4,}"),
    re.compile(r"(?i)\bbearer\s+\S+"),
    re.compile(r"(?i)(api[_-]?key[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
)


class ChatMessage(NamedTuple):
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class ResponseSchema:
    """A JSON schema the reply must follow, named as the structured-output API wants."""

    name: str
    schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChatReply:
    content: str
    prompt_tokens: int
    completion_tokens: int
    provider_cost: Decimal | None
    latency_seconds: float
    response_format: str


def redact(text: str, secrets: Sequence[str | None] = ()) -> str:
    """Remove anything that looks like a credential, then bound the length."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(
            lambda m: (m.group(1) if m.re.groups else "") + "[redacted]", text
        )
    if len(text) > MAX_ERROR_CHARS:
        text = text[: MAX_ERROR_CHARS - 1] + "…"
    return text


def parse_retry_after(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After``; HTTP dates are not honoured."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name) if headers is not None else None
        if raw is None:
            continue
        try:
            seconds = float(raw) / scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


def _status_message(error: openai.APIStatusError) -> str:
    body = error.body
    detail: object = None
    if isinstance(body, dict):
        detail = body.get("message") or body.get("error") or body
    return f"HTTP {error.status_code}: {detail if detail is not None else error.message}"


def _rejects_json_schema(error: openai.APIStatusError) -> bool:
    text = _status_message(error).lower()
    return error.status_code == 400 and ("response_format" in text or "json_schema" in text)


class LLMProvider:
    """Chat completions with structured output, one request per :meth:`complete`."""

    def __init__(self, settings: Settings, *, client: openai.OpenAI | None = None) -> None:
        self._settings = settings
        self._client = client or openai.OpenAI(
            base_url=settings.resolved_llm_base_url,
            api_key=settings.llm_key,
            timeout=settings.llm_timeout_seconds,
            max_retries=0,
        )
        # Models whose server refused json_schema: asked in JSON mode from then on, so the
        # refusal costs one round trip per process, not one per call.
        self._json_mode_models: set[str] = set()
        self._lock = threading.Lock()
        self._metric_models = configured_models(settings)

    def close(self) -> None:
        self._client.close()

    def uses_json_mode(self, model: str) -> bool:
        with self._lock:
            return model in self._json_mode_models

    def complete(
        self,
        *,
        model: str,
        messages: Sequence[ChatMessage],
        schema: ResponseSchema,
        timeout: float | None = None,
    ) -> ChatReply:
        """One logical call. Raises :class:`LLMCallError`; never retries a failure itself.

        The only second request is the switch to JSON mode when the server rejects
        ``json_schema``: that is negotiation, not a retry, and costs no tokens.
        """
        label = bounded(model, self._metric_models)
        started = time.perf_counter()
        json_mode = self.uses_json_mode(model)
        try:
            with LLM_IN_FLIGHT.labels(model=label).track_inprogress():
                try:
                    reply = self._request(model, messages, schema, json_mode, timeout)
                except openai.APIStatusError as error:
                    if json_mode or not _rejects_json_schema(error):
                        raise
                    with self._lock:
                        self._json_mode_models.add(model)
                    json_mode = True
                    reply = self._request(model, messages, schema, json_mode, timeout)
        except openai.APIError as error:
            raise self._classify(error, time.perf_counter() - started) from None
        finally:
            # Failures too: a slow provider shows up here even when it ends in a timeout.
            LLM_LATENCY.labels(model=label).observe(time.perf_counter() - started)
        return self._reply(reply, time.perf_counter() - started, json_mode)

    def _request(
        self,
        model: str,
        messages: Sequence[ChatMessage],
        schema: ResponseSchema,
        json_mode: bool,
        timeout: float | None,
    ) -> Any:
        response_format: dict[str, Any] = (
            {"type": "json_object"}
            if json_mode
            else {
                "type": "json_schema",
                "json_schema": {"name": schema.name, "schema": schema.schema, "strict": False},
            }
        )
        extra_body: dict[str, Any] = {}
        if self._settings.reports_provider_cost:
            extra_body["usage"] = {"include": True}
        limit_name = (
            "max_completion_tokens"
            if "api.openai.com" in self._settings.resolved_llm_base_url
            else "max_tokens"
        )
        extra_body[limit_name] = self._settings.llm_max_completion_tokens
        return self._client.chat.completions.create(
            model=model,
            messages=[
                cast(ChatCompletionMessageParam, {"role": m.role, "content": m.content})
                for m in messages
            ],
            response_format=cast(Any, response_format),
            extra_body=extra_body,
            timeout=timeout if timeout is not None else self._settings.llm_timeout_seconds,
        )

    def _reply(self, completion: Any, latency: float, json_mode: bool) -> ChatReply:
        content = ""
        if completion.choices:
            content = completion.choices[0].message.content or ""
        usage = completion.usage
        return ChatReply(
            content=content,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            provider_cost=provider_cost(getattr(usage, "cost", None)),
            latency_seconds=latency,
            response_format="json_object" if json_mode else "json_schema",
        )

    def _classify(self, error: openai.APIError, latency: float) -> LLMCallError:
        secrets = (self._settings.llm_key,)
        if isinstance(error, openai.APITimeoutError):
            return LLMCallError(
                f"timeout after {self._settings.llm_timeout_seconds:g}s",
                transient=True,
                latency_seconds=latency,
            )
        if isinstance(error, openai.APIConnectionError):
            cause = error.__cause__ or error.__context__
            detail = f"{type(cause).__name__}: {cause}" if cause else error.message
            return LLMCallError(
                redact(f"connection error ({detail})", secrets),
                transient=True,
                latency_seconds=latency,
            )
        if isinstance(error, openai.APIStatusError):
            status = error.status_code
            transient = status in TRANSIENT_STATUSES or status >= 500
            headers = error.response.headers
            retry_after = parse_retry_after(headers) if status in RETRY_AFTER_STATUSES else None
            return LLMCallError(
                redact(_status_message(error), secrets),
                transient=transient,
                status_code=status,
                retry_after=retry_after,
                latency_seconds=latency,
            )
        # A reply the client could not make sense of: another try may well succeed.
        return LLMCallError(
            redact(f"{type(error).__name__}: {error.message}", secrets),
            transient=True,
            latency_seconds=latency,
        )
