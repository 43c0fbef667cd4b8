"""Deterministic timing correction (§3.5): make a script's timing true and inside the window.

The order of preference is deliberate. Durations are re-timed to the words actually
written, because a duration that disagrees with its words is a lie the voiceover will
expose. Words are changed only when re-timing alone cannot land the total in the window:
whole sentences are cut from the sections that overshoot most, or sentences from a filler
are added to the sections that undershoot most. The total window wins over per-section
tolerance when both cannot hold (§10 counts the window). Import :func:`fit_to_window`
from :mod:`shared.script.timing`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from shared.script.filler import default_filler
from shared.script.measure import (
    count_words,
    duration_bounds,
    duration_window,
    finalize,
    section_within_tolerance,
)
from shared.script.sentences import join_sentences, sentence_key, split_sentences
from shared.script.styles import style_guide
from shared.script.types import Script, Section

Filler = Callable[[Section, int], str]

MAX_SECTION_SECONDS = 300
MAX_CONTENT_CHARS = 5000
_MAX_ROUNDS = 400  # every round removes a sentence, adds one, or gives up on a section


@dataclass
class _Draft:
    """A section being corrected: its sentences, and the duration it was planned with."""

    section: Section
    sentences: list[str]
    changed: bool = False
    words: int = field(init=False)

    def __post_init__(self) -> None:
        self.words = sum(count_words(sentence) for sentence in self.sentences)

    def content(self) -> str:
        return join_sentences(self.sentences) if self.changed else self.section.content

    def current(self) -> Section:
        return self.section.model_copy(update={"content": self.content()})


def fit_to_window(
    script: Script,
    target_seconds: int,
    *,
    only_index: int | None = None,
    filler: Filler | None = None,
) -> Script:
    """Return ``script`` with a total inside the window and durations true to its words.

    With ``only_index`` (a 0-based section index) only that section may change: every
    other section stays byte-identical, as section regeneration requires (§3.6). A script
    whose timing is already right is returned as it is, with fresh warnings.
    """
    sections = script.sections
    if only_index is not None and not 0 <= only_index < len(sections):
        raise IndexError(f"section index {only_index} is outside a {len(sections)}-section script")
    mutable = list(range(len(sections))) if only_index is None else [only_index]
    low, high = duration_window(target_seconds)
    in_window = low <= script.total_duration_seconds <= high
    if in_window and all(section_within_tolerance(sections[i], script.style) for i in mutable):
        return finalize(script, target_seconds)

    wpm = style_guide(script.style).words_per_minute
    fixed = sum(s.duration_seconds for i, s in enumerate(sections) if i not in mutable)
    drafts = {i: _Draft(sections[i], split_sentences(sections[i].content)) for i in mutable}
    # Word totals the mutable sections may speak: the window less the fixed sections.
    words_low = math.ceil(Fraction((low - fixed) * wpm, 60))
    words_high = math.floor(Fraction((high - fixed) * wpm, 60))

    _trim(drafts, words_high, wpm)
    present = {sentence_key(s) for section in sections for s in split_sentences(section.content)}
    _extend(drafts, words_low, words_high, wpm, filler or default_filler, present)
    durations = _retime(drafts, low - fixed, high - fixed, wpm)

    updated = list(sections)
    for index, draft in drafts.items():
        updated[index] = draft.section.model_copy(
            update={"content": draft.content(), "duration_seconds": durations[index]}
        )
    return finalize(script.model_copy(update={"sections": tuple(updated)}), target_seconds)


def _pace(draft: _Draft, wpm: int) -> Fraction:
    """Spoken length over planned duration: above 1 the section overshoots its plan."""
    return Fraction(draft.words * 60, wpm * max(1, draft.section.duration_seconds))


def _trim(drafts: dict[int, _Draft], words_high: int, wpm: int) -> None:
    for _ in range(_MAX_ROUNDS):
        excess = sum(draft.words for draft in drafts.values()) - words_high
        trimmable = [i for i, draft in drafts.items() if len(draft.sentences) > 1]
        if excess <= 0 or not trimmable:
            return
        draft = drafts[max(trimmable, key=lambda i: (_pace(drafts[i], wpm), -i))]
        # The first sentence usually carries the section's point, so it stays. Of the
        # rest, cut the shortest one that removes the whole excess, else the longest.
        sizes = [(count_words(s), position) for position, s in enumerate(draft.sentences)][1:]
        covering = [size for size in sizes if size[0] >= excess]
        words, position = min(covering) if covering else max(sizes)
        del draft.sentences[position]
        draft.words -= words
        draft.changed = True


def _extend(
    drafts: dict[int, _Draft],
    words_low: int,
    words_high: int,
    wpm: int,
    filler: Filler,
    present: set[str],
) -> None:
    aim = (words_low + words_high) // 2
    shortfall = aim - sum(draft.words for draft in drafts.values())
    planned = sum(max(1, draft.section.duration_seconds) for draft in drafts.values())
    exhausted: set[int] = set()
    for _ in range(_MAX_ROUNDS):
        total = sum(draft.words for draft in drafts.values())
        candidates = [i for i in drafts if i not in exhausted]
        if total >= words_low or not candidates:
            return
        index = min(candidates, key=lambda i: (_pace(drafts[i], wpm), i))
        draft = drafts[index]
        # Spread the extra words: a section first makes up its own shortfall against its
        # plan, then takes its planned share of the script's, never all of it at once.
        own_gap = math.floor(Fraction(draft.section.duration_seconds * wpm, 60)) - draft.words
        share = math.ceil(Fraction(shortfall * max(1, draft.section.duration_seconds), planned))
        ask = max(1, min(aim - total, max(own_gap, share)))
        added = 0
        for sentence in split_sentences(filler(draft.current(), max(1, ask))):
            key, words = sentence_key(sentence), count_words(sentence)
            if not key or key in present or words == 0 or total + added + words > words_high:
                continue
            if len(draft.content()) + len(sentence) + 1 > MAX_CONTENT_CHARS:
                continue
            draft.sentences.append(sentence)
            draft.words += words
            draft.changed = True
            present.add(key)
            added += words
            if added >= ask:
                break
        if added == 0:
            exhausted.add(index)


def _retime(drafts: dict[int, _Draft], seconds_low: int, seconds_high: int, wpm: int
            ) -> dict[int, int]:
    spoken = {i: Fraction(draft.words * 60, wpm) for i, draft in drafts.items()}
    bounds: dict[int, tuple[int, int]] = {}
    durations: dict[int, int] = {}
    for i, length in spoken.items():
        low, high = duration_bounds(length)
        low = min(low, MAX_SECTION_SECONDS)
        high = min(max(high, low), MAX_SECTION_SECONDS)
        bounds[i] = (low, high)
        durations[i] = min(high, max(low, math.floor(length + Fraction(1, 2))))

    def strain(i: int, duration: int) -> Fraction:
        return spoken[i] / duration

    # Move one second at a time, always where it strains the words least; stay inside
    # the tolerance while that is possible, then give the window priority.
    for _ in range(len(drafts) * MAX_SECTION_SECONDS):
        total = sum(durations.values())
        if total < seconds_low:
            grow = [i for i in durations if durations[i] < MAX_SECTION_SECONDS]
            if not grow:
                break
            i = max(grow, key=lambda i: (durations[i] < bounds[i][1],
                                         strain(i, durations[i]), -i))
            durations[i] += 1
        elif total > seconds_high:
            shrink = [i for i in durations if durations[i] > 1]
            if not shrink:
                break
            i = max(shrink, key=lambda i: (durations[i] > bounds[i][0],
                                           -strain(i, durations[i]), -i))
            durations[i] -= 1
        else:
            break
    return durations
