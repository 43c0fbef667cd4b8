"""How long a script takes to say, and whether that matches what it promises (§3.5).

Everything that judges timing goes through here, so the composer, the corrector, the LLM
orchestrator and the stored warnings can never disagree about a section's length. Import
the public names from :mod:`shared.script.timing`.
"""

from __future__ import annotations

import math
from fractions import Fraction

from shared.script.styles import style_guide
from shared.script.types import Script, Section, Style

SECTION_TOLERANCE = 0.15
WINDOW_LOW = 0.90

# Exact versions of the two ratios, so that a bound or a tolerance check right at the edge
# never depends on how a float happens to round.
_TOLERANCE = Fraction(str(SECTION_TOLERANCE))
_WINDOW_LOW = Fraction(str(WINDOW_LOW))


def count_words(text: str) -> int:
    """Words a narrator says: whitespace-separated tokens with a letter or digit in them.

    A lone dash or ellipsis is a pause, not a word; "4.8" and "lazy-load" are one word each.
    """
    return sum(1 for token in text.split() if any(char.isalnum() for char in token))


def spoken_seconds(text: str, style: Style) -> float:
    return count_words(text) / style_guide(style).words_per_minute * 60


def exact_spoken_seconds(words: int, style: Style) -> Fraction:
    """Spoken length as a fraction, for comparisons that must not wobble at the boundary."""
    return Fraction(words * 60, style_guide(style).words_per_minute)


def words_for_seconds(seconds: float, style: Style) -> int:
    """Words that fill ``seconds`` at the style's pace, rounded half up."""
    return max(0, math.floor(seconds * style_guide(style).words_per_minute / 60 + 0.5))


def duration_window(target_seconds: int) -> tuple[int, int]:
    """Inclusive integer bounds for a script's total: [ceil(0.9 × target), target]."""
    return math.ceil(_WINDOW_LOW * target_seconds), target_seconds


def duration_bounds(spoken: Fraction) -> tuple[int, int]:
    """The integer durations a section of this spoken length may claim without a warning.

    Within tolerance means ``|spoken - d| <= 0.15 d``, i.e. ``spoken / 1.15 <= d <=
    spoken / 0.85``. The range can be empty for a sliver of text (under a second).
    """
    low = max(1, math.ceil(spoken / (1 + _TOLERANCE)))
    high = math.floor(spoken / (1 - _TOLERANCE))
    return low, high


def section_within_tolerance(section: Section, style: Style) -> bool:
    spoken = exact_spoken_seconds(count_words(section.content), style)
    return abs(spoken - section.duration_seconds) <= _TOLERANCE * section.duration_seconds


def section_warning(index: int, section: Section, style: Style) -> str | None:
    """The §3.5 warning for one section, or None when its duration matches its words.

    ``index`` is the API's 0-based ``section_index``, so a reviewer can regenerate exactly
    the section the warning names.
    """
    if section_within_tolerance(section, style):
        return None
    spoken = spoken_seconds(section.content, style)
    duration = section.duration_seconds
    off = abs(spoken - duration) / duration * 100
    direction = "longer" if spoken > duration else "shorter"
    return (
        f'Section {index} "{section.title}": spoken length {spoken:.1f}s is {off:.0f}% '
        f"{direction} than its {duration}s duration (tolerance "
        f"{SECTION_TOLERANCE:.0%})."
    )


def timing_warnings(script: Script, target_seconds: int) -> list[str]:
    warnings = [
        warning
        for index, section in enumerate(script.sections)
        if (warning := section_warning(index, section, script.style)) is not None
    ]
    low, high = duration_window(target_seconds)
    total = script.total_duration_seconds
    if not low <= total <= high:
        warnings.append(
            f"Total duration {total}s is outside the allowed {low}-{high}s window for a "
            f"{target_seconds}s target."
        )
    return warnings


def finalize(script: Script, target_seconds: int) -> Script:
    """Stamp the script with the warnings its current timing deserves (never stale ones)."""
    warnings = tuple(timing_warnings(script, target_seconds))
    if warnings == script.validation_warnings:
        return script
    return script.model_copy(update={"validation_warnings": warnings})
