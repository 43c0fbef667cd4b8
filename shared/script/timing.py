"""Timing (§3.5): measuring spoken length, planning sections, correcting drafts.

This is the public face of the timing rules; the work lives in :mod:`.measure` (how long
words take and what counts as a warning), :mod:`.layout` (the section plan) and
:mod:`.retime` (deterministic correction), kept apart so each stays small.
"""

from __future__ import annotations

from shared.script.layout import SectionSlot, impact_order, plan_sections, slot_for_section
from shared.script.measure import (
    SECTION_TOLERANCE,
    WINDOW_LOW,
    TimingOffence,
    count_words,
    duration_bounds,
    duration_window,
    finalize,
    meets_timing_invariant,
    section_within_tolerance,
    spoken_seconds,
    spoken_window_words,
    timing_offences,
    timing_warnings,
    words_for_seconds,
)
from shared.script.retime import Filler, fit_to_window

__all__ = [
    "SECTION_TOLERANCE",
    "WINDOW_LOW",
    "Filler",
    "SectionSlot",
    "TimingOffence",
    "count_words",
    "duration_bounds",
    "duration_window",
    "finalize",
    "fit_to_window",
    "impact_order",
    "meets_timing_invariant",
    "plan_sections",
    "section_within_tolerance",
    "slot_for_section",
    "spoken_seconds",
    "spoken_window_words",
    "timing_offences",
    "timing_warnings",
    "words_for_seconds",
]
