"""A reviewer's regeneration instructions, as far as the offline engine can follow them.

Without an LLM, free text cannot be obeyed in general, but the common requests can be:
emphasis on an item or its numbers ("lead with the checkout numbers"), order (open or
close with something), length (shorter, longer) and mentioning an item of the plan. Every
other request (tone, jokes, facts the plan does not hold) is reported back, so the job
can say which instructions were not followed instead of silently ignoring them (§5.5).
The instructions are data: they steer what is said, they are never spoken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.script.layout import impact_order
from shared.script.measure import count_words
from shared.script.sentences import inline, split_sentences
from shared.script.types import ImprovementPlan, Section

SHORTER = 0.7
LONGER = 1.35
CTA = -1  # target meaning "the next step / the demo link", not a plan item

_CLAUSES = re.compile(r"[.;!?\n]+|,\s*(?:and|then|but)\s+|\s+(?:and then|then|but|and)\s+|"
                      r",\s+")
_SHORT = re.compile(r"\b(shorter|shorten|concise|brief(?:er)?|tighten|trim|cut (?:it )?down|"
                    r"less wordy|fewer words|condense)\b")
_LONG = re.compile(r"\b(longer|lengthen|expand|elaborate|more detail(?:ed)?|go deeper|"
                   r"flesh out)\b")
_LEAD = re.compile(r"\b(?:lead|start|open|begin)s?(?:\s+\w+)?\s+with\b|\b(?:first|up front|"
                   r"upfront)\b")
_END = re.compile(r"\b(?:end|close|finish|wrap up)s?(?:\s+\w+)?\s+with\b|\blast\b")
_MENTION = re.compile(r"\b(mention|include|talk about|cover|add|highlight|emphasi[sz]e|"
                      r"focus on|stress|feature|bring up|name|lean on|more on|point out)\b")
_NUMBERS = re.compile(r"\b(numbers?|metrics?|figures?|stats?|statistics|data|results?|kpis?|"
                      r"percent(?:age)?s?|measurements?)\b")
_EMPHASIS = re.compile(r"\b(benefits?|value|detail|details|how it works|strategy|goal|vision|"
                       r"big picture|concrete|specific)\b")
_TONE = re.compile(r"\b(jokes?|funn(?:y|ier)|humou?r\w*|warm\w*|friendl\w*|formal\w*|tone|"
                   r"energetic|excit\w*|playful|serious|casual|punch(?:y|ier)|enthusias\w*|"
                   r"emojis?|rhym\w*|poem|upbeat|calm\w*|confident|bold\w*|polite\w*)\b")
_CTA_WORDS = re.compile(r"\b(next steps?|call to action|cta|demo link|the demo|link|url|"
                        r"contact|book(?:ing)? a call|reply)\b")
_STOP_TEXT = """
    a an the and or of on in to for with from by at as is are be it its this that these
    those our your their my we you they please make more less much very really section
    part bit lead start open begin end close finish first last numbers number metrics metric
    figures figure stats data results result focus mention include talk about cover add
    highlight emphasise emphasize stress feature name bring up front upfront instead also
    just some keep it's point out lean
"""
_STOP = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True)
class Directives:
    """What the offline engine will do about a set of instructions."""

    lead: tuple[int, ...] = ()  # plan indexes (or CTA) the section opens with
    end: tuple[int, ...] = ()  # ... closes with
    mention: tuple[int, ...] = ()  # ... names somewhere
    numbers_first: frozenset[int] = frozenset()  # items whose metric opens their mention
    length: float = 1.0  # SHORTER, 1.0 or LONGER
    unsupported: tuple[tuple[str, str], ...] = ()  # (clause, why not)

    @property
    def items(self) -> tuple[int, ...]:
        """Every plan item the instructions bring in, in the order they are said."""
        seen = dict.fromkeys(i for i in (*self.lead, *self.mention, *self.end) if i != CTA)
        return tuple(seen)


def _words(text: str) -> set[str]:
    return {word.rstrip("s") for word in re.findall(r"[\w'-]+", text.lower())
            if word not in _STOP and len(word) > 2}


def _target(clause: str, plan: ImprovementPlan) -> int | None:
    """The plan item a clause is about (best word overlap with its title, metrics and
    category; higher priority breaks ties), CTA for the next step, or None."""
    wanted = _words(clause)
    best: tuple[int, int] | None = None
    for index in impact_order(plan.improvements):
        item = plan.improvements[index]
        text = " ".join([item.title, item.category or "", *item.metrics.keys(),
                         *item.metrics.values()])
        score = len(wanted & _words(text))
        if score and (best is None or score > best[0]):
            best = (score, index)
    if best is not None:
        return best[1]
    return CTA if _CTA_WORDS.search(clause.lower()) else None


def parse_directives(instructions: str | None, plan: ImprovementPlan) -> Directives:
    """Sort each clause of ``instructions`` into something the engine does, or not."""
    lead: list[int] = []
    end: list[int] = []
    mention: list[int] = []
    numbers: set[int] = set()
    length = 1.0
    unsupported: list[tuple[str, str]] = []
    carried: list[int] | None = None  # "end with X and Y": Y is placed like X
    for raw in _CLAUSES.split(instructions or ""):
        clause = raw.strip(" \t\"'")
        lowered = clause.lower()
        if not clause:
            carried = None
            continue
        if _TONE.search(lowered):
            unsupported.append((clause, "the offline engine keeps the style's own voice"))
            continue
        handled = False
        if _SHORT.search(lowered):
            length, handled = SHORTER, True
        elif _LONG.search(lowered):
            length, handled = LONGER, True
        placing = (lead if _LEAD.search(lowered) else end if _END.search(lowered)
                   else mention if _MENTION.search(lowered) else None)
        if placing is None and carried is not None and not handled:
            placing = carried
        elif placing is None and _NUMBERS.search(lowered):
            placing = mention
        carried = placing
        target = _target(clause, plan) if placing is not None else None
        specific = bool(_words(_NUMBERS.sub(" ", _EMPHASIS.sub(" ", lowered))))
        if target is not None and placing is not None:
            placing.append(target)
            if target != CTA and _NUMBERS.search(lowered):
                if plan.improvements[target].metrics:
                    numbers.add(target)
                else:
                    unsupported.append((clause, "the plan has no numbers for "
                                        f'"{inline(plan.improvements[target].title)}"'))
            continue
        if placing is not None and not specific:
            continue  # general emphasis ("lead with the numbers"): it steers stock material
        if placing is not None:
            unsupported.append((clause, "it names nothing in the improvement plan"))
            continue
        if handled or _EMPHASIS.search(lowered):
            continue
        unsupported.append((clause, "the offline engine can only reorder, resize or add "
                            "material from the plan"))
    return Directives(lead=tuple(dict.fromkeys(lead)), end=tuple(dict.fromkeys(end)),
                      mention=tuple(dict.fromkeys(mention)), numbers_first=frozenset(numbers),
                      length=length, unsupported=tuple(unsupported))


def _says(text: str, plan: ImprovementPlan, target: int, site: str) -> bool:
    lowered = text.lower()
    if target == CTA:
        return bool(site) and site.lower() in lowered
    title = inline(plan.improvements[target].title).lower()
    return bool(title) and title in lowered


def unmet_instructions(
    instructions: str | None,
    plan: ImprovementPlan,
    before: Section,
    after: Section,
    site: str,
) -> list[str]:
    """Warnings for the job: each instruction the regenerated section does not follow.

    Judged on the section as stored (after any re-timing), so a request the window would
    not allow ("shorter" when the script is at its minimum) is reported, not assumed.
    ``site`` is the demo's host, which a section that ends on the next step names.
    """
    directives = parse_directives(instructions, plan)
    warnings = [f'Instruction not followed offline: "{clause}" ({why}).'
                for clause, why in directives.unsupported]
    words_before, words_after = count_words(before.content), count_words(after.content)
    if directives.length < 1 and words_after >= words_before:
        warnings.append("Instruction not followed offline: the section could not be made "
                        "shorter without taking the script below its minimum length.")
    if directives.length > 1 and words_after <= words_before:
        warnings.append("Instruction not followed offline: the section could not be made "
                        "longer without taking the script past its target length.")
    sentences = split_sentences(after.content)
    opening = " ".join(sentences[:3])
    closing = " ".join(sentences[-3:])
    checks = [(directives.lead, opening, "open with"), (directives.end, closing, "close with"),
              (directives.mention, after.content, "fit")]
    for targets, text, verb in checks:
        warnings += [f"Instruction not followed offline: could not {verb} "
                     f"{_name(plan, target)}." for target in targets
                     if not _says(text, plan, target, site)]
    return warnings


def _name(plan: ImprovementPlan, target: int) -> str:
    return "the next step" if target == CTA else f'"{inline(plan.improvements[target].title)}"'
