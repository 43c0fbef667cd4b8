"""The shape of a style's phrase bank: what the offline composer can say, and how.

Templates use ``str.format`` fields. The composer drops any template whose field it cannot
fill (no industry, no contact name, a single improvement where ``{count}`` needs several),
so a bank may freely mix specific and generic lines without risking placeholder text.

Fields the composer fills:
``{company}``, ``{industry}``, ``{site}`` (demo host), ``{name}`` (how to address the
contact), ``{count}`` (number of improvements, spelled out, at least two), ``{strategy}``
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
    roundups: tuple[str, ...]
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
