"""Deterministic timing correction (§3.5): make a script's timing true and inside the window.

The order of preference is deliberate. Durations are re-timed to the words actually
written, because a duration that disagrees with its words is a lie the voiceover will
expose. Words are changed only when re-timing alone cannot satisfy the promise of §3.5
(each section's spoken length within ±15 % of its duration, the total spoken length and
the total duration inside the window):

- too many words: the section that overshoots its plan most gives words up first, whole
  sentences when a sentence break allows it; a section without a usable break (a reply
  that is one endless sentence, or no punctuation at all) is cut at a clause boundary
  (comma, semicolon, colon, dash, or before a conjunction) and, failing that, at a word,
  the cut always ending cleanly with a full stop and never on a dangling "and" or "the";
- too few words: sentences from a filler are added to the sections that undershoot most;
- a section too thin to have any honest duration (a handful of words) is filled first.

Import :func:`fit_to_window` (or :func:`fit_to_window_report`, which also says what was
done) from :mod:`shared.script.timing`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from shared.script.filler import default_filler
from shared.script.measure import (
    SECTION_TOLERANCE,
    count_words,
    duration_bounds,
    duration_window,
    finalize,
    spoken_window_words,
    timing_offences,
)
from shared.script.sentences import join_sentences, sentence_key, split_sentences
from shared.script.styles import style_guide
from shared.script.types import Script, Section, Style

Filler = Callable[[Section, int], str]

MAX_SECTION_SECONDS = 300
MAX_CONTENT_CHARS = 5000
# The fewest words that always have an integer duration within tolerance, at every
# style's pace (4 words at 165 wpm is 1.45 s: neither 1 s nor 2 s is within 15 %; from 8
# words on there is always one). Trimming never goes below it, filling lifts sections to it.
MIN_SECTION_WORDS = 8
# A clause or word cut keeps at least this many words of the sentence it shortens.
MIN_FRAGMENT_WORDS = 3
_MAX_ROUNDS = 4000  # every round removes or shortens a sentence, adds one, or gives up

_CLAUSE_PUNCTUATION = (",", ";", ":", "–", "—")
_DASHES = frozenset({"-", "--", "–", "—"})
# A clause may start at these words: cutting just before one leaves a complete clause.
_CONJUNCTIONS = frozenset({
    "and", "but", "or", "nor", "so", "yet", "because", "while", "which", "although",
    "though", "whereas", "where", "when", "since", "unless", "until", "whether", "who",
    "whose", "then", "plus",
})
# Words a clean cut never ends on: they promise something that no longer follows.
_DANGLING = _CONJUNCTIONS | frozenset({
    "a", "an", "the", "of", "to", "for", "with", "in", "on", "at", "by", "from", "as",
    "that", "this", "these", "those", "into", "onto", "than", "if", "your", "our", "their",
    "its", "my", "his", "her", "is", "are", "was", "were", "be", "been", "will", "can",
    "could", "would", "should", "very", "more", "most", "not", "no", "about", "over",
    "under", "between", "through", "every", "each", "any", "some", "just", "also",
})
_STRIP = " \t\n,;:–—-…"


class CutLevel:
    """How finely a cut had to go, coarsest first (the names appear in script metadata)."""

    SENTENCE = "sentence"
    CLAUSE = "clause"
    WORD = "word"


@dataclass
class _Draft:
    """A section being corrected: its sentences, and the duration it was planned with."""

    section: Section
    sentences: list[str]
    changed: bool = False
    exhausted: bool = False  # nothing more can be cut from it
    words: int = field(init=False)

    def __post_init__(self) -> None:
        self.words = sum(count_words(sentence) for sentence in self.sentences)

    def content(self) -> str:
        if not self.changed:
            return self.section.content
        return join_sentences([s for s in self.sentences if count_words(s)])

    def current(self) -> Section:
        return self.section.model_copy(update={"content": self.content() or "."})


@dataclass(frozen=True)
class FitReport:
    """What :func:`fit_to_window_report` did, for the script's metadata and the reports.

    ``cuts`` counts cuts by level (sentence, clause, word); ``words_changed`` says whether
    any section's words changed, ``retimed`` whether any duration changed.
    """

    script: Script
    words_changed: bool
    retimed: bool
    cuts: dict[str, int]
    added_sentences: int

    @property
    def applied(self) -> bool:
        """Whether the deterministic fix changed anything at all."""
        return self.words_changed or self.retimed

    def as_metadata(self) -> dict[str, object]:
        return {
            "applied": self.applied, "words_changed": self.words_changed,
            "retimed": self.retimed, "cuts": dict(self.cuts),
            "added_sentences": self.added_sentences,
        }


def fit_to_window(
    script: Script,
    target_seconds: int,
    *,
    only_index: int | None = None,
    filler: Filler | None = None,
) -> Script:
    """Return ``script`` with its timing true to its words and inside the window.

    With ``only_index`` (a 0-based section index) only that section may change: every
    other section stays byte-identical, as section regeneration requires (§3.6). A script
    whose timing is already right is returned as it is, with fresh warnings. The result
    normally meets :func:`~shared.script.measure.timing_offences`; callers that store it
    must still check, because a section the fit may not touch can be wrong already.
    """
    return fit_to_window_report(
        script, target_seconds, only_index=only_index, filler=filler
    ).script


def fit_to_window_report(
    script: Script,
    target_seconds: int,
    *,
    only_index: int | None = None,
    filler: Filler | None = None,
) -> FitReport:
    """:func:`fit_to_window`, also saying what it had to do."""
    sections = script.sections
    if only_index is not None and not 0 <= only_index < len(sections):
        raise IndexError(f"section index {only_index} is outside a {len(sections)}-section script")
    mutable = list(range(len(sections))) if only_index is None else [only_index]
    relevant = [
        offence for offence in timing_offences(script, target_seconds)
        if offence.index is None or offence.index in mutable
    ]
    if not relevant:
        return FitReport(finalize(script, target_seconds), False, False, {}, 0)

    style = script.style
    wpm = style_guide(style).words_per_minute
    low, high = duration_window(target_seconds)
    fixed_seconds = sum(s.duration_seconds for i, s in enumerate(sections) if i not in mutable)
    fixed_words = sum(count_words(s.content) for i, s in enumerate(sections) if i not in mutable)
    drafts = {i: _Draft(sections[i], split_sentences(sections[i].content)) for i in mutable}
    words_low, words_high = _word_range(
        target_seconds, style, wpm, fixed_words, low - fixed_seconds, high - fixed_seconds
    )

    present = {sentence_key(s) for section in sections for s in split_sentences(section.content)}
    fill = filler or default_filler
    added = _fill_thin(drafts, fill, present)
    cuts = _trim(drafts, words_low, words_high, wpm)
    added += _extend(drafts, words_low, words_high, wpm, fill, present)
    durations = _retime(drafts, low - fixed_seconds, high - fixed_seconds, wpm)

    updated = list(sections)
    for index, draft in drafts.items():
        updated[index] = draft.section.model_copy(
            update={"content": draft.content() or draft.section.content,
                    "duration_seconds": durations[index]}
        )
    fitted = finalize(script.model_copy(update={"sections": tuple(updated)}), target_seconds)
    return FitReport(
        script=fitted,
        words_changed=any(draft.changed for draft in drafts.values()),
        retimed=any(durations[i] != sections[i].duration_seconds for i in drafts),
        cuts={level: count for level, count in cuts.items() if count},
        added_sentences=added,
    )


def _word_range(
    target_seconds: int, style: Style, wpm: int, fixed_words: int,
    seconds_low: int, seconds_high: int,
) -> tuple[int, int]:
    """Words the changeable sections may speak, all told.

    Two promises bound it: the spoken total inside the window, and durations that can be
    within tolerance of the words while summing to the duration window. When the two
    cannot both hold (a fixed section is already wrong) the spoken window wins.
    """
    spoken_low, spoken_high = spoken_window_words(target_seconds, style, fixed_words)
    tolerance = Fraction(str(SECTION_TOLERANCE))
    claimed_low = math.ceil((1 - tolerance) * seconds_low * Fraction(wpm, 60))
    claimed_high = math.floor((1 + tolerance) * seconds_high * Fraction(wpm, 60))
    words_low, words_high = max(spoken_low, claimed_low), min(spoken_high, claimed_high)
    if words_low > words_high:
        return spoken_low, spoken_high
    return words_low, words_high


def _pace(draft: _Draft, wpm: int) -> Fraction:
    """Spoken length over planned duration: above 1 the section overshoots its plan."""
    return Fraction(draft.words * 60, wpm * max(1, draft.section.duration_seconds))


# --- filling sections too thin to time ----------------------------------------------------


def _fill_thin(drafts: dict[int, _Draft], filler: Filler, present: set[str]) -> int:
    """Lift sections under :data:`MIN_SECTION_WORDS` (an empty or one-word reply) to it."""
    added = 0
    for draft in drafts.values():
        if draft.words >= MIN_SECTION_WORDS:
            continue
        need = MIN_SECTION_WORDS - draft.words
        for sentence in split_sentences(filler(draft.current(), need + 4)):
            key, words = sentence_key(sentence), count_words(sentence)
            if not key or key in present or words == 0:
                continue
            if len(draft.content()) + len(sentence) + 1 > MAX_CONTENT_CHARS:
                continue
            draft.sentences.append(sentence)
            draft.words += words
            draft.changed = True
            present.add(key)
            added += 1
            if draft.words >= MIN_SECTION_WORDS:
                break
    return added


# --- trimming ----------------------------------------------------------------------------------


def _trim(drafts: dict[int, _Draft], words_low: int, words_high: int, wpm: int
          ) -> dict[str, int]:
    cuts = {CutLevel.SENTENCE: 0, CutLevel.CLAUSE: 0, CutLevel.WORD: 0}
    for _ in range(_MAX_ROUNDS):
        total = sum(draft.words for draft in drafts.values())
        excess = total - words_high
        order = sorted(
            (i for i, d in drafts.items() if not d.exhausted and d.words > MIN_SECTION_WORDS),
            key=lambda i: (-_pace(drafts[i], wpm), i),
        )
        if excess <= 0 or not order:
            break
        index = order[0]
        draft = drafts[index]
        # This round the section gives up what puts it level with the next one's pace, or
        # its planned share of the excess, whichever is more: the excess is spread over
        # the sections that overshoot, in proportion, instead of gutting one of them.
        planned = max(1, draft.section.duration_seconds)
        next_pace = _pace(drafts[order[1]], wpm) if len(order) > 1 else Fraction(0)
        level = draft.words - math.ceil(next_pace * planned * Fraction(wpm, 60))
        planned_sum = sum(max(1, drafts[i].section.duration_seconds) for i in order)
        share = math.ceil(Fraction(excess * planned, planned_sum))
        need = max(1, min(excess, max(level, share), draft.words - MIN_SECTION_WORDS))
        level_used = _cut(draft, need, room=total - words_low)
        if level_used is None:
            draft.exhausted = True
        else:
            cuts[level_used] += 1
    return cuts


def _cut(draft: _Draft, need: int, room: int) -> str | None:
    """Remove about ``need`` words from ``draft`` (never more than ``room``).

    Whole sentences first: the first sentence usually carries the section's point, so it
    stays; of the rest, the shortest one that covers ``need`` without dropping the total
    below the window. Failing that, a sentence long enough to give ``need`` up is
    shortened at a clause or a word (one endless sentence is the bloat, not the short
    ones around it); failing that, the longest smaller sentence goes.
    """
    lengths = [count_words(s) for s in draft.sentences]
    spare = draft.words - MIN_SECTION_WORDS  # a section never drops below the minimum
    sizes = [(n, position) for position, n in enumerate(lengths) if position and n <= spare]
    covering = [size for size in sizes if need <= size[0] <= room]
    if covering:
        return _drop(draft, min(covering))
    need = min(need, spare)
    fits = [p for p, n in enumerate(lengths) if n - MIN_FRAGMENT_WORDS >= need]
    if fits:
        return _shorten(draft, fits[-1], need, room)
    smaller = [size for size in sizes if 0 < size[0] < need]
    if smaller:
        return _drop(draft, max(smaller))
    position = max(range(len(lengths)), key=lambda p: (lengths[p], -p))
    return _shorten(draft, position, min(need, lengths[position] - MIN_FRAGMENT_WORDS), room)


def _drop(draft: _Draft, size: tuple[int, int]) -> str:
    words, position = size
    del draft.sentences[position]
    draft.words -= words
    draft.changed = True
    return CutLevel.SENTENCE


def _shorten(draft: _Draft, position: int, amount: int, room: int) -> str | None:
    length = count_words(draft.sentences[position])
    if amount <= 0:
        return None
    keep = length - amount
    # The fragment never leaves the section under its minimum, whatever the cut.
    floor = max(MIN_FRAGMENT_WORDS, length - (draft.words - MIN_SECTION_WORDS))
    # A clause cut may give up a little more than asked, as long as the total stays in the
    # window and the sentence keeps most of what it was going to keep.
    slack = max(0, min(room - amount, keep // 4))
    shortened = shorten_sentence(
        draft.sentences[position], keep, max(floor, keep - slack), min_words=floor
    )
    if shortened is None:
        return None
    text, level = shortened
    draft.words -= length - count_words(text)
    draft.sentences[position] = text
    draft.changed = True
    return level


def shorten_sentence(
    sentence: str, keep_max: int, keep_min: int, *, min_words: int = MIN_FRAGMENT_WORDS
) -> tuple[str, str] | None:
    """The sentence's opening, at most ``keep_max`` words, ending cleanly with a full stop.

    A clause boundary keeping between ``keep_min`` and ``keep_max`` words is preferred (the
    latest one); otherwise the cut falls after word ``keep_max``, pulled back past words
    that would dangle ("…for the.") but never under ``min_words``. Returns the text and
    the level, or None when no fragment of at least ``min_words`` words is possible.
    """
    tokens = sentence.split()
    counted: list[int] = []  # words up to and including token j
    running = 0
    for token in tokens:
        running += 1 if any(char.isalnum() for char in token) else 0
        counted.append(running)

    best: int | None = None
    for j in range(len(tokens) - 1):
        kept = counted[j]
        if not keep_min <= kept <= keep_max or kept < min_words:
            continue
        following = tokens[j + 1].lower().strip("\"'“”‘’([")
        if (tokens[j].rstrip("\"'”’)]").endswith(_CLAUSE_PUNCTUATION)
                or following in _DASHES or following in _CONJUNCTIONS):
            best = j
    if best is not None:
        return _close(tokens[: best + 1]), CutLevel.CLAUSE

    end = max((j for j, kept in enumerate(counted) if kept <= keep_max), default=-1)
    while end >= 0 and counted[end] > min_words and _dangles(tokens[end]):
        end -= 1
    if end < 0 or counted[end] < min_words:
        return None
    return _close(tokens[: end + 1]), CutLevel.WORD


def _dangles(token: str) -> bool:
    bare = token.lower().strip("\"'“”‘’()[],;:.!?")
    return bare in _DANGLING or not any(char.isalnum() for char in token)


def _close(tokens: list[str]) -> str:
    """Join a fragment and end it with a full stop (no trailing comma, dash or quote)."""
    text = " ".join(tokens).rstrip(_STRIP)
    while text and text[-1] in "\"'“”‘’([":
        text = text[:-1].rstrip(_STRIP)
    if text.endswith((".", "!", "?")):
        return text
    return text + "."


# --- extending ---------------------------------------------------------------------------------


def _extend(
    drafts: dict[int, _Draft],
    words_low: int,
    words_high: int,
    wpm: int,
    filler: Filler,
    present: set[str],
) -> int:
    aim = (words_low + words_high) // 2
    shortfall = aim - sum(draft.words for draft in drafts.values())
    planned = sum(max(1, draft.section.duration_seconds) for draft in drafts.values())
    exhausted: set[int] = set()
    sentences_added = 0
    for _ in range(_MAX_ROUNDS):
        total = sum(draft.words for draft in drafts.values())
        candidates = [i for i in drafts if i not in exhausted]
        if total >= words_low or not candidates:
            break
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
            sentences_added += 1
            if added >= ask:
                break
        if added == 0:
            exhausted.add(index)
    return sentences_added


# --- durations ---------------------------------------------------------------------------------


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
    # the tolerance while that is possible, then give the window priority (the result is
    # then refused by the storing check, and the caller falls back).
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
