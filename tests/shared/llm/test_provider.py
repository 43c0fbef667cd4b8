"""The provider against the local server: structured output, usage, error classes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from shared.config import Settings
from shared.errors import LLMCallError
from shared.llm.provider import ChatMessage, LLMProvider, ResponseSchema, redact
from tests.conftest import TEST_LLM_KEY
from tests.support.fake_openai import FakeOpenAI

SCHEMA = ResponseSchema("thing", {"type": "object", "properties": {"a": {"type": "string"}}})
MESSAGES = [ChatMessage("system", "Answer in JSON."), ChatMessage("user", "Say hello.")]


@pytest.fixture
def provider(llm_settings: Callable[..., Settings]) -> Iterator[LLMProvider]:
    provider = LLMProvider(llm_settings(llm_timeout_seconds=0.5))
    yield provider
    provider.close()


def _complete(provider: LLMProvider, model: str = "m/1") -> object:
    return provider.complete(model=model, messages=MESSAGES, schema=SCHEMA)


def test_a_reply_carries_content_usage_and_no_cost_unless_reported(
    fake_llm: FakeOpenAI, provider: LLMProvider
) -> None:
    reply = provider.complete(model="m/1", messages=MESSAGES, schema=SCHEMA)
    (request,) = fake_llm.chat_requests
    assert json.loads(reply.content)["sections"]
    assert reply.prompt_tokens == request["usage"]["prompt_tokens"]
    assert reply.completion_tokens == request["usage"]["completion_tokens"]
    assert reply.provider_cost is None
    body = request["body"]
    assert body["model"] == "m/1"
    assert body["messages"] == [
        {"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Say hello."}
    ]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA.schema
    assert "usage" not in body  # only OpenRouter is asked for cost
    assert request["authorization"] == f"Bearer {TEST_LLM_KEY}"


def test_reported_cost_is_read_exactly(fake_llm: FakeOpenAI, provider: LLMProvider) -> None:
    fake_llm.configure(report_cost=True)
    reply = provider.complete(model="m/1", messages=MESSAGES, schema=SCHEMA)
    (request,) = fake_llm.chat_requests
    assert reply.provider_cost == Decimal(str(request["usage"]["cost"]))


def test_openrouter_is_asked_to_include_cost(
    fake_llm: FakeOpenAI, llm_settings: Callable[..., Settings]
) -> None:
    base = fake_llm.base_url.replace("/v1", "/openrouter.ai/api/v1")
    settings = llm_settings(llm_base_url=base)
    assert settings.reports_provider_cost
    provider = LLMProvider(settings)
    try:
        provider.complete(model="m/1", messages=MESSAGES, schema=SCHEMA)
    finally:
        provider.close()
    (request,) = fake_llm.chat_requests
    assert request["body"]["usage"] == {"include": True}


def test_json_schema_refusal_falls_back_to_json_mode_and_is_remembered(
    fake_llm: FakeOpenAI, provider: LLMProvider
) -> None:
    fake_llm.configure(json_schema_supported=False)
    first = provider.complete(model="m/1", messages=MESSAGES, schema=SCHEMA)
    second = provider.complete(model="m/1", messages=MESSAGES, schema=SCHEMA)
    formats = [r["body"]["response_format"]["type"] for r in fake_llm.chat_requests]
    # One refusal, then JSON mode straight away for this model from then on.
    assert formats == ["json_schema", "json_object", "json_object"]
    assert first.response_format == second.response_format == "json_object"
    assert provider.uses_json_mode("m/1")
    assert not provider.uses_json_mode("m/2")


@pytest.mark.parametrize(
    ("fault", "status"),
    [("429", 429), ("500", 500), ("503", 503), ("timeout", None), ("drop", None)],
)
def test_transient_failures(
    fake_llm: FakeOpenAI, provider: LLMProvider, fault: str, status: int | None
) -> None:
    fake_llm.configure(timeout_sleep=1.5)
    fake_llm.push_faults(fault)
    with pytest.raises(LLMCallError) as caught:
        _complete(provider)
    assert caught.value.transient
    assert caught.value.status_code == status
    assert len(fake_llm.chat_requests) == 1  # the client's own retries are off


def test_retry_after_is_read_on_429_and_503(fake_llm: FakeOpenAI, provider: LLMProvider) -> None:
    fake_llm.push_faults({"kind": "429", "retry_after": 7}, {"kind": "503", "retry_after": 2.5})
    for expected in (7.0, 2.5):
        with pytest.raises(LLMCallError) as caught:
            _complete(provider)
        assert caught.value.retry_after == expected


@pytest.mark.parametrize(("fault", "status"), [("401", 401), ("400", 400)])
def test_fatal_failures_are_not_transient_and_leak_no_secret(
    fake_llm: FakeOpenAI, provider: LLMProvider, fault: str, status: int
) -> None:
    fake_llm.push_faults(fault)
    with pytest.raises(LLMCallError) as caught:
        _complete(provider)
    assert not caught.value.transient
    assert caught.value.status_code == status
    assert f"HTTP {status}" in str(caught.value)
    assert TEST_LLM_KEY not in str(caught.value)
    assert TEST_LLM_KEY[:12] not in str(caught.value)


def test_redact_scrubs_keys_tokens_and_length() -> None:
    text = redact(
        "bad key sk-live-abcdef123456 and Bearer tok_123 api_key=hunter2 " + "x" * 500,
        ["hunter2"],
    )
    assert "abcdef123456" not in text
    assert "tok_123" not in text
    assert "hunter2" not in text
    assert len(text) <= 300
