"""The script engine against the local OpenAI-compatible server, through the real client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from shared.config import Settings
from shared.errors import DomainValidationError
from shared.llm.costs import compute_cost, prices_for
from shared.script.engine import ScriptEngine
from shared.script.timing import duration_window
from shared.script.types import (
    CallOutcome,
    CallPurpose,
    DemoSiteInfo,
    GeneratedScript,
    GenerationOptions,
    ImprovementPlan,
    LeadInfo,
    Tier,
)
from tests.conftest import TEST_LLM_KEY
from tests.support.fake_openai import FakeOpenAI

PLAN = ImprovementPlan.parse(
    {
        "overall_strategy": "Make the store fast on phones",
        "improvements": [
            {"title": "Compress product images", "impact": "high",
             "metrics": {"before": "4.8 s LCP", "after": "1.9 s LCP"}},
            {"title": "One-page checkout", "impact": "high"},
            {"title": "Size guide next to the picker", "impact": "medium"},
        ],
    }
)
SITE = DemoSiteInfo(url="https://northwind-demo.example.app")
OPTIONS = GenerationOptions(max_duration_seconds=90)
Out, G, R, T = CallOutcome, CallPurpose.GENERATE, CallPurpose.REPAIR, CallPurpose.TIMING_FIX


def lead(value: str = "32000") -> LeadInfo:
    return LeadInfo(company_name="Northwind Outfitters", industry="retail", value=Decimal(value))


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_engine(
    llm_settings: Callable[..., Settings], sleeps: list[float]
) -> Iterator[Callable[..., ScriptEngine]]:
    engines: list[ScriptEngine] = []

    def build(**overrides: object) -> ScriptEngine:
        engines.append(ScriptEngine(llm_settings(**overrides), sleep=sleeps.append))
        return engines[-1]

    yield build
    for engine in engines:
        engine.close()


def assert_inside_window(generated: GeneratedScript, target: int) -> None:
    low, high = duration_window(target)
    assert low <= generated.script.total_duration_seconds <= high


def calls(generated: GeneratedScript) -> list[tuple[CallPurpose, CallOutcome]]:
    return [(call.purpose, call.outcome) for call in generated.calls]


def test_without_a_key_the_offline_engine_writes_it(
    fake_llm: FakeOpenAI, make_settings: Callable[..., Settings]
) -> None:
    with ScriptEngine(make_settings()) as engine:
        generated = engine.generate(PLAN, lead(), SITE, OPTIONS)
    assert (generated.model_used, generated.tier, generated.fallback_used) == (
        "offline", None, False,
    )
    assert generated.calls == ()
    assert generated.cost_usd == 0
    assert generated.metadata["options"] == OPTIONS.model_dump(mode="json")
    assert generated.metadata["attempts"] == []
    assert_inside_window(generated, 90)
    assert fake_llm.requests == []


def test_one_good_call_is_one_ledger_row_priced_from_configuration(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine]
) -> None:
    engine = make_engine(price_mid_input="10.00", price_mid_output="30.00")
    generated = engine.generate(PLAN, lead(), SITE, OPTIONS)

    (request,) = fake_llm.chat_requests
    (call,) = generated.calls
    usage = request["usage"]
    assert request["body"]["model"] == "openai/gpt-4-turbo"
    assert (generated.model_used, generated.tier, generated.fallback_used) == (
        "openai/gpt-4-turbo", Tier.MID, False,
    )
    assert (call.sequence, call.purpose, call.outcome) == (0, G, Out.SUCCESS)
    assert (call.prompt_tokens, call.completion_tokens) == (
        usage["prompt_tokens"], usage["completion_tokens"],
    )
    expected = (Decimal(usage["prompt_tokens"]) * Decimal("10.00")
                + Decimal(usage["completion_tokens"]) * Decimal("30.00")) / Decimal(1_000_000)
    assert call.cost_usd == expected
    assert call.cost_source == "computed"
    assert generated.cost_usd == expected
    assert generated.prompt_tokens == usage["prompt_tokens"]
    assert call.latency_seconds > 0
    assert generated.metadata["attempts"] == [{
        "tier": "mid", "model": "openai/gpt-4-turbo", "result": "success", "error": None,
        "calls": 1,
    }]
    assert generated.metadata["options"] == OPTIONS.model_dump(mode="json")
    assert_inside_window(generated, 90)
    assert generated.script.validation_warnings == ()


def test_the_providers_cost_wins_when_reported(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine]
) -> None:
    fake_llm.configure(report_cost=True)
    generated = make_engine().generate(PLAN, lead(), SITE, OPTIONS)
    (request,) = fake_llm.chat_requests
    (call,) = generated.calls
    assert call.cost_usd == Decimal(str(request["usage"]["cost"]))
    assert call.cost_source == "provider"


def test_429_is_retried_after_the_servers_retry_after(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine], sleeps: list[float]
) -> None:
    fake_llm.push_faults({"kind": "429", "retry_after": 2})
    generated = make_engine(llm_backoff_max_seconds=5.0).generate(PLAN, lead(), SITE, OPTIONS)
    assert sleeps == [2.0]
    assert calls(generated) == [(G, Out.TRANSIENT_ERROR), (G, Out.SUCCESS)]
    failed = generated.calls[0]
    assert (failed.sequence, failed.prompt_tokens, failed.cost_usd) == (0, 0, 0)
    assert "HTTP 429" in (failed.error or "")
    assert not generated.fallback_used


def test_500_and_timeout_are_retried(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine], sleeps: list[float]
) -> None:
    fake_llm.configure(timeout_sleep=1.5)
    fake_llm.push_faults("500", "timeout")
    generated = make_engine(llm_timeout_seconds=0.5).generate(PLAN, lead(), SITE, OPTIONS)
    assert calls(generated) == [
        (G, Out.TRANSIENT_ERROR), (G, Out.TRANSIENT_ERROR), (G, Out.SUCCESS),
    ]
    assert "timeout" in (generated.calls[1].error or "")
    assert len(sleeps) == 2
    assert generated.model_used == "openai/gpt-4-turbo"


@pytest.mark.parametrize("fault", ["401", "400"])
def test_fatal_errors_go_straight_to_the_offline_script(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine], sleeps: list[float],
    fault: str,
) -> None:
    fake_llm.push_faults(fault)
    generated = make_engine().generate(PLAN, lead("60000"), SITE, OPTIONS)

    assert len(fake_llm.chat_requests) == 1  # not retried, no other tier tried
    assert sleeps == []
    assert calls(generated) == [(G, Out.FATAL_ERROR)]
    assert (generated.model_used, generated.tier, generated.fallback_used) == (
        "offline", None, True,
    )
    assert generated.fallback_reason is not None
    assert generated.fallback_reason.startswith("misconfiguration")
    assert generated.metadata["fallback_reason"] == generated.fallback_reason
    assert generated.metadata["misconfiguration"]["status_code"] == int(fault)
    assert generated.metadata["attempts"][0]["result"] == "misconfiguration"
    assert TEST_LLM_KEY not in generated.model_dump_json()
    assert TEST_LLM_KEY[:12] not in generated.model_dump_json()
    assert_inside_window(generated, 90)


def test_tiers_fall_back_premium_mid_budget_then_offline(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine]
) -> None:
    fake_llm.push_faults(*["500"] * 9)
    engine = make_engine(model_premium="p/1", model_mid="m/1", model_budget="b/1")
    generated = engine.generate(PLAN, lead("60000"), SITE, OPTIONS)

    assert [r["body"]["model"] for r in fake_llm.chat_requests] == (
        ["p/1"] * 3 + ["m/1"] * 3 + ["b/1"] * 3
    )
    assert [c.tier for c in generated.calls] == [Tier.PREMIUM] * 3 + [Tier.MID] * 3 + [
        Tier.BUDGET] * 3
    assert [c.sequence for c in generated.calls] == list(range(9))
    assert generated.fallback_used
    assert generated.model_used == "offline"
    assert generated.fallback_reason is not None
    assert generated.fallback_reason.startswith("every LLM tier failed")
    assert [(a["tier"], a["result"], a["calls"]) for a in generated.metadata["attempts"]] == [
        ("premium", "transient_errors", 3), ("mid", "transient_errors", 3),
        ("budget", "transient_errors", 3),
    ]
    assert_inside_window(generated, 90)


def test_a_cheaper_tier_that_works_is_not_a_fallback_script(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine]
) -> None:
    fake_llm.push_faults(*["503"] * 3)
    generated = make_engine().generate(PLAN, lead("60000"), SITE, OPTIONS)
    assert (generated.tier, generated.fallback_used) == (Tier.MID, False)
    assert generated.model_used == "openai/gpt-4-turbo"


@pytest.mark.parametrize("fault", ["malformed", "schema_invalid"])
def test_a_bad_reply_gets_one_repair_call(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine], fault: str
) -> None:
    fake_llm.push_faults(fault)
    generated = make_engine().generate(PLAN, lead(), SITE, OPTIONS)

    assert calls(generated) == [(G, Out.INVALID_REPLY), (R, Out.SUCCESS)]
    bad, repair = fake_llm.chat_requests
    bad_content = generated.calls[0]
    assert bad_content.prompt_tokens == bad["usage"]["prompt_tokens"]  # billed all the same
    assert bad_content.cost_usd > 0
    messages = repair["body"]["messages"]
    assert messages[-2]["role"] == "assistant"
    assert messages[-1]["content"].startswith("That reply cannot be used:")
    assert (generated.tier, generated.fallback_used) == (Tier.MID, False)


@pytest.mark.parametrize("fault", ["malformed", "schema_invalid"])
def test_a_reply_still_bad_after_repair_fails_that_model(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine], fault: str
) -> None:
    fake_llm.push_faults(fault, fault)
    generated = make_engine().generate(PLAN, lead(), SITE, OPTIONS)

    assert calls(generated) == [(G, Out.INVALID_REPLY), (R, Out.INVALID_REPLY), (G, Out.SUCCESS)]
    assert [c.tier for c in generated.calls] == [Tier.MID, Tier.MID, Tier.BUDGET]
    assert generated.metadata["attempts"][0]["result"] == "invalid_reply"
    assert "after one repair" in generated.metadata["attempts"][0]["error"]
    assert (generated.tier, generated.fallback_used) == (Tier.BUDGET, False)


@pytest.mark.parametrize("fault", ["too_long", "too_short"])
def test_a_draft_outside_the_window_gets_one_timing_fix_call(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine], fault: str
) -> None:
    fake_llm.push_faults(fault)
    generated = make_engine().generate(PLAN, lead(), SITE, OPTIONS)

    assert calls(generated) == [(G, Out.SUCCESS), (T, Out.SUCCESS)]
    fix_prompt = fake_llm.chat_requests[1]["body"]["messages"][-1]["content"]
    assert ("shorten" if fault == "too_long" else "lengthen") in fix_prompt
    assert generated.metadata["timing"]["llm_fix"] == "applied"
    assert_inside_window(generated, 90)
    assert generated.script.validation_warnings == ()


def test_a_timing_fix_that_misses_again_is_corrected_deterministically(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine]
) -> None:
    fake_llm.push_faults("too_long", "too_long")
    generated = make_engine().generate(PLAN, lead(), SITE, OPTIONS)

    assert calls(generated) == [(G, Out.SUCCESS), (T, Out.SUCCESS)]  # one corrective call only
    assert generated.metadata["timing"]["llm_fix"] == "insufficient"
    assert generated.metadata["timing"]["deterministic_fit"] is True
    assert not generated.fallback_used
    assert_inside_window(generated, 90)


def test_no_call_is_started_without_budget_for_one_client_timeout(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine]
) -> None:
    engine = make_engine(llm_timeout_seconds=2.0)
    generated = engine.generate(PLAN, lead(), SITE, OPTIONS, deadline_seconds=1.5)
    assert fake_llm.chat_requests == []
    assert generated.fallback_used
    assert (generated.fallback_reason or "").startswith("deadline")
    assert_inside_window(generated, 90)


def test_the_engine_stops_calling_when_its_budget_runs_out(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine]
) -> None:
    fake_llm.configure(latency=0.4, fail_rate=1.0, random_fault_kinds=["500"])
    engine = make_engine(llm_timeout_seconds=1.0)
    generated = engine.generate(PLAN, lead("60000"), SITE, OPTIONS, deadline_seconds=1.5)
    assert 1 <= len(fake_llm.chat_requests) <= 2
    assert (generated.fallback_reason or "").startswith("deadline")
    assert generated.generation_time_seconds < 1.5


def test_json_mode_is_used_where_json_schema_is_refused(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine]
) -> None:
    fake_llm.configure(json_schema_supported=False)
    generated = make_engine().generate(PLAN, lead(), SITE, OPTIONS)
    assert [r["body"]["response_format"]["type"] for r in fake_llm.chat_requests] == [
        "json_schema", "json_object",
    ]
    assert calls(generated) == [(G, Out.SUCCESS)]  # negotiation is not a second ledger row


def test_a_requested_model_needs_configuration_to_allow_it(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine]
) -> None:
    options = OPTIONS.model_copy(update={"model": "x/custom"})
    make_engine().generate(PLAN, lead(), SITE, options)
    make_engine(llm_allow_model_override=True).generate(PLAN, lead(), SITE, options)
    assert [r["body"]["model"] for r in fake_llm.chat_requests] == [
        "openai/gpt-4-turbo", "x/custom",
    ]


def test_prices_follow_the_tier_that_answered(
    fake_llm: FakeOpenAI, make_engine: Callable[..., ScriptEngine]
) -> None:
    fake_llm.push_faults(*["500"] * 3)
    engine = make_engine()
    generated = engine.generate(PLAN, lead("60000"), SITE, OPTIONS)
    settings = engine._settings
    good = generated.calls[-1]
    usage = fake_llm.chat_requests[-1]["usage"]
    assert good.tier is Tier.MID
    assert good.cost_usd == compute_cost(
        usage["prompt_tokens"], usage["completion_tokens"],
        prices_for(Tier.MID, good.model, settings),
    )


def test_invalid_section_index_says_how_many_sections_there_are(
    make_settings: Callable[..., Settings]
) -> None:
    with ScriptEngine(make_settings()) as engine:
        script = engine.generate(PLAN, lead(), SITE, OPTIONS).script
        with pytest.raises(DomainValidationError, match=f"{len(script.sections)} sections"):
            engine.regenerate_section(
                script, len(script.sections), "x", plan=PLAN, lead=lead(), demo_site=SITE,
                options=OPTIONS,
            )
