"""The offline composer's inner workings: candidate sentences and fitting them to a budget.

A section is written by listing every sentence it could say (greeting, the improvement's
own description, its metrics read aloud, the style's stock lines), each with a priority
and a place in the running order, then keeping the most important ones that fit the word
budget and reading them back in order. Sizing by whole sentences is what lets the result
meet its duration without ever cutting a thought in half.

Variety between leads comes from a stable hash of the input, never from randomness, so
the same request always gets the same script (§5.5).
"""

from __future__ import annotations

import hashlib
import math
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from urllib.parse import urlsplit

from shared.script.glossary import explains, terms_in
from shared.script.layout import SectionSlot, plan_sections, spoken_items
from shared.script.measure import count_words
from shared.script.metrics import MetricReading, read_metrics
from shared.script.sentences import capitalise, inline, sentence_key, split_sentences
from shared.script.styles import StyleGuide, style_guide
from shared.script.types import (
    DemoSiteInfo,
    GenerationOptions,
    Improvement,
    ImprovementPlan,
    LeadInfo,
)

_NUMBERS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)
_HONORIFICS = {"dr", "prof", "mr", "mrs", "ms", "mx"}
_MAX_STRATEGY_WORDS = 30
_FORMATTER = string.Formatter()

# Keywords in an improvement's category (or, failing that, its title and description)
# that say which family of benefits it brings.
_BENEFIT_FAMILIES = (
    ("accessibility", ("access", "a11y", "wcag", "contrast", "screen reader")),
    ("performance", ("perf", "speed", "fast", "load", "image", "cache", "render", "vitals")),
    ("seo", ("seo", "search", "schema", "structured data", "rank")),
    ("trust", ("trust", "secur", "complian", "privacy", "review", "testimonial", "proof")),
    ("mobile", ("mobile", "phone", "responsive", "tap")),
    ("conversion", ("conver", "checkout", "booking", "book", "funnel", "cta", "lead", "form",
                    "demo request", "calculator")),
    ("messaging", ("messag", "copy", "content", "brand", "headline", "hero", "story")),
    ("ux", ("ux", "usab", "design", "navigation", "layout", "ui", "guide", "directory")),
)


# Groups a script says once, whatever the wording: the strategy restated in a second
# section is repetition even in other words.
ONCE_PER_SCRIPT = frozenset({"strategy"})


@dataclass(frozen=True)
class Line:
    """One candidate sentence (or two, when a template has a short lead-in).

    ``priority``: lower is kept first. ``order``: where it is read. ``group``: at most
    one line per group (alternative wordings). ``needs``: only kept after the line whose
    ``ident`` it names (a metric needs its improvement to have been introduced).
    ``template``: the phrasebook template it came from; a template is used once per
    script, because "Next item: X. Next item: Y." sounds as robotic as a repeated sentence.
    ``reserve``: stock lines borrowed from other scenes, used only when a section's own
    material cannot fill its budget.
    """

    text: str
    priority: float
    order: float
    group: str | None = None
    ident: str | None = None
    needs: str | None = None
    body: bool = True  # False for openers, greetings and closers: not for mid-section use
    template: str | None = None
    reserve: bool = False
    must: bool = False  # the script relies on this section saying it (company, demo URL)
    core: bool = False  # names an item the section was given, or reads its metric: kept
    item: int | None = None  # the plan index of the improvement this line presents


@dataclass
class Memory:
    """What a script has already said, so no section repeats a sentence or a frame."""

    sentences: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)
    explained: set[str] = field(default_factory=set)  # glossary terms already explained
    groups: set[str] = field(default_factory=set)  # once-per-script groups already said

    def remember(self, lines: Iterable[Line]) -> None:
        for line in lines:
            if line.group in ONCE_PER_SCRIPT:
                self.groups.add(line.group)
            self.sentences.update(sentence_key(s) for s in split_sentences(line.text))
            if line.template:
                self.templates.add(line.template)
            self.explained.update(term.name for term in terms_in(line.text))


@dataclass(frozen=True)
class Context:
    """Everything a section needs, resolved once per script."""

    plan: ImprovementPlan
    lead: LeadInfo
    demo_site: DemoSiteInfo
    options: GenerationOptions
    guide: StyleGuide
    values: dict[str, str]
    seed: int
    emphasis: frozenset[str]
    readings: tuple[tuple[MetricReading, ...], ...]
    # The section opens with an item the reviewer asked for, so the section's own items
    # are introduced as follow-ons ("Also recommended: …"), not as "our first".
    first_named: bool = False
    # Hard (low, high) word limits for a regenerated section: the rest of the script is
    # fixed, so the spoken window (§3.5) leaves it only so many words.
    word_limits: tuple[int, int] | None = None

    def render(self, template: str, **extra: str) -> str | None:
        """Fill a template, or None when a field it needs is empty (no placeholder text)."""
        values = {**self.values, **extra}
        for _, name, _, _ in _FORMATTER.parse(template):
            if name is not None and not values.get(name):
                return None
        return template.format(**values)

    def rotate(self, items: Sequence[str], salt: str) -> list[str]:
        """The same items, starting at an offset that depends on the lead and the salt."""
        if not items:
            return []
        offset = _stable_int(f"{self.seed}|{salt}") % len(items)
        return list(items[offset:]) + list(items[:offset])


def _stable_int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def number_words(count: int) -> str:
    return _NUMBERS[count] if 0 <= count < len(_NUMBERS) else str(count)


def spoken_list(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _addressee(contact: str | None) -> str:
    """How to greet the contact: first name, or honorific and surname ("Dr. Wójcik").
    Only the name-like part of a word is kept: "Robert');" is greeted as "Robert"."""
    parts = [name for part in (contact or "").split() if (name := _name_part(part))]
    if not parts:
        return ""
    if parts[0].rstrip(".").lower() in _HONORIFICS and len(parts) > 1:
        return f"{parts[0]} {parts[-1]}"
    return parts[0]


def _name_part(word: str) -> str:
    match = _NAME.match(word)
    return match.group(0).rstrip("'’-") if match else ""


_NAME = re.compile(r"[^\W\d_][\w'’.-]*")


def host_of(url: str) -> str:
    """The demo's address as spoken: "https://www.x.example/" → "x.example"."""
    host = urlsplit(url.strip()).netloc or url.strip()
    return host.removeprefix("www.")


def _strategy_clause(strategy: str) -> str:
    sentences = split_sentences(strategy)
    first = sentences[0] if sentences else ""
    return inline(first) if 0 < count_words(first) <= _MAX_STRATEGY_WORDS else ""


def _emphasis(instructions: str | None) -> frozenset[str]:
    """What the reviewer asked to stress; it reorders material, it is never quoted."""
    text = (instructions or "").lower()
    wanted = {
        "metrics": r"\b(metric|number|data|stat|kpi|measur|result|roi|percent|figure)",
        "benefits": r"\b(benefit|customer|patient|client|user|visitor|people|value)",
        "detail": r"\b(detail|how it works|technical|implement|explain|specific)",
        "strategy": r"\b(strategy|goal|vision|big picture|overall)",
    }
    return frozenset(name for name, pattern in wanted.items() if re.search(pattern, text))


def build_context(
    plan: ImprovementPlan,
    lead: LeadInfo,
    demo_site: DemoSiteInfo,
    options: GenerationOptions,
    instructions: str | None = None,
) -> Context:
    guide = style_guide(options.style)
    industry = re.sub(r"\s*\([^)]*\)", "", lead.industry or "").strip()
    # "{count} recommendations" counts what the script will actually say, not the plan.
    count = len(spoken_items(plan_sections(plan, options)))
    values = {
        "company": lead.company_name,
        "industry": inline(industry) if industry else "",
        "site": host_of(demo_site.url),
        "name": _addressee(lead.contact_name),
        "count": number_words(count) if count >= 2 else "",
        "strategy": _strategy_clause(plan.overall_strategy),
    }
    seed_text = "|".join([lead.company_name, demo_site.url, options.style.value,
                          instructions or ""])
    return Context(
        plan=plan,
        lead=lead,
        demo_site=demo_site,
        options=options,
        guide=guide,
        values=values,
        seed=_stable_int(seed_text),
        emphasis=_emphasis(instructions),
        readings=tuple(
            tuple(read_metrics(item.metrics, guide.phrases.change_verbs,
                               plain=explains(options.style)))
            for item in plan.improvements
        ),
    )


def benefit_family(item: Improvement) -> str:
    for text in (item.category or "", f"{item.title} {item.description}"):
        lowered = text.lower()
        for family, keywords in _BENEFIT_FAMILIES:
            if any(keyword in lowered for keyword in keywords):
                return family
    return "general"


def title_values(item: Improvement) -> dict[str, str]:
    phrase = inline(item.title) or item.title.strip()
    return {"title": phrase, "Title": capitalise(phrase)}


def word_band(slot: SectionSlot, wpm: int) -> tuple[int, int, int, int]:
    """(strict low, aim low, aim high, strict high) word counts for a slot.

    Strict bounds are what validation accepts (within 15 % of the duration and of the
    budget); the aim is a narrower band inside them, so rounding never decides.
    """
    spoken_low, spoken_high = (
        Fraction(slot.duration_seconds * wpm, 60) * Fraction(85, 100),
        Fraction(slot.duration_seconds * wpm, 60) * Fraction(115, 100),
    )
    budget = slot.word_budget
    strict_low = max(math.ceil(spoken_low), math.ceil(budget * Fraction(85, 100)), 1)
    strict_high = min(math.floor(spoken_high), math.floor(budget * Fraction(115, 100)))
    aim_low = max(strict_low, math.ceil(budget * Fraction(93, 100)))
    aim_high = min(strict_high, math.floor(budget * Fraction(105, 100)))
    if aim_low > aim_high:
        aim_low, aim_high = strict_low, strict_high
    return strict_low, aim_low, aim_high, max(strict_high, strict_low)


def select(lines: Iterable[Line], target: int, high: int, memory: Memory) -> list[Line]:
    """Keep the most important lines that fit under ``high``, until ``target`` is reached.

    Returns them in reading order. A line is skipped if any of its sentences, or its
    template, was already used (here or, via ``memory``, elsewhere in the script).
    """
    chosen: list[Line] = []
    said = set(memory.sentences)
    templates = set(memory.templates)
    groups: set[str] = set()
    idents: set[str] = set()
    total = 0
    for line in sorted(lines, key=lambda line: (line.priority, line.order)):
        if total >= target:
            break
        if line.group and (line.group in groups or line.group in memory.groups):
            continue
        if line.needs and line.needs not in idents:
            continue
        if line.template and line.template in templates:
            continue
        keys = [sentence_key(sentence) for sentence in split_sentences(line.text)]
        words = count_words(line.text)
        if not keys or any(not key or key in said for key in keys) or words == 0:
            continue
        if total + words > high:
            continue
        chosen.append(line)
        said.update(keys)
        total += words
        if line.template:
            templates.add(line.template)
        if line.group:
            groups.add(line.group)
        if line.ident:
            idents.add(line.ident)
    return sorted(chosen, key=lambda line: line.order)
