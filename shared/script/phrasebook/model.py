"""The shape of a style's phrase bank: what the offline composer can say, and how.

Templates use ``str.format`` fields. The composer drops any template whose field it cannot
fill (no industry, no contact name, a single improvement where ``{count}`` needs several),
so a bank may freely mix specific and generic lines without risking placeholder text.

Fields the composer fills:
``{company}``, ``{industry}``, ``{site}`` (demo host), ``{name}`` (how to address the
contact), ``{count}`` (number of improvements the script presents, spelled out, at least
two), ``{strategy}``
(the plan's overall strategy as a clause), ``{title}``/``{Title}`` (an improvement title,
mid-sentence / sentence-initial), ``{titles}`` (a spoken list of titles), ``{change}``/
``{Change}`` (a metric read aloud: "checkout abandonment falls from 71 to 48 percent"),
``{current}`` (a metric's before-value: "checkout abandonment is 71 percent").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shared.script.types import SceneType


@dataclass(frozen=True)
class SceneLines:
    """Generic lines for one scene type.

    Every line in a bank is either plan text in a frame ("Next up: {title}.") or a line
    that makes no factual claim: no set-up times, prices, hosting, payback, guarantees or
    numbers (§5.5). ``body`` lines are also borrowed by other sections, so they never
    point back at something unnamed ("those moments", "the change", "this").

    ``openers`` and ``closers`` are alternatives (a section uses at most one of each, first
    and last); ``body`` lines stand alone, so any subset in any order still reads well.
    """

    openers: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    closers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phrasebook:
    greetings: tuple[str, ...]
    anonymous_greetings: tuple[str, ...]
    scenes: Mapping[SceneType, SceneLines]
    # The feature section of a plan without improvements: what stands out on the demo.
    overview: SceneLines
    # A page-by-page walk through the demo, for demo sections (and long, sparse plans).
    tour: tuple[str, ...]
    # Lines that fit any middle section; they absorb the slack of long, sparse plans.
    general: tuple[str, ...]
    strategy: tuple[str, ...]
    first_lead_ins: tuple[str, ...]
    next_lead_ins: tuple[str, ...]
    follow_ons: tuple[str, ...]
    metric_lines: tuple[str, ...]
    current_lines: tuple[str, ...]
    problem_lists: tuple[str, ...]
    # Keyed by the benefit family of an improvement's category (see offline composer).
    benefits: Mapping[str, tuple[str, ...]]
    high_impact: tuple[str, ...]
    demo_pointers: tuple[str, ...]
    comparison_metric: tuple[str, ...]
    comparison_plain: tuple[str, ...]
    recaps: tuple[str, ...]
    section_titles: Mapping[SceneType, str]
    # Titles for a plan without improvements, where the middle is a tour of the demo.
    overview_titles: Mapping[SceneType, str]
    audience: str
    audience_with_industry: str
    camera_pacing: str
    # How a metric moves: keys "down", "up", "same", "unknown".
    change_verbs: Mapping[str, str]
    cta_button: str


def all_templates(book: Phrasebook) -> list[str]:
    """Every line a bank can contribute, in a stable order: what audits of the banks (no
    factual claims, no dangling references) and the quality report read."""
    lines = [*book.greetings, *book.anonymous_greetings]
    for scene in SceneType:
        if scene in book.scenes:
            scene_lines = book.scenes[scene]
            lines += [*scene_lines.openers, *scene_lines.body, *scene_lines.closers]
    lines += [*book.overview.openers, *book.overview.body, *book.overview.closers]
    lines += [*book.tour, *book.general, *book.strategy, *book.first_lead_ins,
              *book.next_lead_ins, *book.follow_ons, *book.metric_lines, *book.current_lines,
              *book.problem_lists]
    for family in sorted(book.benefits):
        lines += book.benefits[family]
    lines += [*book.high_impact, *book.demo_pointers, *book.comparison_metric,
              *book.comparison_plain, *book.recaps]
    return lines


def standalone_templates(book: Phrasebook) -> list[str]:
    """Lines that may be said with nothing specific before them in their section: scene
    bodies (borrowed by other scenes as reserves), general, tour and overview lines."""
    lines: list[str] = []
    for scene in SceneType:
        if scene in book.scenes:
            lines += book.scenes[scene].body
    return [*lines, *book.overview.openers, *book.overview.body, *book.overview.closers,
            *book.tour, *book.general, *book.strategy]
