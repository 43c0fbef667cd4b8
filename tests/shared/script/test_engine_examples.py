"""The shipped examples in every style, and the §10 fallback bar, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from shared.config import Settings
from shared.llm.costs import compute_cost, prices_for
from shared.script.engine import ScriptEngine
from shared.script.timing import duration_window
from shared.script.types import CallOutcome, GenerationOptions, Style
from tests.shared.script.conftest import EXAMPLE_NAMES, Example, load_example
from tests.support.fake_openai import FakeOpenAI


@pytest.mark.parametrize("report_cost", [False, True], ids=["priced", "provider-cost"])
@pytest.mark.parametrize("style", list(Style))
def test_every_example_in_every_style(
    fake_llm: FakeOpenAI, llm_settings: Callable[..., Settings],
    example: Example, style: Style, report_cost: bool,
) -> None:
    plan, lead, site = example.plan, example.lead, example.demo_site
    fake_llm.configure(report_cost=report_cost)
    settings = llm_settings()
    options = GenerationOptions(style=style, max_duration_seconds=120)
    with ScriptEngine(settings) as engine:
        generated = engine.generate(plan, lead, site, options)

    assert not generated.fallback_used
    low, high = duration_window(120)
    assert low <= generated.script.total_duration_seconds <= high
    assert generated.script.style is style
    requests = fake_llm.chat_requests
    assert len(requests) == len(generated.calls) == 1
    (call,), usage = generated.calls, requests[0]["usage"]
    assert call.outcome is CallOutcome.SUCCESS
    assert (call.prompt_tokens, call.completion_tokens) == (
        usage["prompt_tokens"], usage["completion_tokens"],
    )
    if report_cost:
        assert call.cost_usd == Decimal(str(usage["cost"]))
    else:
        prices = prices_for(call.tier, call.model, settings)
        assert call.cost_usd == compute_cost(call.prompt_tokens, call.completion_tokens, prices)
    assert generated.cost_usd == call.cost_usd
    prompt = requests[0]["body"]["messages"][-1]["content"]
    assert lead.company_name in prompt
    assert site.url in prompt


def test_a_flaky_provider_rarely_means_a_fallback_script(
    fake_llm: FakeOpenAI, llm_settings: Callable[..., Settings]
) -> None:
    """§10: 20 % of calls failing transiently, under 1 % of scripts use the fallback."""
    fake_llm.configure(fail_rate=0.2, seed=1)
    runs = 500
    inputs = [load_example(name) for name in EXAMPLE_NAMES]
    styles = list(Style)
    fallbacks = 0
    with ScriptEngine(llm_settings(), sleep=lambda _: None) as engine:
        for n in range(runs):
            example = inputs[n % len(inputs)]
            target = 30 + (n * 37) % 271
            options = GenerationOptions(style=styles[n % 4], max_duration_seconds=target)
            generated = engine.generate(example.plan, example.lead, example.demo_site, options)
            fallbacks += generated.fallback_used
            low, high = duration_window(target)
            assert low <= generated.script.total_duration_seconds <= high, (n, target)
    failed = sum(1 for r in fake_llm.chat_requests if r.get("fault") != "ok")
    assert failed > 0.15 * len(fake_llm.chat_requests)  # the provider really was flaky
    assert fallbacks < 0.01 * runs
