"""Property: whatever the plan, the offline script validates like an LLM script (§5.5).

Plans are generated with 0-50 improvements whose titles, descriptions and metrics range
from plausible to odd (punctuation, accents, long titles, unparseable metrics), over every
style, duration and intro/CTA combination.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.script.offline import compose_offline_script
from shared.script.sentences import sentence_key, split_sentences
from shared.script.timing import (
    count_words,
    duration_window,
    plan_sections,
    timing_offences,
    timing_warnings,
)
from shared.script.types import (
    DemoSiteInfo,
    GenerationOptions,
    Impact,
    Improvement,
    ImprovementPlan,
    LeadInfo,
    SceneType,
    Style,
)

_WORDS = ("booking", "checkout", "images", "mobile", "layout", "speed", "search", "trust",
          "pricing", "hero", "menu", "footer", "reviews", "SEO", "API", "Wójcik", "café")
# No braces: the generated text must not be mistaken for an unfilled template field.
_ODD = string.ascii_letters + string.digits + " .,;:!?'-()/&%$é"

word = st.one_of(st.sampled_from(_WORDS), st.text(alphabet=string.ascii_letters, min_size=1,
                                                   max_size=12))
phrase = st.lists(word, min_size=1, max_size=10).map(" ".join)
odd = st.text(alphabet=_ODD, min_size=1, max_size=60).filter(lambda text: text.strip())
title = st.one_of(phrase, phrase.map(str.capitalize), odd,
                  st.lists(word, min_size=20, max_size=30).map(" ".join).map(lambda t: t[:200]))
sentence = phrase.map(lambda text: text.capitalize() + ".")
description = st.one_of(st.just(""), st.lists(sentence, max_size=5).map(" ".join), odd)
metric_value = st.one_of(
    st.builds(lambda n, unit, label: f"{n}{unit} {label}".strip(),
              st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 1)),
              st.sampled_from(["", "%", " s", "s", "ms", "x"]), phrase),
    odd,
)
metrics = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"before": metric_value, "after": metric_value}),
    st.dictionaries(st.sampled_from(["before", "after", "lcp_before", "lcp_after", "note"]),
                    metric_value, max_size=3),
)
improvement = st.builds(
    Improvement,
    title=title,
    description=description,
    category=st.one_of(st.none(), st.sampled_from(["performance", "ux", "seo", "conversion",
                                                   "trust", "messaging", "misc"]), odd),
    impact=st.one_of(st.none(), st.sampled_from(list(Impact))),
    metrics=metrics,
)


@st.composite
def plans(draw: st.DrawFn) -> ImprovementPlan:
    size = draw(st.one_of(st.integers(0, 6), st.integers(7, 50)))
    return ImprovementPlan(
        overall_strategy=draw(st.one_of(st.just(""), phrase, odd)),
        improvements=tuple(draw(st.lists(improvement, min_size=size, max_size=size))),
    )


leads = st.builds(
    LeadInfo,
    company_name=st.one_of(st.sampled_from(["Bright Smile Dental", "Ledgerline", "Acme Co"]),
                           odd),
    industry=st.one_of(st.none(), st.sampled_from(["retail (e-commerce)", "local healthcare"])),
    contact_name=st.one_of(st.none(), st.sampled_from(["Dana Ruiz", "Dr. Tomasz Wójcik"])),
)
options = st.builds(
    GenerationOptions,
    style=st.sampled_from(list(Style)),
    max_duration_seconds=st.integers(30, 300),
    include_intro=st.booleans(),
    include_cta=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(plan=plans(), lead=leads, options=options)
def test_offline_scripts_always_validate(
    plan: ImprovementPlan, lead: LeadInfo, options: GenerationOptions
) -> None:
    demo = DemoSiteInfo(url="https://demo.example.app/")
    script = compose_offline_script(plan, lead, demo, options)
    target = options.max_duration_seconds

    low, high = duration_window(target)
    assert low <= script.total_duration_seconds <= high
    assert script.validation_warnings == ()
    assert timing_warnings(script, target) == []
    assert timing_offences(script, target) == ()  # §3.5: what is said fits

    scenes = [section.scene_type for section in script.sections]
    assert 3 <= len(scenes) <= 8
    assert (scenes[0] is SceneType.INTRO) == options.include_intro
    assert (scenes[-1] is SceneType.CTA) == options.include_cta
    assert scenes.count(SceneType.INTRO) == int(options.include_intro)
    assert scenes.count(SceneType.CTA) == int(options.include_cta)

    slots = plan_sections(plan, options)
    assert len(slots) == len(script.sections)
    for slot, section in zip(slots, script.sections, strict=True):
        words = count_words(section.content)
        # The fit to the spoken window (§3.5) may drop a sentence and move a second or two.
        assert abs(words - slot.word_budget) <= max(8, 0.25 * slot.word_budget), (slot, words)
        assert abs(section.duration_seconds - slot.duration_seconds) <= max(
            2, 0.15 * slot.duration_seconds)
        assert "{" not in section.content

    keys = [sentence_key(s) for section in script.sections
            for s in split_sentences(section.content)]
    assert len(keys) == len(set(keys))

    assert compose_offline_script(plan, lead, demo, options) == script


# Hypothesis found the sales phrase bank too short for a long script about an empty plan
# (661 words where 268 s at 165 wpm needs at least 664): it is checked here on purpose,
# at every length where a plan with no items has the most room to fill.
@pytest.mark.parametrize("style", list(Style))
def test_an_empty_plan_fills_every_long_script_with_what_can_be_said(style: Style) -> None:
    plan = ImprovementPlan.parse({"overall_strategy": "", "improvements": []})
    lead = LeadInfo(company_name="Bright Smile Dental")
    demo = DemoSiteInfo(url="https://demo.example.app/")
    for seconds in [*range(30, 240, 15), *range(240, 301)]:
        for framed in (False, True):
            options = GenerationOptions(style=style, max_duration_seconds=seconds,
                                        include_intro=framed, include_cta=framed)
            script = compose_offline_script(plan, lead, demo, options)
            assert timing_offences(script, seconds) == (), (seconds, framed)
