"""The offline engine (§5.5): a complete, validated script from the improvement plan alone.

It is the embedded default when no LLM is configured and the fallback when every model
fails, so it must be good enough to send: personal (company, contact, industry, demo
URL), specific (the plan's own titles, descriptions and metrics), in the requested style,
and timed like an LLM script. It is deterministic: the same request gives the same script.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import replace
from fractions import Fraction

from shared.script.composer import (
    Context,
    Line,
    Memory,
    build_context,
    select,
    title_values,
    word_band,
)
from shared.script.directives import CTA, Directives, parse_directives
from shared.script.glossary import TERMS, explains, terms_in
from shared.script.layout import (
    SectionSlot,
    group_title,
    impact_order,
    item_costs,
    plan_sections,
    slot_for_section,
)
from shared.script.measure import count_words
from shared.script.retime import Filler, fit_to_window
from shared.script.scenes import candidate_lines
from shared.script.sentences import capitalise, inline, sentence_key, split_sentences
from shared.script.types import (
    DemoSiteInfo,
    GenerationOptions,
    ImprovementPlan,
    LeadInfo,
    SceneType,
    Script,
    Section,
)
from shared.script.untrusted import (
    one_line,
    reads_as_instruction,
    speakable_lead,
    speakable_plan,
)

MAX_CUES = 4
CUE_CHARS = 300
_CAMERA = {
    SceneType.INTRO: "Slow push-in on the demo homepage hero, settling on the company name.",
    SceneType.PROBLEM: "Screen capture of the current site; zoom to each problem area as it "
                       "is named.",
    SceneType.SOLUTION: "Cut to the demo; zoom in on the change, then pull back to show it in "
                        "context.",
    SceneType.FEATURE: "Medium close-up on each change as it is named, with a smooth pan "
                       "between them.",
    SceneType.DEMO: "Continuous screen recording with a steady scroll, pausing on each "
                    "highlighted change.",
    SceneType.COMPARISON: "Split screen, current site left and demo right, scrolling in sync.",
    SceneType.OUTRO: "Pull back to the full demo homepage with the recap list overlaid.",
    SceneType.CTA: "Hold on the demo URL and the call-to-action button, then a gentle zoom "
                   "out to end.",
}


def compose_offline_script(
    plan: ImprovementPlan,
    lead: LeadInfo,
    demo_site: DemoSiteInfo,
    options: GenerationOptions,
) -> Script:
    plan, lead = speakable_plan(plan), speakable_lead(lead)  # §11: never read instructions
    ctx = build_context(plan, lead, demo_site, options, options.custom_instructions)
    memory = Memory()
    slots = plan_sections(plan, options)
    sections = []
    carry = 0  # words said so far beyond (or, negative, short of) the planned budgets
    for slot in slots:
        # Sizing whole sentences leaves each section a few words off its budget; the next
        # one makes up for it, so the script's total spoken length stays mid-window (§3.5).
        steered = replace(slot, word_budget=max(1, slot.word_budget - carry))
        section = _compose(ctx, steered, memory, len(slots))
        carry += count_words(section.content) - slot.word_budget
        sections.append(section)
    script = Script(
        style=options.style,
        sections=tuple(sections),
        target_audience=_audience(ctx),
        key_messages=_key_messages(ctx),
    )
    # Composed to budget, so this only stamps the (empty) warnings; it would also rescue
    # a plan the banks could not fill, rather than ship a script outside the window.
    filler = offline_filler(plan, lead, demo_site, options)
    return fit_to_window(script, options.max_duration_seconds, filler=filler)


def compose_offline_section(
    plan: ImprovementPlan,
    lead: LeadInfo,
    demo_site: DemoSiteInfo,
    options: GenerationOptions,
    slot: SectionSlot,
    *,
    instructions: str | None = None,
    avoid: Collection[str] = (),
) -> Section:
    """One section for ``slot``, e.g. when regenerating it on the LLM side failed.

    ``instructions`` are followed as far as :mod:`.directives` can read them: open or
    close with a plan item (its metric first when the numbers are asked for) or the next
    step, mention an item, shorter or longer; general emphasis (metrics, benefits, detail,
    strategy) shifts the choice of stock lines. They are never spoken; what could not be
    followed is for :func:`~shared.script.directives.unmet_instructions` to report.
    ``avoid`` holds the other sections' texts: the new section repeats none of their
    sentences and fits the words the script's window leaves it (§3.5, §3.6).
    """
    plan, lead = speakable_plan(plan), speakable_lead(lead)  # §11: never read instructions
    slot = _speakable_slot(plan, slot)
    directives = parse_directives(instructions, plan)
    ctx = build_context(plan, lead, demo_site, options, instructions)
    if any(target != CTA for target in directives.lead):
        ctx = replace(ctx, first_named=True)
    slot, limits = _resized(ctx, slot, directives, avoid)
    ctx = replace(ctx, word_limits=limits)
    named: list[int] = []
    group = slot.scene_type in (SceneType.SOLUTION, SceneType.FEATURE)
    if group and directives.items:
        kept = tuple(i for i in slot.improvement_indexes if i not in directives.items)
        ordered = [*directives.lead, *directives.mention, *kept, *directives.end]
        named = list(dict.fromkeys(i for i in ordered if i != CTA))
        slot = replace(slot, improvement_indexes=kept)
    elif directives.items:
        # Other scenes name their items in lists and pointers: an item asked to be
        # mentioned joins them; one asked to open or close is said there, and only there.
        placed = {*directives.lead, *directives.end}
        covered = [i for i in slot.improvement_indexes if i not in placed]
        covered += [i for i in directives.mention if i != CTA and i not in covered]
        slot = replace(slot, improvement_indexes=tuple(covered))
        directives = replace(directives, mention=tuple(i for i in directives.mention
                                                       if i == CTA))
    extra = _directed_lines(ctx, directives, group=group)
    section = _compose(ctx, slot, _memory_of(avoid), extra=extra)
    # The title names the items the section ended up saying, in the order asked for.
    said = [i for i in named
            if inline(plan.improvements[i].title).lower() in section.content.lower()]
    if not said:
        return section
    return section.model_copy(update={"title": group_title(plan.improvements, said)})


def _speakable_slot(plan: ImprovementPlan, slot: SectionSlot) -> SectionSlot:
    """``slot`` with a title safe to show: the caller derived it from the raw plan."""
    if not reads_as_instruction(slot.title) and one_line(slot.title) == slot.title:
        return slot
    items = [i for i in slot.improvement_indexes if i < len(plan.improvements)]
    title = group_title(plan.improvements, items) if items else one_line(slot.title)
    if reads_as_instruction(title):
        title = plan.improvements[items[0]].title if items else str(slot.scene_type).title()
    return replace(slot, title=title)


def _resized(ctx: Context, slot: SectionSlot, directives: Directives, avoid: Collection[str]
             ) -> tuple[SectionSlot, tuple[int, int]]:
    """The slot, shorter or longer as asked, and the words it may say (low, high).

    The other sections stay as they are (§3.6), so the script's spoken window (§3.5)
    leaves this section a range of words; a request to resize is followed inside it, and
    a section given plan items keeps room to name them and read their metrics.
    """
    style = ctx.options.style
    wpm = ctx.guide.words_per_minute
    target = ctx.options.max_duration_seconds
    others = sum(count_words(text) for text in avoid)
    low = math.ceil(Fraction(9 * target * wpm, 600)) - others
    high = math.floor(Fraction(target * wpm, 60)) - others
    budget = round(slot.word_budget * directives.length)
    if slot.scene_type in (SceneType.SOLUTION, SceneType.FEATURE):
        costs = item_costs(ctx.plan, style)
        items = {*slot.improvement_indexes, *directives.items}
        budget = max(budget, sum(costs[i] for i in items))
    # A little inside the range: whole sentences land a few words either side of a budget.
    margin = max(1, (high - low) // 5)
    budget = max(1, min(max(budget, low + margin), high - margin) if high - low > 2 * margin
                 else (low + high) // 2)
    seconds = max(1, math.floor(Fraction(budget * 60, wpm) + Fraction(1, 2)))
    return (replace(slot, duration_seconds=seconds, word_budget=budget),
            (max(1, low), max(1, high)))


def _directed_lines(ctx: Context, directives: Directives, *, group: bool) -> list[Line]:
    """Lines that put the items (or the next step) the reviewer asked for where they
    asked: first, last, or anywhere. They are core lines: the section keeps them."""
    phrases = ctx.guide.phrases
    lines: list[Line] = []
    places = [(target, -5.0 - k, "lead") for k, target in enumerate(reversed(directives.lead))]
    places += [(target, 5.0 + k, "mention") for k, target in enumerate(directives.mention)]
    places += [(target, 100.0 + k, "end") for k, target in enumerate(directives.end)]
    for n, (target, order, where) in enumerate(places):
        tag = f"directed{n}"
        if target == CTA:
            with_site = [t for scene in (SceneType.CTA, SceneType.DEMO, SceneType.INTRO)
                         for t in phrases.scenes[scene].body if "{site}" in t]
            lines += _template_lines(ctx, with_site, {}, tag, order, core=True)
            continue
        item = ctx.plan.improvements[target]
        values = title_values(item)
        if not group:
            leads = phrases.demo_pointers
        elif where == "lead":
            leads = phrases.first_lead_ins
        else:
            leads = phrases.follow_ons
        lines += _template_lines(ctx, leads, values, tag, order, core=True, ident=tag,
                                 item=target, bare="{Title}.")
        readings = ctx.readings[target]
        numbers_first = target in directives.numbers_first
        for m, reading in enumerate(readings):
            said = {"change": reading.change, "Change": capitalise(reading.change)}
            # "Lead with the numbers": the metric itself opens, plainly, before the name.
            at = order - 0.5 + 0.01 * m if numbers_first else order + 0.1 + 0.01 * m
            templates = [] if numbers_first else list(phrases.metric_lines)
            lines += _template_lines(ctx, templates, said, f"{tag}.{m}", at, core=True,
                                     needs=tag, bare="{Change}.", rank=-2.9)
        for k, sentence in enumerate(split_sentences(item.description)[:2]):
            lines.append(Line(sentence, 0.5 + 0.1 * k, order + 0.3 + 0.01 * k, needs=tag))
    return lines


def _template_lines(ctx: Context, templates: Sequence[str], values: dict[str, str],
                    group: str, order: float, *, core: bool = False, ident: str | None = None,
                    needs: str | None = None, item: int | None = None, bare: str | None = None,
                    rank: float = -3.0) -> list[Line]:
    """Alternative wordings (one is kept) at a fixed place in the section. ``rank`` is
    the priority: a line that ``needs`` another must rank after it to be chosen."""
    out = []
    for n, template in enumerate([*templates, *([bare] if bare else [])]):
        text = ctx.render(template, **values)
        if text:
            out.append(Line(text, rank + 0.01 * n, order, group=group, ident=ident, needs=needs,
                            template=None if template == bare else template, core=core,
                            item=item))
    return out


def offline_filler(
    plan: ImprovementPlan, lead: LeadInfo, demo_site: DemoSiteInfo, options: GenerationOptions
) -> Filler:
    """A ``fit_to_window`` filler that lengthens a section with plan-aware sentences."""
    plan, lead = speakable_plan(plan), speakable_lead(lead)  # §11: never read instructions
    ctx = build_context(plan, lead, demo_site, options, options.custom_instructions)

    def fill(section: Section, words_needed: int) -> str:
        slot = slot_for_section(plan, options.style, 0, section.scene_type, section.title,
                                section.duration_seconds, section.content)
        memory = _memory_of([section.content])
        body = [line for line in _explain(ctx, candidate_lines(ctx, slot), memory, each=True)
                if line.body]
        chosen = select(body, words_needed, words_needed + 40, memory)
        return " ".join(line.text for line in chosen)

    return fill


def _memory_of(texts: Collection[str]) -> Memory:
    """What sections already written say: their sentences, and the jargon they explain."""
    said = {sentence_key(s) for text in texts for s in split_sentences(text)}
    explained = {term.name for term in TERMS if sentence_key(term.explanation) in said}
    return Memory(said, explained=explained)


def _compose(ctx: Context, slot: SectionSlot, memory: Memory, slots: int | None = None,
             extra: Sequence[Line] = ()) -> Section:
    candidates = [*extra, *candidate_lines(ctx, slot, slots)]
    strict_low, _, _, strict_high = _band(ctx, slot)
    # Explaining jargon costs words: each attempt leaves room for what the previous one's
    # explanations took, and the first attempt that lands inside the band is kept.
    attempts: list[list[Line]] = []
    reserved: int | None = 0
    while reserved is not None and len(attempts) < 4:
        explained = _explain(ctx, _choose(candidates, slot, ctx, memory, reserved), memory)
        attempts.append(explained)
        grown = sum(count_words(term.explanation) for line in explained
                    for term in terms_in(line.text) if term.explanation in line.text)
        fits = strict_low <= _words(explained) <= strict_high
        reserved = None if fits or grown == reserved else grown
    if not any(strict_low <= _words(lines) <= strict_high for lines in attempts):
        # No room to explain: avoid the jargon instead, except where the section was
        # sized to present the item that carries it.
        plain = [line for line in candidates
                 if line.core or not _unexplained(ctx, line, memory)]
        attempts.append(_explain(ctx, _choose(plain, slot, ctx, memory, 0), memory))
    chosen = next((lines for lines in attempts if strict_low <= _words(lines) <= strict_high),
                  min(attempts, key=lambda lines: abs(_words(lines) - slot.word_budget)))
    memory.remember(chosen)
    return Section(
        title=_title(ctx, slot, chosen),
        content=" ".join(line.text for line in chosen),
        duration_seconds=slot.duration_seconds,
        scene_type=slot.scene_type,
        visual_cues=_cues(ctx, slot),
        camera_instructions=f"{_CAMERA[slot.scene_type]} {ctx.guide.phrases.camera_pacing}",
    )


def _choose(candidates: list[Line], slot: SectionSlot, ctx: Context, memory: Memory,
            reserved: int) -> list[Line]:
    """The lines the section says, ``reserved`` words short of its budget."""
    own = [line for line in candidates if not line.reserve]
    chosen = _fit(own, slot, ctx, memory, reserved) or _fit(candidates, slot, ctx, memory,
                                                             reserved)
    if chosen is None:
        # Out of material: say as much as fits; fit_to_window re-times the section.
        budget = max(1, slot.word_budget - reserved)
        chosen = select(candidates, budget, budget, memory) or [
            min(candidates, key=lambda line: (count_words(line.text), line.priority))]
    return chosen


def _explain(ctx: Context, chosen: list[Line], memory: Memory, *, each: bool = False
             ) -> list[Line]:
    """Outside the technical style, each jargon term is explained after the first
    sentence that uses it, once per script (§5.5). With ``each``, every candidate line
    carries its own explanation (the caller keeps at most one of them)."""
    if not explains(ctx.options.style):
        return chosen
    done = set(memory.explained)
    out = []
    for line in chosen:
        fresh = [term for term in terms_in(line.text) if term.name not in done]
        if fresh:
            text = " ".join([line.text, *(term.explanation for term in fresh)])
            line = replace(line, text=text)
            if not each:
                done.update(term.name for term in fresh)
        out.append(line)
    return out


def _unexplained(ctx: Context, line: Line, memory: Memory) -> bool:
    return explains(ctx.options.style) and any(
        term.name not in memory.explained for term in terms_in(line.text))


def _title(ctx: Context, slot: SectionSlot, chosen: Sequence[Line]) -> str:
    """The slot's title, unless the section ended up presenting other items than it was
    given (then the title names what it says, never what it does not)."""
    if slot.scene_type not in (SceneType.SOLUTION, SceneType.FEATURE):
        return slot.title
    named = [i for i in slot.improvement_indexes
             if any(line.ident and line.item == i for line in chosen)]
    if tuple(named) == slot.improvement_indexes:
        return slot.title
    if named:
        return group_title(ctx.plan.improvements, named)
    return ctx.guide.phrases.overview_titles[SceneType.FEATURE]


def _band(ctx: Context, slot: SectionSlot) -> tuple[int, int, int, int]:
    """The slot's word band, inside the context's hard limits when it has them."""
    strict_low, aim_low, aim_high, strict_high = word_band(slot, ctx.guide.words_per_minute)
    if ctx.word_limits is None:
        return strict_low, aim_low, aim_high, strict_high
    floor, ceiling = ctx.word_limits
    strict_low, strict_high = max(strict_low, floor), min(strict_high, ceiling)
    if strict_low > strict_high:
        strict_low, strict_high = floor, ceiling
    aim_low = min(max(aim_low, strict_low), strict_high)
    aim_high = max(min(aim_high, strict_high), aim_low)
    return strict_low, aim_low, aim_high, strict_high


def _fit(lines: list[Line], slot: SectionSlot, ctx: Context, memory: Memory,
         reserved: int = 0) -> list[Line] | None:
    """Lines that meet the slot's budget: the narrow aim if possible, else the strict band.

    Greedy selection can stall a few words short when every remaining line is too long;
    leaving out one of its picks (in turn) usually lets a better-sized line in. None when
    no attempt reaches the strict band.
    """
    strict_low, aim_low, aim_high, strict_high = _band(ctx, slot)
    strict_low, aim_low = max(1, strict_low - reserved), max(1, aim_low - reserved)
    aim_high = max(aim_low, aim_high - reserved)
    strict_high = max(strict_low, strict_high - reserved)
    for low, high in ((aim_low, aim_high), (strict_low, strict_high)):
        target = min(max(slot.word_budget, low), high)
        first = select(lines, target, high, memory)
        if _words(first) >= low:
            return first
        # Must-say lines are the last to go, but a tiny section may not fit them all.
        # Core lines (an item the section was sized for) never go.
        for left_out in sorted((line for line in first if not line.core),
                               key=lambda line: line.must):
            chosen = select([line for line in lines if line is not left_out], target, high,
                            memory)
            if _words(chosen) >= low:
                return chosen
    return None


def _words(lines: list[Line]) -> int:
    return sum(count_words(line.text) for line in lines)


def _cues(ctx: Context, slot: SectionSlot) -> tuple[str, ...]:
    url = ctx.demo_site.url
    current = ctx.lead.website_url or ""
    titles = [ctx.plan.improvements[i].title for i in slot.improvement_indexes]
    stats = [f"On-screen stat: {ctx.readings[i][0].cue}"
             for i in slot.improvement_indexes if ctx.readings[i]]
    scene = slot.scene_type
    if scene is SceneType.INTRO:
        cues = [f"Demo homepage at {url}", f"Title card: {ctx.lead.company_name}"]
    elif scene is SceneType.PROBLEM:
        cues = [f"Current site ({current}) as visitors see it today" if current
                else "The current site as visitors see it today"]
        cues += [f"Current site, area to improve: {title}" for title in titles[:2]] + stats[:1]
    elif scene in (SceneType.SOLUTION, SceneType.FEATURE) and titles:
        cues = [f"Demo close-up: {title}" for title in titles[:2]] + stats[:1]
        if len(titles) > 2:
            cues.append(f"Checklist overlay: {'; '.join(titles[2:5])}"
                        + (f" (+{len(titles) - 5} more)" if len(titles) > 5 else ""))
    elif scene is SceneType.FEATURE:
        cues = ["Close-ups of the demo's navigation, headings and calls to action",
                f"Demo homepage at {url}"]
    elif scene is SceneType.DEMO:
        cues = [f"Screen recording of {url}"]
        cues += [f"Scroll to: {title}" for title in titles[:3]] if titles else [
            "Homepage first, then the key pages a visitor would open"]
    elif scene is SceneType.COMPARISON:
        cues = [f"Split screen: {current or 'current site'} left, {url} right"]
        cues += stats[:3] or [f"Highlight on both versions: {title}" for title in titles[:2]]
    elif scene is SceneType.OUTRO:
        cues = ([f"Recap list: {'; '.join(titles)}"] if titles else []) + [
            f"Demo homepage at {url}"]
    else:
        cues = [f"Demo URL on screen: {url}", f"Button: {ctx.guide.phrases.cta_button}"]
    unique = list(dict.fromkeys(_clip(cue, CUE_CHARS) for cue in cues))
    return tuple(unique[:MAX_CUES])


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _audience(ctx: Context) -> str:
    phrases = ctx.guide.phrases
    template = phrases.audience_with_industry if ctx.values["industry"] else phrases.audience
    return ctx.render(template) or ctx.lead.company_name


def _key_messages(ctx: Context) -> tuple[str, ...]:
    messages = []
    if ctx.values["strategy"]:
        messages.append(capitalise(ctx.values["strategy"]) + ".")
    for index in impact_order(ctx.plan.improvements)[:3]:
        readings = ctx.readings[index]
        title = title_values(ctx.plan.improvements[index])["Title"]
        messages.append(f"{title}: {readings[0].change}." if readings else f"{title}.")
    messages.append(f"A working demo is live at {ctx.demo_site.url}.")
    return tuple(_clip(message, CUE_CHARS) for message in messages)
