"""How long a script takes to say, and whether that matches what it promises (§3.5).

Everything that judges timing goes through here, so the composer, the corrector, the LLM
orchestrator and the stored warnings can never disagree about a section's length. Import
the public names from :mod:`shared.script.timing`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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


# --- the stored-script invariant (§3.5 "the promise is about what is said") -------------


@dataclass(frozen=True, slots=True)
class TimingOffence:
    """One way a script breaks the §3.5 invariant, in terms a reviewer can act on.

    ``index`` is the 0-based section index, or ``None`` when the offence is the script's
    total (spoken or claimed) rather than one section.
    """

    index: int | None
    spoken_seconds: float
    claimed_seconds: int
    message: str


def timing_offences(script: Script, target_seconds: int) -> tuple[TimingOffence, ...]:
    """Everything that stops ``script`` from being stored: the one check of §3.5.

    A script may be stored only when every section's spoken length (words / wpm x 60) is
    within ±15 % of its ``duration_seconds``, its total spoken length lies inside [90 %,
    100 %] of the target, and its claimed total (the sum of the durations) lies inside the
    integer window. Exact fractions decide the edges. Pure: nothing is changed or logged.
    """
    offences: list[TimingOffence] = []
    total_words = 0
    for index, section in enumerate(script.sections):
        words = count_words(section.content)
        total_words += words
        if not section_within_tolerance(section, script.style):
            offences.append(TimingOffence(
                index=index,
                spoken_seconds=round(float(exact_spoken_seconds(words, script.style)), 2),
                claimed_seconds=section.duration_seconds,
                message=section_warning(index, section, script.style) or "",
            ))
    spoken = exact_spoken_seconds(total_words, script.style)
    claimed = script.total_duration_seconds
    if not _WINDOW_LOW * target_seconds <= spoken <= target_seconds:
        offences.append(TimingOffence(
            index=None, spoken_seconds=round(float(spoken), 2), claimed_seconds=claimed,
            message=(
                f"Total spoken length {float(spoken):.1f}s ({total_words} words) is outside "
                f"the {float(_WINDOW_LOW * target_seconds):g}-{target_seconds}s window for a "
                f"{target_seconds}s target."
            ),
        ))
    low, high = duration_window(target_seconds)
    if not low <= claimed <= high:
        offences.append(TimingOffence(
            index=None, spoken_seconds=round(float(spoken), 2), claimed_seconds=claimed,
            message=(
                f"Total duration {claimed}s is outside the allowed {low}-{high}s window for "
                f"a {target_seconds}s target."
            ),
        ))
    return tuple(offences)


def meets_timing_invariant(script: Script, target_seconds: int) -> bool:
    """True when ``script`` may be stored (see :func:`timing_offences`); for reports."""
    return not timing_offences(script, target_seconds)


def spoken_window_words(target_seconds: int, style: Style, fixed_words: int = 0
                        ) -> tuple[int, int]:
    """Inclusive word counts that put a script's total spoken length inside the window.

    ``fixed_words`` are words already spoken by sections that may not change (section
    regeneration); the range is what the changeable sections may add. It can be empty.
    """
    wpm = style_guide(style).words_per_minute
    low = math.ceil(_WINDOW_LOW * target_seconds * wpm / 60) - fixed_words
    high = math.floor(Fraction(target_seconds * wpm, 60)) - fixed_words
    return max(0, low), high
