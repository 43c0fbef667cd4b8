"""Offline scripts a salesperson would send (§5.5), read the way a careful reviewer would.

Each test names the defect it guards against; the quoted sentences are what the engine
used to say about the sample plans.
"""

from __future__ import annotations

import itertools
import json
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.script.audit import (
    CLAIM_PATTERNS,
    audit,
    claims_in,
    invariant_ok,
    presented_items,
)
from shared.script.composer import number_words
from shared.script.directives import parse_directives, unmet_instructions
from shared.script.filler import _BY_SCENE, _GENERAL
from shared.script.glossary import TERMS, terms_in
from shared.script.grammar import is_instruction, noun_phrase
from shared.script.offline import compose_offline_script, compose_offline_section
from shared.script.phrasebook.model import all_templates, standalone_templates
from shared.script.sentences import inline, sentence_key, split_sentences
from shared.script.styles import style_guide
from shared.script.timing import fit_to_window, plan_sections, slot_for_section
from shared.script.types import (
    DemoSiteInfo,
    GenerationOptions,
    ImprovementPlan,
    LeadInfo,
    SceneType,
    Script,
    Style,
)
from tests.shared.script.conftest import EXAMPLE_NAMES, Example, load_example
from tests.shared.script.test_offline_properties import leads, plans

ROOT = Path(__file__).resolve().parents[3]
DURATIONS = (30, 60, 90, 120, 300)
_FIELD = re.compile(r"\{[A-Za-z]+\}")
# A line that opens by pointing back at something it does not name cannot stand alone.
_DANGLING = re.compile(
    r"^(?:this(?! (?:briefing|video))|that|these|those|it|its|it's|they|them|their|there|"
    r"then|and|but|so|also|both|the same|the figure|the change|the fix|the result|"
    r"the difference|each of these|"
    r"all of (?:this|it)|none of (?:this|it)|which)\b|\b(?:those|these) (?:moments|issues|"
    r"changes|fixes|improvements|recommendations|refinements|points)\b",
    re.IGNORECASE,
)


def _harbor() -> Example:
    document = json.loads((ROOT / "samples" / "harbor-coffee.json").read_text("utf-8"))
    lead = {key: value for key, value in document["lead"].items() if key != "contact_email"}
    return Example("harbor-coffee", ImprovementPlan.parse(document["demo_site"][
        "improvement_plan"]), LeadInfo(**lead), DemoSiteInfo(url=document["demo_site"]["url"]))


def _examples() -> list[Example]:
    return [_harbor(), *(load_example(name) for name in EXAMPLE_NAMES)]


def _script(example: Example, style: Style, seconds: int, **options: object) -> Script:
    return compose_offline_script(example.plan, example.lead, example.demo_site,
                                  GenerationOptions(style=style, max_duration_seconds=seconds,
                                                    **options))


def _spoken(script: Script) -> str:
    return " ".join(section.content for section in script.sections)


# --- the phrase banks ------------------------------------------------------------------------


@pytest.mark.parametrize("style", list(Style))
def test_phrase_banks_make_no_factual_claims(style: Style) -> None:
    # "Everything runs on commodity hosting." "Getting started takes fifteen minutes."
    # "This one alone could pay for the whole project." "This is a game changer."
    for template in all_templates(style_guide(style).phrases):
        assert claims_in(_FIELD.sub(" ", template)) == [], template


def test_the_default_filler_makes_no_factual_claims() -> None:
    for line in [*_GENERAL, *(line for lines in _BY_SCENE.values() for line in lines)]:
        assert claims_in(line) == [], line


@pytest.mark.parametrize("style", list(Style))
def test_lines_said_on_their_own_never_point_back(style: Style) -> None:
    # "For a business in outdoor retail, those moments carry real commercial weight."
    for template in standalone_templates(style_guide(style).phrases):
        for sentence in split_sentences(template):
            assert not _DANGLING.search(sentence), template


@pytest.mark.parametrize("style", [Style.PROFESSIONAL, Style.CASUAL, Style.SALES])
def test_non_technical_banks_carry_no_jargon(style: Style) -> None:
    for template in all_templates(style_guide(style).phrases):
        assert terms_in(template) == [], template


@pytest.mark.parametrize(
    "claim",
    ["Everything runs on commodity hosting.", "Getting started takes fifteen minutes.",
     "This one alone could pay for the whole project.", "This is a game changer.",
     "We'll have a launch plan ready in days.", "Thirty minutes is enough to agree."],
)
def test_the_claim_patterns_catch_the_promises_the_engine_used_to_make(claim: str) -> None:
    assert claims_in(claim), claim
    assert CLAIM_PATTERNS


# --- whole scripts -----------------------------------------------------------------------------


@pytest.mark.parametrize("style", list(Style))
def test_offline_scripts_pass_the_audit(style: Style) -> None:
    for example, seconds in itertools.product(_examples(), DURATIONS):
        script = _script(example, style, seconds)
        found = audit(script, seconds, example.plan, example.lead, example.demo_site)
        where = (example.name, style, seconds)
        assert found.invariant_ok, where
        assert found.metrics_spoken == found.metrics_expected, where
        assert found.repeated == (), where
        assert found.claims == (), where
        assert found.untitled_items == (), where


def _template_patterns(style: Style) -> list[re.Pattern[str]]:
    patterns = []
    sources = [*all_templates(style_guide(style).phrases),
               *(term.explanation for term in TERMS), "{Title}.", "{Change}.", "{Current}."]
    for template in sources:
        for sentence in split_sentences(template):
            parts = _FIELD.split(sentence)
            patterns.append(re.compile("(?:.+?)".join(re.escape(part) for part in parts),
                                       re.IGNORECASE))
    return patterns


@pytest.mark.parametrize("style", list(Style))
def test_every_sentence_comes_from_the_plan_or_the_bank(style: Style) -> None:
    patterns = _template_patterns(style)
    for example, seconds in itertools.product(_examples(), (30, 120, 300)):
        plan_sentences = {sentence_key(s) for item in example.plan.improvements
                          for s in split_sentences(item.description)}
        for sentence in split_sentences(_spoken(_script(example, style, seconds))):
            if sentence_key(sentence) in plan_sentences:
                continue
            assert any(p.fullmatch(sentence) for p in patterns), (example.name, sentence)


def test_every_metric_is_spoken_with_its_label_and_unit() -> None:
    # "The figure jumps from 4 to 15 percent of orders on subscription." lost the label;
    # "checkout 71 % → 48 %" was never spoken at 90 s.
    harbor = _spoken(_script(_harbor(), Style.SALES, 90))
    assert "the figure" not in harbor.lower()
    assert "share of orders on subscription jumps from 4 to 15 percent" in harbor
    northwind = load_example("northwind-outfitters")
    for style in Style:
        spoken = _spoken(_script(northwind, style, 90)).lower()
        assert "checkout abandonment" in spoken, style
        assert "from 71 to 48 percent" in spoken, style


def test_jargon_is_explained_or_avoided_outside_the_technical_style() -> None:
    # "LCP is 5.1 seconds" said to a coffee roaster.
    for style, seconds in itertools.product(Style, DURATIONS):
        script = _script(_harbor(), style, seconds)
        spoken = _spoken(script)
        if style is Style.TECHNICAL:
            continue
        assert "LCP" not in spoken
        for term in TERMS:
            first = next((i for i, section in enumerate(script.sections)
                          if term.pattern.search(section.content)), None)
            if first is None:
                continue
            section = script.sections[first].content
            where = term.pattern.search(section)
            assert where is not None
            assert term.explanation in section[where.start():], (style, seconds, term.name)
            assert spoken.count(term.explanation) == 1


def test_lists_are_noun_phrases() -> None:
    # "three fixes that stop the leaks: subscription toggle…, serve product photos as
    # WebP, and…": a verb phrase in a list of nouns.
    assert noun_phrase("Serve product photos as WebP") == "Serving product photos as WebP"
    assert noun_phrase("Compress and lazy-load product images") == (
        "Compressing and lazy-loading product images")
    assert noun_phrase("Clearer shipping cut-off banner") == "Clearer shipping cut-off banner"
    for example, style in itertools.product(_examples(), Style):
        script = _script(example, style, 300)
        instructions = [inline(item.title).lower() for item in example.plan.improvements
                        if is_instruction(item.title)]
        names = [inline(noun_phrase(item.title)).lower() for item in example.plan.improvements]
        for sentence in split_sentences(_spoken(script)):
            lowered = sentence.lower()
            if sum(name in lowered for name in names) >= 2:  # a list of items
                assert not any(form in lowered for form in instructions), sentence
        for section in script.sections:
            _, _, tail = section.title.partition(" and ")
            assert not is_instruction(tail), section.title


def test_titles_and_counts_match_what_is_said() -> None:
    # "…and 3 more fixes" over a section that spoke two; "three fixes" when the plan had
    # four; an intro count must equal the items the script presents.
    counted = re.compile(r"\b(\w+) (?:changes|recommendations|fixes)\b")
    numbers = {number_words(n): n for n in range(2, 21)}
    for example, style, seconds in itertools.product(_examples(), Style, DURATIONS):
        script = _script(example, style, seconds)
        presented = presented_items(example.plan, script)
        for word in counted.findall(_spoken(script)):
            if word in numbers:
                assert numbers[word] == len(presented), (example.name, style, seconds, word)
        for section in script.sections:
            if section.scene_type not in (SceneType.SOLUTION, SceneType.FEATURE):
                continue
            match = re.search(r" and (\d+) more fixes$", section.title)
            if match:
                said = sum(inline(example.plan.improvements[i].title).lower()
                           in section.content.lower() for i in presented)
                assert said == int(match.group(1)) + 1, section


def test_items_that_do_not_fit_are_dropped_whole_in_priority_order() -> None:
    harbor = _harbor()
    for style in Style:
        script = _script(harbor, style, 30)
        presented = presented_items(harbor.plan, script)
        # The top item (high impact, first in the plan) is said, with its metric.
        assert presented, style
        assert presented[0] == 0, style
        slots = plan_sections(harbor.plan, GenerationOptions(style=style,
                                                             max_duration_seconds=30))
        grouped = {i for slot in slots if slot.scene_type in (SceneType.SOLUTION,
                                                               SceneType.FEATURE)
                   for i in slot.improvement_indexes}
        # Nothing is named that the script does not present (never announced, then cut).
        assert set(presented) == grouped, style


def test_no_sentence_is_said_twice() -> None:
    for example, style, seconds in itertools.product(_examples(), Style, DURATIONS):
        keys = [sentence_key(s) for s in split_sentences(_spoken(_script(example, style,
                                                                           seconds)))]
        assert len(keys) == len(set(keys)), (example.name, style, seconds)
        # Nor the strategy twice in other words ("In a nutshell: …" then "The big idea: …").
        strategy = inline(split_sentences(example.plan.overall_strategy)[0]).lower()
        spoken = _spoken(_script(example, style, seconds)).lower()
        assert spoken.count(strategy) <= 1, (example.name, style, seconds)


def test_section_contents_have_no_unfilled_fields() -> None:
    for example, style in itertools.product(_examples(), Style):
        spoken = _spoken(_script(example, style, 120))
        assert not any(char in spoken for char in "{}"), (example.name, style)
        assert set(spoken) - set(string.printable) <= set("’—–…éóíáñüöäçłśżźćńęą→×")


# --- regenerating a section offline ----------------------------------------------------------


def _regenerate(example: Example, style: Style, seconds: int, index: int, instructions: str
                ) -> tuple[Script, Script, list[str]]:
    options = GenerationOptions(style=style, max_duration_seconds=seconds)
    script = compose_offline_script(example.plan, example.lead, example.demo_site, options)
    current = script.sections[index]
    slot = slot_for_section(example.plan, style, index, current.scene_type, current.title,
                            current.duration_seconds, current.content)
    others = [s.content for i, s in enumerate(script.sections) if i != index]
    section = compose_offline_section(example.plan, example.lead, example.demo_site, options,
                                      slot, instructions=instructions, avoid=others)
    replaced = (*script.sections[:index], section, *script.sections[index + 1:])
    new = fit_to_window(script.model_copy(update={"sections": replaced}), seconds,
                        only_index=index)
    site = example.demo_site.url.split("//", 1)[-1].removeprefix("www.").rstrip("/")
    return script, new, unmet_instructions(instructions, example.plan, current,
                                           new.sections[index], site)


def test_lead_with_the_checkout_numbers() -> None:
    # It used to return an unrelated images section padded with "This is a game changer."
    northwind = load_example("northwind-outfitters")
    for style in Style:
        before, after, warnings = _regenerate(northwind, style, 90, 2,
                                              "Lead with the checkout numbers")
        section = after.sections[2]
        first = split_sentences(section.content)[0].lower()
        assert "checkout abandonment" in first, (style, section.content)
        assert "71" in first, (style, section.content)
        assert section.title.startswith("One-page checkout"), section.title
        assert warnings == [], warnings
        assert after.sections[:2] == before.sections[:2]
        assert after.sections[3:] == before.sections[3:]


def test_instructions_the_offline_engine_cannot_follow_are_reported() -> None:
    harbor = _harbor()
    _, _, warnings = _regenerate(harbor, Style.SALES, 90, 2,
                                 "Lead with the checkout numbers. Add a joke.")
    text = " ".join(warnings)
    assert "Lead with the checkout numbers" in text  # the plan has no checkout item
    assert "Add a joke" in text
    _, after, warnings = _regenerate(harbor, Style.CASUAL, 120, 3,
                                     "Mention the shipping cut-off banner")
    assert "shipping cut-off banner" in after.sections[3].content
    assert warnings == []


def test_order_and_length_instructions() -> None:
    harbor = _harbor()
    before, after, warnings = _regenerate(harbor, Style.PROFESSIONAL, 120, 3,
                                          "Make it longer and end with the brew guides")
    old, new = before.sections[3].content, after.sections[3].content
    assert "brew guide pages linked from each coffee" in " ".join(split_sentences(new)[-3:])
    assert len(new.split()) > len(old.split()) or any("longer" in w for w in warnings)
    before, after, warnings = _regenerate(harbor, Style.TECHNICAL, 300, 2, "Shorter, please")
    assert len(after.sections[2].content.split()) < len(before.sections[2].content.split()) or (
        any("shorter" in w for w in warnings))


def test_directives_are_parsed_per_clause() -> None:
    plan = load_example("northwind-outfitters").plan
    directives = parse_directives(
        "Lead with the checkout numbers, then mention the size guide; make it shorter. "
        "Use a warmer tone.", plan)
    assert directives.lead == (1,)
    assert directives.numbers_first == {1}
    assert directives.mention == (2,)
    assert directives.length < 1
    assert [clause for clause, _ in directives.unsupported] == ["Use a warmer tone"]
    assert parse_directives("Focus on the numbers", plan).unsupported == ()


_INSTRUCTIONS = ("Lead with the numbers", "Make it shorter", "Make it longer and mention booking",
                 "End with the next step", "Lead with the checkout numbers, then mention the "
                 "images. Add a joke.", "Start with search and end with the demo link", "x")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(), lead=leads, style=st.sampled_from(list(Style)),
       seconds=st.integers(30, 300), index=st.integers(0, 7),
       instructions=st.sampled_from(_INSTRUCTIONS))
def test_an_offline_regeneration_keeps_the_spoken_window(
    plan: ImprovementPlan, lead: LeadInfo, style: Style, seconds: int, index: int,
    instructions: str,
) -> None:
    # A "shorter" section once took a 30 s script below 90 % of its target (26.8 s said).
    site = DemoSiteInfo(url="https://demo.example.app")
    options = GenerationOptions(style=style, max_duration_seconds=seconds)
    script = compose_offline_script(plan, lead, site, options)
    index %= len(script.sections)
    current = script.sections[index]
    slot = slot_for_section(plan, style, index, current.scene_type, current.title,
                            current.duration_seconds, current.content)
    others = [s.content for i, s in enumerate(script.sections) if i != index]
    section = compose_offline_section(plan, lead, site, options, slot,
                                      instructions=instructions, avoid=others)
    replaced = (*script.sections[:index], section, *script.sections[index + 1:])
    new = fit_to_window(script.model_copy(update={"sections": replaced}), seconds,
                        only_index=index)
    assert invariant_ok(new, seconds)
    assert isinstance(unmet_instructions(instructions, plan, current, new.sections[index],
                                         "demo.example.app"), list)


def test_a_shorter_regeneration_of_a_short_script_stays_inside_the_window() -> None:
    # Asked to be shorter, the middle of a 30 s script once came back at 37 words: the
    # script then said 26.8 s, under 90 % of its target, and could not be stored.
    for style in Style:
        _, after, _ = _regenerate(_harbor(), style, 30, 1,
                                       "Lead with the numbers and make it shorter. Add a joke.")
        assert invariant_ok(after, 30), style


def test_the_contact_is_greeted_by_the_name_part_of_the_field() -> None:
    # "Hi Robert');!" was the greeting for a contact field carrying SQL.
    lead = LeadInfo(company_name="Acme", contact_name="Robert'); DROP TABLE leads;--")
    script = compose_offline_script(ImprovementPlan(), lead, DemoSiteInfo(
        url="https://acme-demo.example.app"), GenerationOptions(style=Style.CASUAL))
    assert "Robert'" not in _spoken(script)
    assert "DROP" not in _spoken(script)
