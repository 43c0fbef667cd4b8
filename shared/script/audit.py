"""Reading a script as a careful reviewer would: the checks behind §3.5 and §5.5.

Used by the quality report (``bench/quality.py``) and the tests, so both judge scripts the
same way. Each check works on the finished script and the plan it came from, without
knowing which engine wrote it:

- the stored-script timing invariant (each section within 15 % of its duration, the
  total spoken length inside [90 %, 100 %] of the target);
- metric coverage: every metric of every plan item the script presents is read aloud,
  with its label;
- repeated sentences;
- claims: sentences that, once the plan's own words are taken out, still promise
  something (set-up time, hosting, payback, guarantees, numbers) the plan does not say.

The plan and lead are judged as the offline engine may speak them
(:func:`~shared.script.untrusted.speakable_plan`): text that reads as an instruction to a
model is not the plan's to say, so a script that repeats it is making claims of its own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from shared.script.composer import host_of, number_words
from shared.script.glossary import explains
from shared.script.grammar import noun_phrase
from shared.script.measure import count_words
from shared.script.metrics import read_metrics
from shared.script.sentences import inline, sentence_key, split_sentences
from shared.script.styles import style_guide
from shared.script.types import DemoSiteInfo, ImprovementPlan, LeadInfo, Script
from shared.script.untrusted import speakable_lead, speakable_plan

# Patterns of a factual claim that only the plan could back (§5.5: "no invented promises
# such as set-up times, hosting or payback"). Applied to text with the plan's words removed.
CLAIM_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE)) for name, pattern in (
        ("set-up time", r"\b(?:takes?|within|under|in)\s+(?:just\s+|only\s+|a\s+few\s+|"
                        r"about\s+)?(?:\d+|a|an|one|two|three|four|five|ten|fifteen|twenty|"
                        r"thirty|sixty|few)\s+(?:seconds?|minutes?|hours?|days?|weeks?|"
                        r"months?)\b"),
        ("set-up time", r"\b(?:getting started|quick to (?:launch|set up|implement|deploy)|"
                        r"fast to launch|easy to (?:implement|deploy|install)|straightforward "
                        r"to implement|quick change|in days|right away|this month)\b"),
        ("hosting", r"\b(?:hosting|hosted|commodity|runs on|servers? (?:cost|bill))\b"),
        ("payback", r"\b(?:pays? (?:for )?(?:itself|the whole)|pays? (?:you )?back|payback|"
                    r"payoff|paying you back|money back|return on investment|roi|"
                    r"(?:substantial|considerable|expected|potential) return|"
                    r"(?:modest|the) investment|affordable|no massive budget|"
                    r"more revenue|revenue walking)\b"),
        ("guarantee", r"\b(?:guarantee[sd]?|promise[sd]?|risk-free|no obligation|instantly|"
                      r"overnight|proven|game changer|night and day|no-brainer|"
                      r"sales machine)\b"),
        ("number", r"\b\d+(?:[.,]\d+)?\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|"
                   r"eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundreds?|thousands?|"
                   r"millions?|dozens?)\b"),
    )
)


@dataclass(frozen=True)
class Audit:
    """One script's findings; empty lists mean a script a salesperson could send."""

    invariant_ok: bool
    metrics_expected: int
    metrics_spoken: int
    repeated: tuple[str, ...]
    claims: tuple[tuple[str, str], ...]  # (claim kind, sentence)
    untitled_items: tuple[str, ...]  # section titles naming items the section never says


def claims_in(text: str) -> list[str]:
    """Kinds of claim ``text`` makes (text from which plan words were already removed)."""
    return [name for name, pattern in CLAIM_PATTERNS if pattern.search(text)]


def invariant_ok(script: Script, target_seconds: int) -> bool:
    """§3.5 on what is said: every section's words within 15 % of its duration, and the
    total spoken length within [90 %, 100 %] of the target. Exact arithmetic."""
    wpm = style_guide(script.style).words_per_minute
    total = Fraction(0)
    for section in script.sections:
        spoken = Fraction(count_words(section.content) * 60, wpm)
        total += spoken
        if abs(spoken - section.duration_seconds) > Fraction(15, 100) * section.duration_seconds:
            return False
    in_window = Fraction(9, 10) * target_seconds <= total <= target_seconds
    durations = sum(section.duration_seconds for section in script.sections)
    return in_window and Fraction(9, 10) * target_seconds <= durations <= target_seconds


def plan_phrases(plan: ImprovementPlan, lead: LeadInfo, demo_site: DemoSiteInfo,
                 script: Script) -> list[str]:
    """Every way the plan's (and lead's) own words can appear in a script, longest first."""
    phrases = [lead.company_name, lead.industry or "", host_of(demo_site.url),
               demo_site.url, lead.contact_name or "", *(lead.contact_name or "").split()]
    phrases += split_sentences(plan.overall_strategy)
    phrases += [inline(sentence) for sentence in split_sentences(plan.overall_strategy)]
    verbs = style_guide(script.style).phrases.change_verbs
    for item in plan.improvements:
        phrases += [item.title, inline(item.title), noun_phrase(item.title),
                    inline(noun_phrase(item.title)), *split_sentences(item.description)]
        for plain in (False, True):
            for reading in read_metrics(item.metrics, verbs, plain=plain):
                phrases += [reading.change, reading.current or ""]
        phrases += list(item.metrics.values())
    return sorted({p.strip() for p in phrases if len(p.strip()) >= 3}, key=len, reverse=True)


def _without(text: str, phrases: list[str]) -> str:
    lowered = text.lower()
    for phrase in phrases:
        lowered = lowered.replace(phrase.lower(), " ")
    return lowered


def presented_items(plan: ImprovementPlan, script: Script) -> list[int]:
    """Plan items whose title the script says (as written or as a noun phrase)."""
    spoken = " ".join(section.content for section in script.sections).lower()
    return [i for i, item in enumerate(plan.improvements)
            if any(form.lower() in spoken for form in
                   (inline(item.title), inline(noun_phrase(item.title))) if form)]


def audit(script: Script, target_seconds: int, plan: ImprovementPlan, lead: LeadInfo,
          demo_site: DemoSiteInfo, *, offline: bool = True) -> Audit:
    """All checks on one script. ``offline`` adds the checks that only the offline engine
    promises (titles that match, no claims beyond the plan)."""
    plan, lead = speakable_plan(plan), speakable_lead(lead)
    spoken = " ".join(section.content for section in script.sections)
    lowered = spoken.lower()
    verbs = style_guide(script.style).phrases.change_verbs
    expected = said = 0
    for index in presented_items(plan, script):
        item = plan.improvements[index]
        for reading in read_metrics(item.metrics, verbs, plain=explains(script.style)):
            expected += 1
            said += reading.change.lower() in lowered
    keys = [sentence_key(s) for section in script.sections
            for s in split_sentences(section.content)]
    repeated = tuple(key for key, n in Counter(k for k in keys if k).items() if n > 1)
    claims: list[tuple[str, str]] = []
    untitled: list[str] = []
    if offline:
        phrases = plan_phrases(plan, lead, demo_site, script)
        count = len(presented_items(plan, script))
        allowed = number_words(count) if count >= 2 else ""
        for section in script.sections:
            for sentence in split_sentences(section.content):
                rest = _without(sentence, phrases)
                if allowed:
                    rest = re.sub(rf"\b{allowed}\b", " ", rest)
                claims += [(kind, sentence) for kind in claims_in(rest)]
            untitled += _untitled(plan, section.title, section.content)
    return Audit(
        invariant_ok=invariant_ok(script, target_seconds),
        metrics_expected=expected,
        metrics_spoken=said,
        repeated=repeated,
        claims=tuple(claims),
        untitled_items=tuple(untitled),
    )


_MORE = re.compile(r" and (\d+|one) more fix(?:es)?$")


def _untitled(plan: ImprovementPlan, title: str, content: str) -> list[str]:
    """Items a section's title announces but its content does not say."""
    lowered = content.lower()
    missing = []
    named = 0
    for item in plan.improvements:
        forms = [f for f in (noun_phrase(item.title.rstrip(" .!?;:")),
                             inline(noun_phrase(item.title))) if f]
        if any(title.lower().startswith(f.lower()) or f" and {f.lower()}" in title.lower()
               for f in forms):
            named += 1
            if inline(item.title).lower() not in lowered:
                missing.append(f"{title!r}: {item.title}")
    if more := _MORE.search(title):
        announced = 1 if more.group(1) == "one" else int(more.group(1))
        said = sum(inline(item.title).lower() in lowered for item in plan.improvements)
        if said < named + announced:
            missing.append(f"{title!r}: announces {announced} more, says {said - named}")
    return missing
