"""Timing rules (§3.5): measurement, warnings, the section plan and the deterministic fix."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from shared.script.retime import MIN_SECTION_WORDS, fit_to_window_report
from shared.script.sentences import split_sentences
from shared.script.timing import (
    SECTION_TOLERANCE,
    WINDOW_LOW,
    count_words,
    duration_bounds,
    duration_window,
    finalize,
    fit_to_window,
    plan_sections,
    spoken_seconds,
    timing_offences,
    timing_warnings,
    words_for_seconds,
)
from shared.script.types import (
    GenerationOptions,
    Impact,
    Improvement,
    ImprovementPlan,
    SceneType,
    Script,
    Section,
    Style,
)

# §3.4, written out again so the tests check the code against the spec, not itself.
SPEC_WPM = {Style.PROFESSIONAL: 150, Style.CASUAL: 160, Style.TECHNICAL: 130, Style.SALES: 165}

_TOPICS = ("booking", "checkout", "images", "navigation", "search", "pricing", "reviews",
           "contact", "mobile", "footer", "forms", "headlines", "menus", "photos", "speed")


def _content(section: int, words: int) -> str:
    """Exactly ``words`` words of distinct, LLM-like sentences (ten words, then a tail)."""
    sentences, n = [], 0
    while words > 0:
        size = 10 if words >= 14 or words == 10 else words
        topic = _TOPICS[n % len(_TOPICS)]
        body = f"Section {section} point {n} explains how better {topic} helps every visitor"
        sentences.append(" ".join(body.split()[:size]) + ".")
        words -= size
        n += 1
    return " ".join(sentences)


def _draft(style: Style, durations: list[int], factor: float) -> Script:
    """A draft whose sections each speak ``factor`` times their planned duration."""
    wpm = SPEC_WPM[style]
    scenes = [SceneType.INTRO, SceneType.PROBLEM, SceneType.SOLUTION, SceneType.DEMO,
              SceneType.CTA]
    sections = [
        Section(
            title=f"Part {index}",
            content=_content(index, max(1, round(duration * wpm / 60 * factor))),
            duration_seconds=duration,
            scene_type=scenes[index % len(scenes)],
        )
        for index, duration in enumerate(durations)
    ]
    return Script(style=style, sections=tuple(sections))


def _total_spoken(script: Script) -> float:
    return sum(spoken_seconds(section.content, script.style) for section in script.sections)


# --- measurement ------------------------------------------------------------------------


def test_constants_match_the_spec() -> None:
    assert SECTION_TOLERANCE == 0.15
    assert WINDOW_LOW == 0.90


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("Hello world", 2),
        ("Load time drops from 4.8 seconds to 1.9.", 8),
        ("Fast — really fast … and lazy-load images", 6),
        ("  spaced\n\tout   words ", 3),
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


@pytest.mark.parametrize("style", list(Style))
def test_spoken_seconds_is_words_over_wpm(style: Style) -> None:
    wpm = SPEC_WPM[style]
    assert spoken_seconds("word " * wpm, style) == pytest.approx(60.0)
    assert spoken_seconds("word " * 13, style) == pytest.approx(13 / wpm * 60)
    assert spoken_seconds("", style) == 0.0


def test_words_for_seconds_rounds_half_up() -> None:
    assert words_for_seconds(60, Style.PROFESSIONAL) == 150
    assert words_for_seconds(12, Style.TECHNICAL) == 26
    assert words_for_seconds(10, Style.SALES) == 28  # 27.5 words
    assert words_for_seconds(0, Style.CASUAL) == 0


def test_duration_window_examples() -> None:
    assert duration_window(120) == (108, 120)
    assert duration_window(30) == (27, 30)
    assert duration_window(300) == (270, 300)
    assert duration_window(31) == (28, 31)  # 27.9 rounds up


@pytest.mark.parametrize("target", range(30, 301))
def test_duration_window_is_exact_for_every_target(target: int) -> None:
    low, high = duration_window(target)
    assert low == (9 * target + 9) // 10  # integer ceil(0.9 × target), no float drift
    assert high == target


# --- warnings ---------------------------------------------------------------------------


def _section(title: str, words: int, duration: int) -> Section:
    return Section(title=title, content=" ".join(["word"] * words), duration_seconds=duration,
                   scene_type=SceneType.SOLUTION)


def test_timing_warnings_name_the_section_that_is_off() -> None:
    # Professional: 150 wpm, so 25 words are 10 s. Section 1 speaks 15 s in a 10 s slot.
    script = Script(
        style=Style.PROFESSIONAL,
        sections=(
            _section("Welcome", 25, 10),
            _section("Checkout fixes", 38, 10),
            _section("Next steps", 25, 10),
        ),
    )
    warnings = timing_warnings(script, 30)
    assert len(warnings) == 1
    assert "Section 1" in warnings[0]
    assert '"Checkout fixes"' in warnings[0]
    assert "longer" in warnings[0]


def test_timing_warnings_tolerance_edges() -> None:
    # 10 s at 150 wpm is 25 words; 15 % either way is 21.25 to 28.75 words.
    inside = [_section("A", 22, 10), _section("B", 28, 10), _section("C", 25, 10)]
    assert timing_warnings(Script(style=Style.PROFESSIONAL, sections=tuple(inside)), 30) == []
    outside = [_section("A", 21, 10), _section("B", 29, 10), _section("C", 25, 10)]
    warnings = timing_warnings(Script(style=Style.PROFESSIONAL, sections=tuple(outside)), 30)
    assert [w.split(":")[0] for w in warnings] == ['Section 0 "A"', 'Section 1 "B"']


def test_timing_warnings_flag_a_total_outside_the_window() -> None:
    script = Script(style=Style.PROFESSIONAL,
                    sections=(_section("A", 25, 10), _section("B", 25, 10)))
    warnings = timing_warnings(script, 30)
    assert len(warnings) == 1
    assert "20s" in warnings[0]
    assert "27-30s" in warnings[0]


def test_finalize_replaces_stale_warnings() -> None:
    good = Script(style=Style.PROFESSIONAL,
                  sections=(_section("A", 25, 10), _section("B", 25, 10), _section("C", 25, 9)),
                  validation_warnings=("stale",))
    assert finalize(good, 30).validation_warnings == ()
    bad = good.model_copy(update={"validation_warnings": ()})
    assert finalize(bad, 60).validation_warnings == tuple(timing_warnings(bad, 60))


# --- the section plan --------------------------------------------------------------------


def _plan(impacts: list[Impact | None], *, metrics: bool = False) -> ImprovementPlan:
    return ImprovementPlan(improvements=tuple(
        Improvement(title=f"Improvement {n}", impact=impact,
                    metrics={"before": "3 s", "after": "1 s"} if metrics else {})
        for n, impact in enumerate(impacts)
    ))


@pytest.mark.parametrize(("target", "expected"), [(30, 3), (60, 4), (120, 5), (300, 8)])
def test_section_count_scales_with_duration(target: int, expected: int) -> None:
    plan = _plan([Impact.HIGH, Impact.MEDIUM, Impact.LOW])
    slots = plan_sections(plan, GenerationOptions(max_duration_seconds=target))
    assert len(slots) == expected


def test_more_improvements_earn_more_sections() -> None:
    options = GenerationOptions(max_duration_seconds=120)
    few = plan_sections(_plan([Impact.HIGH] * 2), options)
    many = plan_sections(_plan([Impact.HIGH] * 12), options)
    assert len(many) > len(few)


@pytest.mark.parametrize("intro", [True, False])
@pytest.mark.parametrize("cta", [True, False])
@pytest.mark.parametrize("size", [0, 1, 4, 50])
@pytest.mark.parametrize("target", [30, 75, 120, 211, 300])
def test_plan_shape(intro: bool, cta: bool, size: int, target: int) -> None:
    plan = _plan([Impact.MEDIUM] * size, metrics=True)
    options = GenerationOptions(style=Style.CASUAL, max_duration_seconds=target,
                                include_intro=intro, include_cta=cta)
    slots = plan_sections(plan, options)
    scenes = [slot.scene_type for slot in slots]
    assert 3 <= len(slots) <= 8
    assert (scenes[0] is SceneType.INTRO) == intro
    assert (scenes[-1] is SceneType.CTA) == cta
    assert scenes.count(SceneType.INTRO) == int(intro)
    assert scenes.count(SceneType.CTA) == int(cta)
    low, high = duration_window(target)
    total = sum(slot.duration_seconds for slot in slots)
    assert low <= total <= high
    assert abs(total - 0.95 * target) <= 1
    assert [slot.index for slot in slots] == list(range(len(slots)))
    for slot in slots:
        assert slot.word_budget == words_for_seconds(slot.duration_seconds, Style.CASUAL)
        assert slot.title
    # An improvement is presented by at most one solution or feature section, and only
    # when it fits there whole (name and metrics); what does not fit is dropped, lowest
    # priority first (§5.5).
    groups = [slot for slot in slots if slot.scene_type in (SceneType.SOLUTION,
                                                            SceneType.FEATURE)]
    grouped = [i for slot in groups for i in slot.improvement_indexes]
    assert len(grouped) == len(set(grouped))
    assert grouped == sorted(grouped)  # equal impact: plan order
    assert grouped == list(range(len(grouped)))  # a prefix: the tail is what is dropped
    from shared.script.layout import item_costs

    costs = item_costs(plan, Style.CASUAL)
    for slot in groups:
        assert sum(costs[i] for i in slot.improvement_indexes) <= slot.word_budget
    if size and target >= 60:
        assert grouped, "a plan with improvements presents at least one"
    # Other sections only refer to improvements the script presents.
    for slot in slots:
        assert set(slot.improvement_indexes) <= set(grouped)


def test_high_impact_improvements_come_first() -> None:
    plan = _plan([Impact.LOW, None, Impact.HIGH, Impact.MEDIUM, Impact.HIGH])
    slots = plan_sections(plan, GenerationOptions(max_duration_seconds=300))
    grouped = [i for slot in slots if slot.scene_type in (SceneType.SOLUTION, SceneType.FEATURE)
               for i in slot.improvement_indexes]
    assert grouped == [2, 4, 1, 3, 0]
    solution = next(slot for slot in slots if slot.scene_type is SceneType.SOLUTION)
    assert solution.title == "Improvement 2"


def test_an_empty_plan_is_a_tour_of_the_demo() -> None:
    slots = plan_sections(ImprovementPlan(), GenerationOptions(max_duration_seconds=120))
    scenes = [slot.scene_type for slot in slots]
    assert scenes[0] is SceneType.INTRO
    assert scenes[-1] is SceneType.CTA
    assert SceneType.DEMO in scenes
    assert SceneType.PROBLEM not in scenes  # no problems were named: none are invented
    assert all(slot.improvement_indexes == () for slot in slots)


# --- deterministic correction -------------------------------------------------------------


_PLANNED = [14, 26, 32, 30, 14]  # a 116 s plan for a 120 s target


@pytest.mark.parametrize("style", list(Style))
def test_fit_to_window_trims_a_draft_forty_percent_too_long(style: Style) -> None:
    draft = _draft(style, _PLANNED, 1.4)
    assert _total_spoken(draft) > 150
    fixed = fit_to_window(draft, 120)
    low, high = duration_window(120)
    assert low <= fixed.total_duration_seconds <= high
    assert fixed.validation_warnings == ()
    assert timing_warnings(fixed, 120) == []
    assert _total_spoken(fixed) <= high + 1
    for before, after in zip(draft.sections, fixed.sections, strict=True):
        kept = split_sentences(after.content)
        original = split_sentences(before.content)
        assert kept[0] == original[0]  # a section keeps its opening sentence
        assert set(kept) <= set(original)  # whole sentences cut, never words
        assert kept == [s for s in original if s in kept]  # order preserved


@pytest.mark.parametrize("style", list(Style))
def test_fit_to_window_extends_a_draft_forty_percent_too_short(style: Style) -> None:
    draft = _draft(style, _PLANNED, 0.6)
    assert _total_spoken(draft) < 75
    fixed = fit_to_window(draft, 120)
    low, high = duration_window(120)
    assert low <= fixed.total_duration_seconds <= high
    assert fixed.validation_warnings == ()
    assert low - 1 <= _total_spoken(fixed) <= high + 1
    sentences = [s for section in fixed.sections for s in split_sentences(section.content)]
    assert len(sentences) == len(set(sentences))
    for before, after in zip(draft.sections, fixed.sections, strict=True):
        assert after.content.startswith(before.content)  # added after, never rewritten
    # The extra words are spread over the sections, not piled into one.
    grown = [count_words(a.content) - count_words(b.content)
             for a, b in zip(fixed.sections, draft.sections, strict=True)]
    assert sum(1 for words in grown if words > 0) >= 3


def test_fit_to_window_uses_the_given_filler() -> None:
    draft = _draft(Style.CASUAL, _PLANNED, 0.6)
    calls: list[tuple[int, int]] = []

    def filler(section: Section, words: int) -> str:
        calls.append((len(calls), words))
        return " ".join(f"Filler {len(calls)} sentence {n} keeps going nicely." for n in range(40))

    fixed = fit_to_window(draft, 120, filler=filler)
    assert calls
    assert "Filler 1 sentence 0 keeps going nicely." in " ".join(
        section.content for section in fixed.sections)
    assert fixed.validation_warnings == ()


def test_fit_to_window_retimes_durations_when_words_are_fine() -> None:
    # Right total length, but the durations are swapped between two sections.
    draft = _draft(Style.PROFESSIONAL, [30, 14, 32, 26, 14], 1.0)
    swapped = list(draft.sections)
    swapped[0] = swapped[0].model_copy(update={"duration_seconds": 14})
    swapped[1] = swapped[1].model_copy(update={"duration_seconds": 30})
    script = draft.model_copy(update={"sections": tuple(swapped)})
    assert timing_warnings(script, 120)
    fixed = fit_to_window(script, 120)
    assert fixed.validation_warnings == ()
    assert [s.content for s in fixed.sections] == [s.content for s in script.sections]


def test_fit_to_window_leaves_a_good_script_alone() -> None:
    draft = _draft(Style.SALES, _PLANNED, 1.0)
    assert timing_warnings(draft, 120) == []
    assert fit_to_window(draft, 120) == draft


@pytest.mark.parametrize("index", range(len(_PLANNED)))
@pytest.mark.parametrize("factor", [1.6, 0.3])
def test_fit_to_window_only_index_touches_one_section(index: int, factor: float) -> None:
    good = _draft(Style.TECHNICAL, _PLANNED, 1.0)
    wpm = SPEC_WPM[Style.TECHNICAL]
    # The regenerated section came back far too long or too short for its slot.
    words = max(10, round(_PLANNED[index] * wpm / 60 * factor))
    replaced = good.sections[index].model_copy(update={"content": _content(100 + index, words)})
    draft = good.model_copy(update={
        "sections": (*good.sections[:index], replaced, *good.sections[index + 1:])})
    assert timing_warnings(draft, 120)

    fixed = fit_to_window(draft, 120, only_index=index)

    for position, (before, after) in enumerate(zip(draft.sections, fixed.sections,
                                                  strict=True)):
        if position != index:
            assert after == before
            assert after.model_dump_json() == before.model_dump_json()
    low, high = duration_window(120)
    assert low <= fixed.total_duration_seconds <= high
    assert fixed.validation_warnings == ()


def test_fit_to_window_only_index_must_exist() -> None:
    with pytest.raises(IndexError):
        fit_to_window(_draft(Style.SALES, _PLANNED, 1.0), 120, only_index=5)


def test_fit_to_window_cuts_endless_sentences_at_word_level() -> None:
    # One unpunctuated 60-word run per section for a 30 s script (3x too long): there is
    # no sentence break to cut at, so each run is cut at a word and closed with a stop.
    runs = [" ".join(f"word{n}x{k}" for k in range(60)) for n in range(3)]
    sections = tuple(
        Section(title=f"S{n}", content=run, duration_seconds=10, scene_type=SceneType.SOLUTION)
        for n, run in enumerate(runs)
    )
    fixed = fit_to_window(Script(style=Style.PROFESSIONAL, sections=sections), 30)
    assert timing_offences(fixed, 30) == ()
    assert fixed.validation_warnings == ()
    for run, after in zip(runs, fixed.sections, strict=True):
        assert after.content.endswith(".")
        assert run.startswith(after.content[:-1])  # the opening, cut at a word boundary


def test_fit_to_window_cuts_at_a_clause_before_a_word() -> None:
    clause = "our checkout loses buyers at the payment step, "
    long_sentence = (clause * 8 + "and nobody notices").strip()
    sections = tuple(
        Section(title=f"S{n}", content=long_sentence, duration_seconds=10,
                scene_type=SceneType.SOLUTION)
        for n in range(3)
    )
    fixed = fit_to_window(Script(style=Style.CASUAL, sections=sections), 30)
    assert timing_offences(fixed, 30) == ()
    for after in fixed.sections:
        assert after.content.endswith("payment step.")  # at a comma, not mid-clause


def test_fit_to_window_never_ends_a_cut_on_a_dangling_word() -> None:
    text = " ".join(["the team adds a faster checkout for the buyers of the shop"] * 12)
    sections = tuple(
        Section(title=f"S{n}", content=text, duration_seconds=10, scene_type=SceneType.DEMO)
        for n in range(3)
    )
    fixed = fit_to_window(Script(style=Style.SALES, sections=sections), 30)
    assert timing_offences(fixed, 30) == ()
    for after in fixed.sections:
        last = after.content.rstrip(".").split()[-1]
        assert last not in {"the", "a", "for", "of", "and"}


def test_one_endless_section_is_cut_and_the_others_are_left_alone() -> None:
    good = _draft(Style.PROFESSIONAL, _PLANNED, 1.0)
    endless = " ".join(f"point{k}" for k in range(400)) + "."
    sections = list(good.sections)
    sections[2] = sections[2].model_copy(update={"content": endless})
    fixed = fit_to_window(good.model_copy(update={"sections": tuple(sections)}), 120)
    assert timing_offences(fixed, 120) == ()
    for position in (0, 1, 3, 4):
        assert fixed.sections[position].content == good.sections[position].content
    assert endless.startswith(fixed.sections[2].content[:-1])


def test_a_section_too_thin_to_time_is_filled() -> None:
    good = _draft(Style.TECHNICAL, _PLANNED, 1.0)
    sections = list(good.sections)
    sections[1] = sections[1].model_copy(update={"content": "Yes."})
    draft = good.model_copy(update={"sections": tuple(sections)})
    assert timing_offences(draft, 120)
    fixed = fit_to_window(draft, 120)
    assert timing_offences(fixed, 120) == ()
    assert fixed.sections[1].content.startswith("Yes.")
    assert count_words(fixed.sections[1].content) >= MIN_SECTION_WORDS


@pytest.mark.parametrize("style", list(Style))
def test_eight_words_always_have_an_honest_duration(style: Style) -> None:
    for words in range(MIN_SECTION_WORDS, 800):
        spoken = Fraction(words * 60, SPEC_WPM[style])
        low, high = duration_bounds(spoken)
        assert low <= high, words


def test_the_fit_report_says_what_it_did() -> None:
    runs = " ".join(f"w{k}" for k in range(200))
    sections = tuple(
        Section(title=f"S{n}", content=runs, duration_seconds=10, scene_type=SceneType.DEMO)
        for n in range(3)
    )
    report = fit_to_window_report(Script(style=Style.PROFESSIONAL, sections=sections), 30)
    assert report.applied
    assert report.words_changed
    assert report.cuts.get("word", 0) >= 3
    assert report.as_metadata()["applied"] is True
    untouched = fit_to_window_report(_draft(Style.SALES, _PLANNED, 1.0), 120)
    assert not untouched.applied
    assert untouched.cuts == {}


_WORD = st.sampled_from(
    ["checkout", "images", "faster", "the", "and", "buyers", "page", "of", "mobile", "trust",
     "search", "a", "for", "booking", "4.8", "reviews", "clear", "menu", "with", "phone"]
)
_PIECE = st.tuples(st.lists(_WORD, min_size=1, max_size=25),
                   st.sampled_from(["", ",", ";", " -", ".", "!", "?"]))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    style=st.sampled_from(list(Style)),
    target=st.integers(min_value=30, max_value=300),
    sections=st.lists(
        st.tuples(st.lists(_PIECE, min_size=1, max_size=40), st.integers(1, 120)),
        min_size=3, max_size=8,
    ),
)
def test_fit_to_window_always_meets_the_invariant(
    style: Style, target: int, sections: list[tuple[list[tuple[list[str], str]], int]]
) -> None:
    """Any draft, however punctuated, long or short, fits when the filler has material.

    (A filler that runs dry is the engine's problem: it falls back to the offline script.)
    """
    built = tuple(
        Section(
            title=f"S{n}",
            content=" ".join(" ".join(words) + mark for words, mark in pieces),
            duration_seconds=duration,
            scene_type=SceneType.FEATURE,
        )
        for n, (pieces, duration) in enumerate(sections)
    )
    # Eight sections of a 30 s script leave each one about 4 s: whole-second durations
    # cannot then stay within 15 % of every section's words. Scripts that crowded are
    # replaced by the offline script (see test_engine_adversarial); plans never are.
    assume(len(built) <= 3 + target // 40)
    fixed = fit_to_window(Script(style=style, sections=built), target, filler=_endless_filler)
    assert timing_offences(fixed, target) == ()


def _endless_filler(section: Section, words: int) -> str:
    count = max(1, words // 6 + 1)
    start = count_words(section.content)
    return " ".join(
        f"{section.title} detail number {start + n} matters here." for n in range(count)
    )


def test_fit_to_window_is_deterministic_and_pure() -> None:
    draft = _draft(Style.CASUAL, _PLANNED, 0.6)
    snapshot = draft.model_dump_json()
    first = fit_to_window(draft, 120)
    assert fit_to_window(draft, 120) == first
    assert draft.model_dump_json() == snapshot
    assert math.isclose(_total_spoken(draft), _total_spoken(_draft(Style.CASUAL, _PLANNED, 0.6)))


def test_regenerating_a_section_keeps_the_spoken_total_inside_the_window() -> None:
    # The other sections say 14 % more than their durations claim (within tolerance, so
    # they may stay), which leaves the regenerated section less room than the claimed
    # durations suggest: sized to the claims, the script would speak 132 s of a 120 s target.
    wpm = SPEC_WPM[Style.PROFESSIONAL]
    sections = []
    for index, duration in enumerate(_PLANNED):
        words = 200 if index == 2 else math.floor(duration * 1.14 * wpm / 60)
        sections.append(Section(title=f"Part {index}", content=_content(index, words),
                                duration_seconds=duration, scene_type=SceneType.FEATURE))
    draft = Script(style=Style.PROFESSIONAL, sections=tuple(sections))
    fixed = fit_to_window(draft, 120, only_index=2)
    assert timing_offences(fixed, 120) == ()
    assert _total_spoken(fixed) <= 120
    for position in (0, 1, 3, 4):
        assert fixed.sections[position].model_dump_json() == (
            draft.sections[position].model_dump_json())
