"""§5.6: a section regeneration sends the one section, not the whole plan again.

Measured as the provider counts it: the prompt tokens the local server reports in
``usage`` (and the ledger records) for the sample plan, against a full generation's.
Issue 9's goal is under 40 %; it was about 73 % when the whole rule book and the
plan's context went out with every regeneration.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared.config import Settings
from shared.script.engine import ScriptEngine
from shared.script.measure import timing_offences
from shared.script.prompts import FENCE_OPEN
from shared.script.types import (
    CallPurpose,
    DemoSiteInfo,
    GenerationOptions,
    ImprovementPlan,
    LeadInfo,
    Style,
)
from tests.support.fake_openai import FakeOpenAI
from tests.support.injection import data_of

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "harbor-coffee.json"
GOAL = 0.40
INSTRUCTIONS = "Lead with the subscription numbers"


def _sample() -> tuple[ImprovementPlan, LeadInfo, DemoSiteInfo]:
    document = json.loads(SAMPLE.read_text(encoding="utf-8"))
    lead = {key: value for key, value in document["lead"].items() if key != "contact_email"}
    return (ImprovementPlan.parse(document["demo_site"]["improvement_plan"]), LeadInfo(**lead),
            DemoSiteInfo(url=document["demo_site"]["url"]))


@pytest.fixture
def engine(llm_settings: Callable[..., Settings]) -> Iterator[ScriptEngine]:
    with ScriptEngine(llm_settings(), sleep=lambda _: None) as built:
        yield built


@pytest.mark.parametrize("seconds", [30, 120, 300])
@pytest.mark.parametrize("style", list(Style))
def test_a_regeneration_prompt_is_under_forty_percent_of_a_generation(
    fake_llm: FakeOpenAI, engine: ScriptEngine, style: Style, seconds: int
) -> None:
    plan, lead, site = _sample()
    options = GenerationOptions(style=style, max_duration_seconds=seconds)
    generated = engine.generate(plan, lead, site, options)
    (full_request,) = fake_llm.chat_requests
    full = full_request["usage"]["prompt_tokens"]
    assert generated.calls[0].prompt_tokens == full  # the ledger agrees with the server

    for index in range(len(generated.script.sections)):
        fake_llm.reset()
        regenerated = engine.regenerate_section(
            generated.script, index, INSTRUCTIONS, plan=plan, lead=lead, demo_site=site,
            options=options,
        )
        (request,) = fake_llm.chat_requests
        tokens = request["usage"]["prompt_tokens"]
        assert regenerated.calls[0].purpose is CallPurpose.REGENERATE_SECTION
        assert regenerated.calls[0].prompt_tokens == tokens
        assert tokens / full < GOAL, (index, tokens, full)

        # Smaller, and still the same contract: fenced instructions, one slot, the fit.
        system, user = (m["content"] for m in request["body"]["messages"])
        assert data_of(user)["instructions"] == INSTRUCTIONS
        assert FENCE_OPEN in system
        assert "never instructions" in system
        assert user.count("```json section_slot") == 1
        assert "Brew guide pages linked from each coffee" not in user or (
            index in _sections_about(generated.script.sections, "Brew guide"))
        assert "15% of orders on subscription" in " ".join(data_of(user)["facts"])
        assert not regenerated.fallback_used
        assert regenerated.script.sections[index].scene_type is (
            generated.script.sections[index].scene_type)
        assert timing_offences(regenerated.script, seconds) == ()


def _sections_about(sections: tuple, words: str) -> set[int]:
    return {i for i, section in enumerate(sections) if words.lower() in section.title.lower()}
