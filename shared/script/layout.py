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

from shared.script.measure import duration_window, words_for_seconds
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
    first = improvements[indexes[0]].title.rstrip(" .!?;:")
    first = first or improvements[indexes[0]].title
    rest = len(indexes) - 1
    if rest == 0:
        return _shorten(first, TITLE_MAX)
    if rest == 1:
        both = f"{first} and {inline(improvements[indexes[1]].title)}"
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
    with_metrics = [i for i in ranked if improvements[i].metrics]
    phrases = style_guide(options.style).phrases

    planned: list[tuple[SceneType, str, tuple[int, ...], float]] = []
    if options.include_intro:
        planned.append((SceneType.INTRO, phrases.section_titles[SceneType.INTRO], (), 0))
    for scene in scenes:
        covered: list[int] = []
        if scene in group_scenes:
            covered = next(groups)
            title = group_title(improvements, covered)
        elif not improvements:
            title = phrases.overview_titles[scene]
        else:
            pool = with_metrics if scene is SceneType.COMPARISON and with_metrics else ranked
            covered = pool[:_PER_SCENE_COVERAGE]
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
    return [
        SectionSlot(
            index=index,
            scene_type=scene,
            title=title,
            duration_seconds=duration,
            word_budget=words_for_seconds(duration, options.style),
            improvement_indexes=covered,
        )
        for index, ((scene, title, covered, _), duration) in enumerate(
            zip(planned, seconds, strict=True)
        )
    ]


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
    regenerated section keeps talking about what the original did.
    """
    haystack = f"{title} {content}".lower()
    names = {i: plan.improvements[i].title.lower().rstrip(" .!?;:")
             for i in impact_order(plan.improvements)}
    covered = tuple(i for i, name in names.items() if name and name in haystack)
    return SectionSlot(
        index=index,
        scene_type=scene_type,
        title=title,
        duration_seconds=duration_seconds,
        word_budget=words_for_seconds(duration_seconds, style),
        improvement_indexes=covered,
    )
