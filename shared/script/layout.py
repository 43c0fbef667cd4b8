"""Section planning (§3.5): how many sections, which scenes, which improvements, how long.

Both engines write to the same plan, which is what makes timing predictable: an LLM is
told each section's word budget, the offline composer fills it, and the durations already
add up to about 95 % of the target before anyone writes a word. Import the public names
from :mod:`shared.script.timing`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from shared.script.glossary import explains, terms_in
from shared.script.grammar import noun_phrase
from shared.script.measure import count_words, duration_window, words_for_seconds
from shared.script.metrics import read_metrics
from shared.script.sentences import inline
from shared.script.styles import style_guide
from shared.script.types import (
    GenerationOptions,
    Impact,
    Improvement,
    ImprovementPlan,
    SceneType,
    Style,
)
from shared.script.untrusted import speakable_plan

MIN_SECTIONS = 3
MAX_SECTIONS = 8
MIN_SECTION_SECONDS = 5
TARGET_FILL = 0.95  # aim mid-window, so small over- or under-runs stay inside it
TITLE_MAX = 200

_IMPACT_RANK = {Impact.HIGH: 0, Impact.MEDIUM: 1, None: 1, Impact.LOW: 2}
_WEIGHTS = {
    SceneType.INTRO: 0.65,
    SceneType.PROBLEM: 1.0,
    SceneType.SOLUTION: 1.3,
    SceneType.FEATURE: 1.15,
    SceneType.DEMO: 1.2,
    SceneType.COMPARISON: 1.0,
    SceneType.OUTRO: 0.7,
    SceneType.CTA: 0.65,
}
# The order in which extra middle sections earn a place as the video gets longer.
_GROWTH = (
    SceneType.FEATURE,
    SceneType.DEMO,
    SceneType.FEATURE,
    SceneType.COMPARISON,
    SceneType.FEATURE,
    SceneType.OUTRO,
    SceneType.FEATURE,
    SceneType.FEATURE,
)
_STORY_ORDER = (
    SceneType.PROBLEM,
    SceneType.SOLUTION,
    SceneType.FEATURE,
    SceneType.DEMO,
    SceneType.COMPARISON,
    SceneType.OUTRO,
)
# Opening and closing sections stay short however long the video: a 40-second greeting
# is padding, and the time is better spent on the substance.
_FRAME_SCENES = frozenset({SceneType.INTRO, SceneType.CTA, SceneType.OUTRO})
_FRAME_CAP_SECONDS = 30
_PER_SCENE_COVERAGE = 3  # improvements a problem, demo, comparison or recap can name


@dataclass(frozen=True)
class SectionSlot:
    index: int
    scene_type: SceneType
    title: str
    duration_seconds: int
    word_budget: int
    improvement_indexes: tuple[int, ...]


def impact_order(improvements: Sequence[Improvement]) -> list[int]:
    """Plan indexes, high impact first; the plan's own order breaks ties."""
    return sorted(range(len(improvements)), key=lambda i: _IMPACT_RANK[improvements[i].impact])


def _base_section_count(target_seconds: int, improvements: int) -> int:
    by_duration = 3 + math.floor((target_seconds - 30) * 5 / 270 + 0.5)  # 30 s: 3, 300 s: 8
    # Many improvements earn an extra section or two, but only when there is time to say
    # something in them.
    bonus = int(improvements >= 4 and target_seconds >= 90)
    bonus += int(improvements >= 8 and target_seconds >= 150)
    return by_duration + bonus


def _middle_scenes(middle: int, improvements: int, include_cta: bool) -> list[SceneType]:
    if improvements == 0:
        # Nothing specific to fix: a tour of the demo site, what stands out, old versus new.
        tour = [SceneType.DEMO, SceneType.FEATURE, SceneType.COMPARISON]
        if not include_cta:
            tour.append(SceneType.OUTRO)
        return tour[:middle]
    if middle == 1:
        return [SceneType.SOLUTION]
    scenes = [SceneType.PROBLEM, SceneType.SOLUTION]
    groups = 1
    for scene in _GROWTH:
        if len(scenes) == middle:
            break
        if scene is SceneType.FEATURE and groups >= improvements:
            continue
        if scene is SceneType.OUTRO and include_cta:
            continue  # the call to action closes the video; a recap before it is padding
        scenes.append(scene)
        groups += scene is SceneType.FEATURE
    return sorted(scenes, key=_STORY_ORDER.index)


def _middle_capacity(improvements: int, include_cta: bool) -> int:
    return len(_middle_scenes(MAX_SECTIONS, improvements, include_cta))


def _chunks(items: list[int], count: int) -> list[list[int]]:
    """Split into ``count`` runs, later runs larger, so the top items get the most airtime."""
    size, extra = divmod(len(items), count)
    sizes = [size + (1 if index >= count - extra else 0) for index in range(count)]
    runs, start = [], 0
    for length in sizes:
        runs.append(items[start : start + length])
        start += length
    return runs


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:- ")
    return (cut or text[: limit - 1]) + "…"


def group_title(improvements: Sequence[Improvement], indexes: Sequence[int]) -> str:
    """A section title that says what the section is about: its lead improvement."""
    first = noun_phrase(improvements[indexes[0]].title.rstrip(" .!?;:"))
    first = first or improvements[indexes[0]].title
    rest = len(indexes) - 1
    if rest == 0:
        return _shorten(first, TITLE_MAX)
    if rest == 1:
        both = f"{first} and {inline(noun_phrase(improvements[indexes[1]].title))}"
        if len(both) <= TITLE_MAX:
            return both
    suffix = " and one more fix" if rest == 1 else f" and {rest} more fixes"
    return _shorten(first, TITLE_MAX - len(suffix)) + suffix


def _allocate(total: int, weights: list[float], caps: list[int | None]) -> list[int]:
    """Largest-remainder split of ``total`` seconds, with a floor and optional caps.

    A section whose share would pass its cap gets the cap, and the others share the rest
    (unless every section left is over its cap: the total must still be met).
    """
    capped: dict[int, int] = {}
    while True:
        free = [i for i in range(len(weights)) if i not in capped]
        scale = sum(weights[i] for i in free)
        share = {i: (total - sum(capped.values())) * weights[i] / scale for i in free}
        over = {i: cap for i in free if (cap := caps[i]) is not None and share[i] > cap}
        if not over or len(over) == len(free):
            break
        capped.update(over)
    raw = [float(capped[i]) if i in capped else share[i] for i in range(len(weights))]
    seconds = [max(MIN_SECTION_SECONDS, math.floor(value)) for value in raw]
    # Leftover seconds go to the largest remainders, capped sections last.
    order = sorted(range(len(raw)),
                   key=lambda i: (i in capped, -(raw[i] - math.floor(raw[i])), i))
    step = 0
    while sum(seconds) < total:
        seconds[order[step % len(order)]] += 1
        step += 1
    while sum(seconds) > total:
        largest = max(range(len(seconds)), key=lambda i: (seconds[i], -i))
        seconds[largest] -= 1
    return seconds


def plan_sections(plan: ImprovementPlan, options: GenerationOptions) -> list[SectionSlot]:
    improvements = plan.improvements
    ranked = impact_order(improvements)
    frame = int(options.include_intro) + int(options.include_cta)
    target = options.max_duration_seconds

    middle = _base_section_count(target, len(improvements)) - frame
    middle = max(middle, MIN_SECTIONS - frame, 1)
    middle = min(middle, MAX_SECTIONS - frame, _middle_capacity(len(improvements),
                                                                options.include_cta))
    scenes = _middle_scenes(middle, len(improvements), options.include_cta)
    group_scenes = {SceneType.SOLUTION, SceneType.FEATURE} if improvements else set()
    groups = iter(_chunks(ranked, sum(scene in group_scenes for scene in scenes) or 1))
    phrases = style_guide(options.style).phrases

    planned: list[tuple[SceneType, str, tuple[int, ...], float]] = []
    if options.include_intro:
        planned.append((SceneType.INTRO, phrases.section_titles[SceneType.INTRO], (), 0))
    for scene in scenes:
        covered: Sequence[int] = ()
        if scene in group_scenes:
            covered = next(groups)
            title = group_title(improvements, covered)
        elif not improvements:
            title = phrases.overview_titles[scene]
        else:
            covered = ranked  # narrowed to the items that fit, once durations are known
            title = phrases.section_titles[scene]
        # A section carrying several improvements needs a little more time to name them.
        extra = min(0.5, 0.08 * (len(covered) - 1)) if scene in group_scenes else 0.0
        planned.append((scene, title, tuple(covered), extra))
    if options.include_cta:
        planned.append((SceneType.CTA, phrases.section_titles[SceneType.CTA], (), 0))

    low, high = duration_window(target)
    total = min(high, max(low, math.floor(target * TARGET_FILL + 0.5)))
    seconds = _allocate(
        total,
        [_WEIGHTS[scene] + extra for scene, _, _, extra in planned],
        [_FRAME_CAP_SECONDS if scene in _FRAME_SCENES else None for scene, _, _, _ in planned],
    )
    # Items that do not fit are dropped whole, lowest priority first, before anything is
    # titled or announced: no section may name an item it has no time to speak (§5.5).
    costs = item_costs(plan, options.style)
    queue = list(ranked)
    owed = 0  # items an earlier section had no room for: the next one takes them first
    fitted: list[tuple[int, ...]] = []
    for (scene, _, covered, _), duration in zip(planned, seconds, strict=True):
        if scene not in group_scenes:
            fitted.append(())
            continue
        budget = words_for_seconds(duration, options.style)
        taken = _fit_items(queue, costs, budget, len(covered) + owed)
        owed = len(covered) + owed - len(taken)
        queue = [i for i in queue if i not in taken]
        fitted.append(taken)
    spoken = [i for i in ranked if any(i in items for items in fitted)]
    with_metrics = [i for i in spoken if improvements[i].metrics]
    slots = []
    for index, ((scene, title, planned_items, _), duration) in enumerate(
        zip(planned, seconds, strict=True)
    ):
        items: tuple[int, ...] = planned_items
        if scene in group_scenes:
            items = fitted[index]
            title = (group_title(improvements, items) if items
                     else phrases.overview_titles[SceneType.FEATURE])
        elif items:
            pool = with_metrics if scene is SceneType.COMPARISON and with_metrics else spoken
            items = tuple(pool[:_PER_SCENE_COVERAGE])
        slots.append(SectionSlot(
            index=index,
            scene_type=scene,
            title=title,
            duration_seconds=duration,
            word_budget=words_for_seconds(duration, options.style),
            improvement_indexes=items,
        ))
    return slots


def spoken_items(slots: Sequence[SectionSlot]) -> list[int]:
    """Plan indexes the script presents (named, metrics read), in the order it does."""
    seen: dict[int, None] = {}
    for slot in slots:
        if slot.scene_type in (SceneType.SOLUTION, SceneType.FEATURE):
            seen.update(dict.fromkeys(slot.improvement_indexes))
    return list(seen)


def item_costs(plan: ImprovementPlan, style: Style) -> list[int]:
    """Words it takes to name each improvement and read all its metrics aloud.

    A section given an item can always say it whole; outside the technical style a
    jargon term in the title also costs its one-sentence explanation.
    """
    phrases = style_guide(style).phrases
    leads = phrases.first_lead_ins + phrases.next_lead_ins + phrases.follow_ons
    # A typical frame: when the section runs short, the composer falls back to a shorter
    # wording of the same line (down to the bare title or reading), never to dropping it.
    lead_frame = _median_words([t.replace("{title}", "").replace("{Title}", "")
                                for t in leads])
    metric_frame = _median_words([t.replace("{change}", "").replace("{Change}", "")
                                  for t in phrases.metric_lines])
    plain = explains(style)
    costs = []
    for item in plan.improvements:
        cost = lead_frame + count_words(item.title)
        for reading in read_metrics(item.metrics, phrases.change_verbs, plain=plain):
            cost += metric_frame + count_words(reading.change)
        if plain:
            cost += sum(count_words(term.explanation) for term in terms_in(item.title))
        costs.append(cost)
    return costs


def _median_words(frames: Sequence[str]) -> int:
    counts = sorted(count_words(frame) for frame in frames)
    return counts[len(counts) // 2] if counts else 0


def _fit_items(queue: Sequence[int], costs: Sequence[int], budget: int, wanted: int
               ) -> tuple[int, ...]:
    """Up to ``wanted`` items from the front of ``queue`` (priority order) whose full
    naming fits ``budget`` words. It stops at the first item that does not fit, so lower
    priorities are the ones dropped; only a section that could take nothing at all
    looks further down the queue for an item small enough."""
    kept: list[int] = []
    used = 0
    for index in queue:
        if len(kept) >= wanted:
            break
        if used + costs[index] <= budget:
            kept.append(index)
            used += costs[index]
        elif kept:
            break
    return tuple(kept)


def slot_for_section(
    plan: ImprovementPlan,
    style: Style,
    index: int,
    scene_type: SceneType,
    title: str,
    duration_seconds: int,
    content: str = "",
) -> SectionSlot:
    """The slot a stored section fills (slots themselves are not stored), for regenerating
    or lengthening it.

    Improvements count as covered when the section's title or text names them, so a
    regenerated section keeps talking about what the original did. An item counts under
    its title as written or as the offline engine may speak it (an instruction-like title
    is spoken as its neutral stand-in, :mod:`shared.script.untrusted`).
    """
    haystack = f"{title} {content}".lower()
    spoken = speakable_plan(plan).improvements
    names = {i: {plan.improvements[i].title.lower().rstrip(" .!?;:"),
                 spoken[i].title.lower().rstrip(" .!?;:")}
             for i in impact_order(plan.improvements)}
    covered = tuple(i for i, forms in names.items()
                    if any(name and name in haystack for name in forms))
    return SectionSlot(
        index=index,
        scene_type=scene_type,
        title=title,
        duration_seconds=duration_seconds,
        word_budget=words_for_seconds(duration_seconds, style),
        improvement_indexes=covered,
    )
