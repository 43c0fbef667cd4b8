"""§5.6, §11: untrusted text reaches the LLM only as fenced data and is never spoken.

Each injection string of :mod:`tests.support.injection` is put in one lead or plan field
(or the custom instructions) and run through the real engine, the real ``openai`` client
and HTTP to the local server. Checked on the EXACT prompts the server received: outside
the one data line no marker of the string appears, the markers occur exactly once each and
only on their own lines, and the decoded data holds the string with one-line fields
collapsed. Checked on the stored script (offline engine and fallback path): no marker is
spoken or shown, and no text has a newline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.config import Settings
from shared.script.audit import audit
from shared.script.engine import ScriptEngine
from shared.script.measure import timing_offences
from shared.script.offline import compose_offline_script
from shared.script.prompts import FENCE_CLOSE, FENCE_OPEN
from shared.script.types import (
    CallPurpose,
    DemoSiteInfo,
    GeneratedScript,
    GenerationOptions,
    ImprovementPlan,
    LeadInfo,
    Script,
    Style,
)
from shared.script.untrusted import one_line, reads_as_instruction
from tests.support.fake_openai import FakeOpenAI
from tests.support.injection import INJECTIONS, data_of, leaked, outside_fence

ROOT = Path(__file__).resolve().parents[3]
SITE = DemoSiteInfo(url="https://acme-demo.example.app")
FIELDS = ("company_name", "industry", "website_url", "title", "description", "category",
          "metric", "strategy", "custom_instructions")


def _plan(**item: Any) -> dict[str, Any]:
    return {
        "overall_strategy": "Make booking effortless.",
        "improvements": [
            {"title": "Faster checkout", "category": "conversion", "impact": "high",
             "description": "Buyers leave at the account step. Guest checkout fixes it.",
             "metrics": {"abandonment": "64% to 41%"}, **item},
            {"title": "Mobile menu", "category": "ux", "impact": "medium",
             "description": "The menu hides the booking link on phones."},
        ],
    }


def _inputs(field: str, text: str) -> tuple[ImprovementPlan, LeadInfo, GenerationOptions]:
    lead: dict[str, Any] = {"company_name": "Acme Dental", "industry": "healthcare",
                            "website_url": "https://acme.example", "value": 12000}
    plan = _plan()
    options: dict[str, Any] = {"style": Style.PROFESSIONAL, "max_duration_seconds": 90}
    if field in ("company_name", "industry", "website_url"):
        lead[field] = text
    elif field in ("title", "description", "category"):
        plan = _plan(**{field: text})
    elif field == "metric":
        plan = _plan(metrics={"abandonment": text[:100], text[:50]: "64% to 41%"})
    elif field == "strategy":
        plan = {**plan, "overall_strategy": text}
    else:
        options["custom_instructions"] = text
    return ImprovementPlan.parse(plan), LeadInfo(**lead), GenerationOptions(**options)


@pytest.fixture
def engine(llm_settings: Callable[..., Settings]) -> Iterator[ScriptEngine]:
    with ScriptEngine(llm_settings(), sleep=lambda _: None) as built:
        yield built


def _check_prompts(fake_llm: FakeOpenAI, text: str) -> list[dict[str, Any]]:
    """Every request the server got keeps ``text`` inside the one fenced data line."""
    requests = fake_llm.chat_requests
    assert requests
    documents = []
    for request in requests:
        for message in request["body"]["messages"]:
            if message["role"] == "assistant":
                continue  # the model's own reply, replayed for a repair
            content = message["content"]
            assert not leaked(outside_fence(content)), (message["role"], content)
            if message["role"] == "system":
                assert content.count(FENCE_OPEN) == 1  # named once, in the rules
                continue
            lines = content.split("\n")
            # The markers cannot be forged: each is one whole line, exactly once.
            if lines.count(FENCE_OPEN):
                assert content.count(FENCE_OPEN) == lines.count(FENCE_OPEN) == 1
                assert content.count(FENCE_CLOSE) == lines.count(FENCE_CLOSE) == 1
                assert lines.index(FENCE_CLOSE) == lines.index(FENCE_OPEN) + 2
                documents.append(data_of(content))
            else:  # a repair's follow-up names the error, never the data
                assert "UNTRUSTED" not in content.upper()
    return documents


def _one_line_values(document: dict[str, Any]) -> list[str]:
    values = [document.get(key) for key in ("company_name", "industry", "website_url",
                                            "demo_site_url", "title")]
    values += document.get("section_titles") or []
    for item in document.get("improvements") or []:
        values += [item.get("title"), item.get("category")]
        for key, value in (item.get("metrics") or {}).items():
            values += [key, value]
    return [value for value in values if isinstance(value, str)]


def _check_script(script: Script) -> None:
    for section in script.sections:
        for text in (section.title, section.content, section.camera_instructions,
                     *section.visual_cues):
            assert "\n" not in text, text
            assert "\r" not in text, text
            assert not leaked(text), text
            assert not reads_as_instruction(text), text
    for text in (script.target_audience or "", *script.key_messages):
        assert not leaked(text), text


@pytest.mark.parametrize("name", sorted(INJECTIONS))
@pytest.mark.parametrize("field", FIELDS)
def test_a_full_generation_sends_untrusted_text_only_as_fenced_data(
    fake_llm: FakeOpenAI, engine: ScriptEngine, field: str, name: str
) -> None:
    text = INJECTIONS[name]
    plan, lead, options = _inputs(field, text)
    generated = engine.generate(plan, lead, SITE, options)

    (document,) = _check_prompts(fake_llm, text)
    for value in _one_line_values(document):
        assert value == one_line(value), value  # newlines and controls collapsed
    sent = json.dumps(document, ensure_ascii=False)
    assert json.dumps(one_line(text)[:50], ensure_ascii=False)[1:-1] in sent or (
        json.dumps(text.strip()[:20], ensure_ascii=False)[1:-1] in sent)
    assert not generated.fallback_used
    assert timing_offences(generated.script, options.max_duration_seconds) == ()


@pytest.mark.parametrize("name", sorted(INJECTIONS))
@pytest.mark.parametrize("field", ["company_name", "title", "description",
                                   "custom_instructions"])
def test_a_section_regeneration_sends_untrusted_text_only_as_fenced_data(
    fake_llm: FakeOpenAI, engine: ScriptEngine, field: str, name: str
) -> None:
    text = INJECTIONS[name]
    plan, lead, options = _inputs(field, text)
    generated = engine.generate(plan, lead, SITE, options)
    for index in range(len(generated.script.sections)):
        fake_llm.reset()
        regenerated = engine.regenerate_section(
            generated.script, index, f"Stress the checkout. {text}", plan=plan, lead=lead,
            demo_site=SITE, options=options,
        )
        (document,) = _check_prompts(fake_llm, text)
        assert "Stress the checkout." in document["instructions"]
        assert regenerated.calls[0].purpose is CallPurpose.REGENERATE_SECTION


@pytest.mark.parametrize("reply_mode", ["malformed", "x5"])
@pytest.mark.parametrize("name", sorted(INJECTIONS))
def test_repairs_timing_fixes_and_the_fallback_keep_untrusted_text_fenced_and_unspoken(
    fake_llm: FakeOpenAI, engine: ScriptEngine, name: str, reply_mode: str
) -> None:
    """A broken reply is repaired, a long one is cut by a timing-fix call, and when the
    model never gets it right the offline engine writes the script: all with the string
    in the company name, a title, a description and the instructions at once."""
    text = INJECTIONS[name]
    plan = ImprovementPlan.parse(_plan(title=text, description=f"Guest checkout. {text}"))
    lead = LeadInfo(company_name=text, industry=text, website_url="https://acme.example")
    options = GenerationOptions(max_duration_seconds=90, custom_instructions=text)
    fake_llm.configure(reply_mode=reply_mode)
    generated = engine.generate(plan, lead, SITE, options)

    _check_prompts(fake_llm, text)
    purposes = {call.purpose for call in generated.calls}
    assert (CallPurpose.REPAIR if reply_mode == "malformed" else CallPurpose.TIMING_FIX) in (
        purposes)
    if generated.fallback_used:
        _check_script(generated.script)
    assert timing_offences(generated.script, 90) == ()


@pytest.mark.parametrize("name", sorted(INJECTIONS))
@pytest.mark.parametrize("style", list(Style))
def test_the_offline_engine_never_speaks_an_instruction_or_a_newline(
    name: str, style: Style
) -> None:
    text = INJECTIONS[name]
    plan = ImprovementPlan.parse({
        "overall_strategy": f"{text} Make booking effortless.",
        "improvements": [
            {"title": text, "category": "performance", "impact": "high",
             "description": f"Pages take 4.8 seconds to load. {text}",
             "metrics": {"load time": text[:100], "speed": "4.8 s to 1.9 s"}},
            {"title": "Guest checkout", "category": text[:100], "impact": "medium",
             "description": "Buyers must create an account before paying."},
        ],
    })
    lead = LeadInfo(company_name=text, industry=text, website_url="https://acme.example",
                    contact_name=text)
    options = GenerationOptions(style=style, max_duration_seconds=120,
                                custom_instructions=text)
    script = compose_offline_script(plan, lead, SITE, options)

    _check_script(script)
    assert timing_offences(script, 120) == ()
    assert script == compose_offline_script(plan, lead, SITE, options)  # deterministic
    spoken = " ".join(section.content for section in script.sections)
    assert "4.8 seconds" in spoken or "4.8 s" in spoken  # the clean facts are still said


def test_a_company_name_that_is_an_instruction_becomes_a_neutral_address() -> None:
    plan = ImprovementPlan.parse(_plan())
    site_lead = LeadInfo(company_name=INJECTIONS["ignore"], website_url="https://www.acme.example")
    bare_lead = LeadInfo(company_name=INJECTIONS["ignore"])
    options = GenerationOptions(max_duration_seconds=60)
    with_site = " ".join(s.content for s in compose_offline_script(
        plan, site_lead, SITE, options).sections)
    without = " ".join(s.content for s in compose_offline_script(
        plan, bare_lead, SITE, options).sections)
    assert "acme.example" in with_site
    assert "Ignore" not in with_site
    assert "your company" in without.lower()


def test_the_bench_injection_plan_is_spoken_clean_through_the_fallback(
    fake_llm: FakeOpenAI, engine: ScriptEngine
) -> None:
    document = json.loads((ROOT / "bench" / "quality_plans" / "prompt-injection.json")
                          .read_text(encoding="utf-8"))
    plan = ImprovementPlan.parse(document["demo_site"]["improvement_plan"])
    lead = LeadInfo(**document["lead"])
    site = DemoSiteInfo(url=document["demo_site"]["url"])
    fake_llm.configure(reply_mode="malformed")
    generated: GeneratedScript = engine.generate(plan, lead, site, GenerationOptions())
    assert generated.fallback_used
    _check_script(generated.script)
    spoken = " ".join(section.content for section in generated.script.sections).lower()
    for phrase in ("poem", "free hosting", "300%", "french", "pwned", "drop table"):
        assert phrase not in spoken
    _check_prompts(fake_llm, "")


@pytest.mark.parametrize("style", list(Style))
def test_an_offline_regeneration_keeps_talking_about_an_item_whose_title_was_neutralised(
    make_settings: Callable[..., Settings], style: Style
) -> None:
    """The stored title is the neutral stand-in, so the section's slot must be found by it:
    otherwise the rewrite says nothing of its item under a title that announces it."""
    plan = ImprovementPlan.parse(_plan(title=INJECTIONS["ignore"]))
    lead = LeadInfo(company_name="Acme Dental", website_url="https://acme.example")
    options = GenerationOptions(style=style, max_duration_seconds=120)
    with ScriptEngine(make_settings()) as offline_engine:
        script = offline_engine.generate(plan, lead, SITE, options).script
        for index, section in enumerate(script.sections):
            regenerated = offline_engine.regenerate_section(
                script, index, "Make it shorter", plan=plan, lead=lead, demo_site=SITE,
                options=options,
            ).script
            found = audit(regenerated, 120, plan, lead, SITE)
            assert found.untitled_items == (), (section.title, found.untitled_items)
            _check_script(regenerated)
