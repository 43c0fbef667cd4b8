"""What each kind of section could say: the candidate lines of the offline composer.

Priorities encode the storytelling: a problem section names the pain before it reaches
for stock phrases; a solution section names each improvement it covers, then gives the
top ones their evidence (description, metrics read aloud) and benefit, and only then pads
with style lines. Every section also carries a reserve of lines borrowed from other
scenes, so a long video over a sparse plan still fills its time with real sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from shared.script.composer import (
    Context,
    Line,
    benefit_family,
    spoken_list,
    title_values,
)
from shared.script.grammar import noun_phrase
from shared.script.layout import SectionSlot
from shared.script.phrasebook import SceneLines
from shared.script.sentences import capitalise, inline, split_sentences
from shared.script.types import Impact, SceneType

_RESERVE = 20.0
# Bare forms, used once a style's framed templates are spent: plain content, no frame.
_BARE_TITLE = "{Title}."
_BARE_CHANGE = "{Change}."


def _lines(ctx: Context, templates: Sequence[str], salt: str, priority: float, order: float,
           *, group: str | None = None, body: bool = True, rotate: bool = True,
           ident: str | None = None, needs: str | None = None, reserve: bool = False,
           values: dict[str, str] | None = None, bare: str | None = None,
           core: bool = False, item: int | None = None) -> list[Line]:
    items = ctx.rotate(templates, salt) if rotate else list(templates)
    if bare:
        items.append(bare)
    out = []
    for n, template in enumerate(items):
        text = ctx.render(template, **(values or {}))
        if text:
            out.append(Line(text, priority + n * 0.01, order + n * 0.001, group=group,
                            ident=ident, needs=needs, body=body, reserve=reserve,
                            template=None if template == bare else template, core=core,
                            item=item))
    return out


def _scene(ctx: Context, scene: SceneType, slot: SectionSlot | None = None) -> SceneLines:
    """Stock lines for a scene; a solution or feature section with no improvement to
    present (an empty plan, or none that fits) speaks about the demo as a whole."""
    empty = not ctx.plan.improvements or (slot is not None and not slot.improvement_indexes)
    if scene in (SceneType.SOLUTION, SceneType.FEATURE) and empty:
        return ctx.guide.phrases.overview
    return ctx.guide.phrases.scenes[scene]


def _reserve_scenes(ctx: Context) -> tuple[SceneType, ...]:
    if ctx.plan.improvements:
        return (SceneType.PROBLEM, SceneType.SOLUTION, SceneType.FEATURE, SceneType.DEMO,
                SceneType.COMPARISON, SceneType.OUTRO)
    # Without improvements, lines about "these issues" or "each fix" would have no referent.
    return (SceneType.FEATURE, SceneType.DEMO, SceneType.COMPARISON, SceneType.OUTRO)


def _frame(ctx: Context, slot: SectionSlot, *, opener: float, body: float, closer: float,
           general: float) -> list[Line]:
    """The scene's stock openers, body lines and closers, and the style's general lines."""
    scene = _scene(ctx, slot.scene_type, slot)
    salt = f"{slot.index}:{slot.scene_type}"
    lines = _lines(ctx, scene.openers, salt + ":open", opener, 0, group="open", body=False)
    lines += _lines(ctx, scene.body, salt, body, 50)
    lines += _lines(ctx, scene.closers, salt + ":close", closer, 99, group="close", body=False)
    lines += _lines(ctx, ctx.guide.phrases.general, f"{slot.index}:general", general, 60)
    if slot.scene_type in (SceneType.INTRO, SceneType.CTA):
        return lines
    for other in _reserve_scenes(ctx):
        if other is not slot.scene_type:
            lines += _lines(ctx, _scene(ctx, other).body, f"{slot.index}:{other}", _RESERVE,
                            70, reserve=True)
    if slot.scene_type is not SceneType.DEMO:
        lines += _lines(ctx, ctx.guide.phrases.tour, f"{slot.index}:tour", _RESERVE, 70,
                        reserve=True)
    return lines


def _strategy(ctx: Context, slot: SectionSlot, priority: float, order: float) -> list[Line]:
    if "strategy" in ctx.emphasis:
        priority = min(priority, 0.9)
    return _lines(ctx, ctx.guide.phrases.strategy, f"{slot.index}:strategy", priority, order,
                  group="strategy")


def _names(ctx: Context, indexes: Sequence[int]) -> list[str]:
    """Titles as noun phrases, so that a spoken list of them is grammatical."""
    return [inline(noun_phrase(ctx.plan.improvements[i].title)) or
            title_values(ctx.plan.improvements[i])["title"] for i in indexes]


def _intro(ctx: Context, slot: SectionSlot) -> list[Line]:
    phrases = ctx.guide.phrases
    greetings = phrases.greetings if ctx.values["name"] else phrases.anonymous_greetings
    lines = _lines(ctx, greetings, f"{slot.index}:greet", 0, -1, group="greet", body=False)
    lines += _frame(ctx, slot, opener=1, body=3, closer=2.5, general=8)
    return lines + _strategy(ctx, slot, 2.2, 2)


def _problem(ctx: Context, slot: SectionSlot) -> list[Line]:
    phrases = ctx.guide.phrases
    lines = _frame(ctx, slot, opener=0, body=4, closer=3, general=7)
    covered = slot.improvement_indexes
    if covered:
        listing = {"titles": spoken_list(_names(ctx, covered))}
        lines += _lines(ctx, phrases.problem_lists, f"{slot.index}:list", 1, 1, group="list",
                        values=listing)
    for j, index in enumerate(covered):
        item = ctx.plan.improvements[index]
        description = split_sentences(item.description)
        if len(description) > 1:
            # Descriptions tend to open with the problem and go on to the fix; a one-line
            # description is kept whole for the section that presents the fix.
            lines.append(Line(description[0], 1.2 + 0.4 * j, 2 + j))
        currents = [reading.current for reading in ctx.readings[index] if reading.current]
        if currents:
            lines += _lines(ctx, phrases.current_lines, f"{slot.index}:now{j}", 1.3 + 0.4 * j,
                            2.5 + j, group=f"now{j}",
                            values={"current": currents[0], "Current": capitalise(currents[0])},
                            bare="{Current}.")
    return lines


def _improvement(ctx: Context, slot: SectionSlot, j: int, index: int) -> list[Line]:
    """A full treatment: lead-in, description, metrics read aloud, benefit, impact."""
    phrases = ctx.guide.phrases
    item = ctx.plan.improvements[index]
    if j > 0 or ctx.first_named:
        leads = phrases.follow_ons
    elif slot.scene_type is SceneType.SOLUTION:
        leads = phrases.first_lead_ins
    else:
        leads = phrases.next_lead_ins
    lead, base, at = f"lead{j}", float(j), 10.0 + 10 * j
    salt = f"{slot.index}:{j}"
    # Every item the section was given is named and has its metrics read before any of
    # them gets detail: the layout sized the section for exactly that (§5.5).
    lines = _lines(ctx, leads, salt + ":lead", -2 + 0.01 * j, at, group=lead, ident=lead,
                   values=title_values(item), bare=_BARE_TITLE, core=True, item=index)
    detail = -0.2 if "detail" in ctx.emphasis else 0.0
    for k, sentence in enumerate(split_sentences(item.description)):
        rank = 0.3 if k == 0 else 0.7 + 0.05 * k
        lines.append(Line(sentence, base + rank + detail, at + 1 + 0.01 * k, needs=lead))
    for m, reading in enumerate(ctx.readings[index]):
        said = {"change": reading.change, "Change": capitalise(reading.change)}
        lines += _lines(ctx, phrases.metric_lines, f"{salt}:metric{m}",
                        -1 + 0.01 * j + 0.001 * m, at + 2 + 0.01 * m,
                        group=f"metric{j}.{m}", needs=lead, values=said, bare=_BARE_CHANGE,
                        core=True)
    benefits = -0.3 if "benefits" in ctx.emphasis else 0.0
    family = phrases.benefits[benefit_family(item)]
    lines += _lines(ctx, family, salt + ":benefit", base + 0.6 + benefits, at + 3,
                    group=f"benefit{j}", needs=lead)
    if item.impact is Impact.HIGH:
        lines += _lines(ctx, phrases.high_impact, salt + ":impact", base + 0.8, at + 4,
                        group=f"impact{j}", needs=lead)
    return lines


def _group(ctx: Context, slot: SectionSlot) -> list[Line]:
    covered = slot.improvement_indexes
    opener = 3.5 if covered else 1.0
    lines = _frame(ctx, slot, opener=opener, body=5 if covered else 2, closer=4.5, general=7)
    for j, index in enumerate(covered):
        lines += _improvement(ctx, slot, j, index)
    return lines + _strategy(ctx, slot, 6 if covered else 1.5, 85 if covered else 1)


def _demo(ctx: Context, slot: SectionSlot) -> list[Line]:
    lines = _frame(ctx, slot, opener=0, body=3, closer=2.5, general=6)
    # Without improvements to point at, the tour of the pages is the substance.
    tour = 2.5 if not ctx.plan.improvements else 4
    lines += _lines(ctx, ctx.guide.phrases.tour, f"{slot.index}:tour", tour, 20)
    for j, index in enumerate(slot.improvement_indexes):
        lines += _lines(ctx, ctx.guide.phrases.demo_pointers, f"{slot.index}:point{j}",
                        1 + 0.3 * j, 10 + j, group=f"point{j}",
                        values=title_values(ctx.plan.improvements[index]), bare=_BARE_TITLE)
    return lines + _strategy(ctx, slot, 2 if not ctx.plan.improvements else 6, 5)


def _comparison(ctx: Context, slot: SectionSlot) -> list[Line]:
    phrases = ctx.guide.phrases
    lines = _frame(ctx, slot, opener=0, body=3, closer=2.5, general=6)
    for j, index in enumerate(slot.improvement_indexes):
        values = title_values(ctx.plan.improvements[index])
        readings = ctx.readings[index]
        if readings:
            values |= {"change": readings[0].change, "Change": capitalise(readings[0].change)}
            lines += _lines(ctx, phrases.comparison_metric, f"{slot.index}:cmp{j}",
                            1 + 0.3 * j, 10 + j, group=f"cmp{j}", values=values,
                            bare=_BARE_CHANGE)
        else:
            lines += _lines(ctx, phrases.comparison_plain, f"{slot.index}:cmp{j}",
                            1.5 + 0.3 * j, 10 + j, group=f"cmp{j}", values=values)
    return lines + _strategy(ctx, slot, 5, 60)


def _outro(ctx: Context, slot: SectionSlot) -> list[Line]:
    lines = _frame(ctx, slot, opener=0, body=3, closer=2, general=6)
    if slot.improvement_indexes:
        titles = spoken_list(_names(ctx, slot.improvement_indexes))
        lines += _lines(ctx, ctx.guide.phrases.recaps, f"{slot.index}:recap", 1, 1,
                        group="recap", values={"titles": titles})
    return lines + _strategy(ctx, slot, 1.5, 2)


def _cta(ctx: Context, slot: SectionSlot) -> list[Line]:
    scene = ctx.guide.phrases.scenes[SceneType.CTA]
    salt = f"{slot.index}:cta"
    lines = _lines(ctx, scene.openers, salt + ":open", 0, 0, group="open", body=False)
    # The steps of a call to action have a natural order: look, then talk, then reply.
    lines += _lines(ctx, scene.body, salt, 1, 10, rotate=False)
    lines += _lines(ctx, scene.closers, salt + ":close", 1.5, 99, group="close", body=False)
    return lines + _lines(ctx, ctx.guide.phrases.general, f"{slot.index}:general", 8, 50)


_BUILDERS: dict[SceneType, Callable[[Context, SectionSlot], list[Line]]] = {
    SceneType.INTRO: _intro,
    SceneType.PROBLEM: _problem,
    SceneType.SOLUTION: _group,
    SceneType.FEATURE: _group,
    SceneType.DEMO: _demo,
    SceneType.COMPARISON: _comparison,
    SceneType.OUTRO: _outro,
    SceneType.CTA: _cta,
}


def _anchor_index(ctx: Context, preference: Sequence[SceneType], slots: int) -> int:
    """Index of the first section, in order of preference, that the script will have."""
    options = ctx.options
    present = {SceneType.INTRO: options.include_intro, SceneType.CTA: options.include_cta}
    for scene in preference:
        if present[scene]:
            return 0 if scene is SceneType.INTRO else slots - 1
    return 0


def _boost_first(lines: list[Line], field: str, priority: float) -> list[Line]:
    """Make the most important line that says ``field`` a must-say line."""
    carriers = [line for line in lines if line.template and field in line.template]
    if not carriers:
        return lines
    best = min(carriers, key=lambda line: (line.priority, line.order))
    return [replace(line, priority=min(priority, line.priority), must=True)
            if line is best else line for line in lines]


def candidate_lines(ctx: Context, slot: SectionSlot, slots: int | None = None) -> list[Line]:
    """All lines ``slot`` could say. ``slots`` (the script's section count) lets the
    script make sure it names the company (up front) and the demo URL (where the viewer
    is told what to do), whatever the stock lines' rotation happened to pick."""
    lines = _BUILDERS[slot.scene_type](ctx, slot)
    if slots is not None:
        if slot.index == _anchor_index(ctx, (SceneType.INTRO, SceneType.CTA), slots):
            lines = _boost_first(lines, "{company}", 0.2)
        if slot.index == _anchor_index(ctx, (SceneType.CTA, SceneType.INTRO), slots):
            lines = _boost_first(lines, "{site}", 0.3)
    return lines
