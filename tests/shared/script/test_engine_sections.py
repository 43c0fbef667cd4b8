"""Section regeneration (§3.6): one section rewritten, every other one byte-identical."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from shared.config import Settings
from shared.script.engine import ScriptEngine
from shared.script.timing import duration_window
from shared.script.types import CallOutcome, CallPurpose, GeneratedScript, Script, Tier
from tests.shared.script.test_engine import OPTIONS, PLAN, SITE, lead
from tests.support.fake_openai import FakeOpenAI

INSTRUCTIONS = "Mention the free returns policy"


@pytest.fixture
def original(make_settings: Callable[..., Settings]) -> Script:
    with ScriptEngine(make_settings()) as engine:
        return engine.generate(PLAN, lead(), SITE, OPTIONS).script


@pytest.fixture
def engine(llm_settings: Callable[..., Settings]) -> Iterator[ScriptEngine]:
    with ScriptEngine(llm_settings(), sleep=lambda _: None) as engine:
        yield engine


def regenerate(engine: ScriptEngine, script: Script, index: int) -> GeneratedScript:
    return engine.regenerate_section(
        script, index, INSTRUCTIONS, plan=PLAN, lead=lead(), demo_site=SITE, options=OPTIONS
    )


def assert_only_section_changed(before: Script, after: Script, index: int) -> None:
    assert len(after.sections) == len(before.sections)
    for i, (old, new) in enumerate(zip(before.sections, after.sections, strict=True)):
        if i != index:
            assert new.model_dump_json() == old.model_dump_json()
    assert after.sections[index].scene_type is before.sections[index].scene_type
    low, high = duration_window(OPTIONS.max_duration_seconds)
    assert low <= after.total_duration_seconds <= high


@pytest.mark.parametrize("index", [0, 2, -1])
def test_the_llm_rewrites_one_section_only(
    fake_llm: FakeOpenAI, engine: ScriptEngine, original: Script, index: int
) -> None:
    index %= len(original.sections)
    generated = regenerate(engine, original, index)

    assert_only_section_changed(original, generated.script, index)
    assert generated.script.sections[index] != original.sections[index]
    assert [(c.purpose, c.outcome) for c in generated.calls] == [
        (CallPurpose.REGENERATE_SECTION, CallOutcome.SUCCESS)
    ]
    assert (generated.tier, generated.fallback_used) == (Tier.MID, False)
    assert generated.metadata["section_index"] == index
    (request,) = fake_llm.chat_requests
    prompt = request["body"]["messages"][-1]["content"]
    assert INSTRUCTIONS in prompt
    assert "section_plan" not in prompt


@pytest.mark.parametrize("fault", ["too_long", "too_short"])
def test_a_mis_sized_section_is_fitted_without_touching_the_others(
    fake_llm: FakeOpenAI, engine: ScriptEngine, original: Script, fault: str
) -> None:
    fake_llm.push_faults(fault)
    generated = regenerate(engine, original, 1)
    assert_only_section_changed(original, generated.script, 1)


def test_a_failed_llm_gives_an_offline_section(
    fake_llm: FakeOpenAI, engine: ScriptEngine, original: Script
) -> None:
    fake_llm.push_faults("401")
    generated = regenerate(engine, original, 1)
    assert_only_section_changed(original, generated.script, 1)
    assert (generated.model_used, generated.fallback_used) == ("offline", True)
    assert (generated.fallback_reason or "").startswith("misconfiguration")


def test_a_bad_section_reply_is_repaired(
    fake_llm: FakeOpenAI, engine: ScriptEngine, original: Script
) -> None:
    fake_llm.push_faults("malformed")
    generated = regenerate(engine, original, 1)
    assert [c.purpose for c in generated.calls] == [
        CallPurpose.REGENERATE_SECTION, CallPurpose.REPAIR,
    ]
    assert_only_section_changed(original, generated.script, 1)
    assert not generated.fallback_used


def test_without_a_key_the_offline_composer_rewrites_it(
    fake_llm: FakeOpenAI, make_settings: Callable[..., Settings], original: Script
) -> None:
    with ScriptEngine(make_settings()) as engine:
        generated = regenerate(engine, original, 2)
    assert_only_section_changed(original, generated.script, 2)
    assert (generated.model_used, generated.fallback_used, generated.calls) == (
        "offline", False, (),
    )
    assert fake_llm.requests == []
