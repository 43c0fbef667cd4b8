"""Reading an improvement's metrics aloud: "4.8 s LCP" → "LCP falls from 4.8 seconds to 1.9".

Plans carry metrics as short free-text strings, usually a ``before``/``after`` pair whose
values share a label ("71% checkout abandonment" / "48% checkout abandonment (industry
median)"). A narrator should say the label once, the unit once where English allows, and
the direction of the change; the screen can show the compact form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from shared.script.glossary import plain_label
from shared.script.sentences import inline

_VALUE = re.compile(
    r"^\s*(?P<sign>[<>~≈$€£+\-−]?)\s*(?P<number>\d+(?:[.,]\d+)*)\s*"
    r"(?P<unit>%|ms|secs?|seconds?|s|x|×|kb|mb|k|pts?|points?)?(?=[\s),;]|$)\s*(?P<label>.*)$",
    re.IGNORECASE,
)
_QUALIFIER = re.compile(r"\s*\(([^()]*)\)\s*$")
_UNITS = {
    "%": "percent", "ms": "milliseconds", "s": "seconds", "sec": "seconds",
    "secs": "seconds", "second": "seconds", "seconds": "seconds", "x": "times",
    "×": "times", "kb": "kilobytes", "mb": "megabytes", "k": "thousand", "pt": "points",
    "pts": "points", "point": "points", "points": "points",
}
_SIGNS = {
    "<": "under ", ">": "over ", "~": "about ", "≈": "about ", "+": "plus ", "-": "minus ",
    "−": "minus ",
}
# A label that starts like this belongs to the unit: "$1,200 per month".
_UNIT_TAILS = {"per", "a", "an", "each", "every"}
_CURRENCIES = {"$": "dollars", "€": "euros", "£": "pounds"}
_PROJECTION = {"projected", "estimated", "expected", "forecast", "target", "predicted"}
_ARTICLES = {"the", "a", "an", "in", "at", "per", "for", "vs", "versus"}
# A label that starts with a preposition only makes sense after its number:
# "4% of orders on subscription" is read "4 percent of orders on subscription".
_PREPOSITIONS = {"of", "on", "in", "for", "with", "to", "at", "across", "among", "from"}
_BEFORE = {"before", "current", "baseline", "old", "now", "today"}
_AFTER = {"after", "target", "projected", "expected", "new", "goal"}


@dataclass(frozen=True)
class MetricReading:
    change: str  # spoken clause, lower-case start, no full stop
    current: str | None  # the before-value as a clause, when there is a label to say
    cue: str  # compact on-screen form


@dataclass(frozen=True)
class _Value:
    raw: str
    number: float | None
    spoken_number: str  # "4.8", "under 2", "1,200"
    unit: str  # spoken unit, "" when none
    compact: str  # the number and unit as written: "4.8 s", "71%"
    label: str
    qualifier: str


def _parse(text: str) -> _Value:
    qualifier = ""
    stripped = text.strip()
    if match := _QUALIFIER.search(stripped):
        qualifier = match.group(1).strip()
        stripped = stripped[: match.start()].strip()
    match = _VALUE.match(stripped)
    if match is None:
        return _Value(text.strip(), None, stripped, "", stripped, "", qualifier)
    sign, number, unit = match["sign"], match["number"], (match["unit"] or "").lower()
    spoken_unit = _CURRENCIES.get(sign) or _UNITS.get(unit, unit)
    if spoken_unit == "seconds" and number == "1":
        spoken_unit = "second"
    compact = stripped[: match.start("label")].strip() if match["label"] else stripped
    label = match["label"].strip()
    if label.split(maxsplit=1)[0].lower() in _UNIT_TAILS if label else False:
        spoken_unit, label, compact = f"{spoken_unit} {label}".strip(), "", stripped
    try:
        value: float | None = float(number.replace(",", ""))
    except ValueError:
        value = None
    return _Value(
        raw=text.strip(),
        number=value,
        spoken_number=_SIGNS.get(sign, "") + number,
        unit=spoken_unit,
        compact=compact,
        label=label,
        qualifier=qualifier,
    )


def _spoken(value: _Value) -> str:
    return f"{value.spoken_number} {value.unit}".strip()


def _qualified(after: _Value, text: str) -> str:
    words = after.qualifier.split()
    if not words:
        return text
    if after.qualifier.lower() in _PROJECTION:
        return f"a {after.qualifier.lower()} {text}"
    lead = "" if len(words) == 1 or words[0].lower() in _ARTICLES else "the "
    return f"{text}, {lead}{after.qualifier}"


def _pair(before: _Value, after: _Value, verbs: Mapping[str, str], stem: str) -> MetricReading:
    if before.number is not None and after.number is not None:
        direction = ("down" if after.number < before.number
                     else "up" if after.number > before.number else "same")
    else:
        direction = "unknown"
    verb = verbs[direction]
    labels = {label.lower() for label in (before.label, after.label) if label}
    label = inline(before.label or after.label) if len(labels) == 1 else ""
    if not labels:
        label = _stem_name(stem)
    numeric = before.number is not None and after.number is not None and before.unit == after.unit
    if numeric and before.unit in {"percent", "times", "points", ""}:
        span = f"from {before.spoken_number} to {_qualified(after, _spoken(after))}"
    elif numeric and " " not in before.unit:
        # "from 4.8 seconds to 1.9 seconds": a listener hears the unit with each value.
        span = f"from {_spoken(before)} to {_qualified(after, _spoken(after))}"
    elif labels and not label:
        span = f"from {before.raw} to {after.raw}"
    else:
        span = f"from {_spoken(before)} to {_qualified(after, _spoken(after))}"
    prepositional = bool(label) and label.split(maxsplit=1)[0].lower() in _PREPOSITIONS
    if prepositional:
        # "4% of orders on subscription": the label only reads after a noun, so the
        # subject becomes "the share of orders on subscription" (a count: "the number").
        noun = "the share" if before.unit == "percent" else "the number"
        label = f"{noun} {label}"
    # Without a shared label the stem of the metric's key names it ("lcp_before"), and
    # failing that the values are read with their own labels: never a bare "the figure".
    subject = label or _stem_name(stem) or "the measured value"
    said_label = label
    if _countable(subject):
        # "the demo-request rate rises", not the headline-speak "demo-request rate rises".
        subject = f"the {subject}"
        said_label = f"the {label}" if label else label
    current = (f"{said_label} is {_spoken(before)}" if label and before.number is not None
               else None)
    cue_label = f"{label[:1].upper()}{label[1:]}: " if label else ""
    cue = f"{cue_label}{before.compact} → {after.compact}"
    if after.qualifier:
        cue += f" ({after.qualifier})"
    if prepositional:  # the label belongs after the numbers: show the values as written
        cue = f"{before.raw} → {after.raw}"
    if _plural(subject):
        verb = _plural_verb(verb)
        current = current.replace(f"{said_label} is ", f"{said_label} are ", 1) if current else None
    return MetricReading(change=f"{subject} {verb} {span}", current=current, cue=cue)


_SINGULAR_ENDINGS = ("ss", "us", "is", "ness", "sis")
# Where a subject's head noun ends: "time until the page responds" is about "time".
_QUALIFIED = re.compile(r"\s+(?:of|to|until|before|after|for|on|in|per|with|that|from|at)\s+")


def _plural(subject: str) -> bool:
    """Whether a metric's subject takes a plural verb: "contrast failures fall", but "the
    share of orders rises" (the head noun before "of") and "checkout abandonment falls"."""
    head = _QUALIFIED.split(subject, maxsplit=1)[0].split()
    word = head[-1].lower() if head else ""
    return word.endswith("s") and not word.endswith(_SINGULAR_ENDINGS) and len(word) > 3


_COUNTABLE_HEADS = frozenset({"rate", "time", "score", "ratio", "count", "value", "speed",
                              "size", "weight", "delay", "total", "average", "length"})


def _countable(subject: str) -> bool:
    """A singular countable head noun wants an article: "rate", "time", "score"."""
    if subject.lower().startswith(("the ", "a ", "an ")):
        return False
    head = _QUALIFIED.split(subject, maxsplit=1)[0].split()
    return bool(head) and head[-1].lower() in _COUNTABLE_HEADS


def _plural_verb(verb: str) -> str:
    """"falls" → "fall", "goes up" → "go up", "comes to" → "come to"."""
    first, _, rest = verb.partition(" ")
    if first.endswith("oes"):
        first = first[:-2]
    elif first.endswith("s") and not first.endswith("ss"):
        first = first[:-1]
    return f"{first} {rest}".strip()


def _stem_name(stem: str) -> str:
    """A metric key's stem as a name: "lcp" → "LCP", "load_time" → "load time"."""
    name = re.sub(r"[_\-]+", " ", stem).strip()
    if name.isalpha() and len(name) <= 4:
        return name.upper()
    return inline(name) if name else ""


def _role(key: str) -> tuple[str, str]:
    """("before" | "after" | "", stem): "lcp_before" → ("before", "lcp")."""
    words = re.split(r"[\s_\-]+", key.strip())
    for role, names in (("before", _BEFORE), ("after", _AFTER)):
        hits = [word for word in words if word.lower() in names]
        if hits:
            return role, " ".join(word for word in words if word != hits[0])
    return "", key.strip()


def read_metrics(
    metrics: Mapping[str, str], verbs: Mapping[str, str], *, plain: bool = False
) -> list[MetricReading]:
    """Spoken readings of a metrics object: before/after pairs first, then lone values.

    ``plain`` replaces web jargon in labels with plain names ("LCP" → "main content load
    time"), for audiences outside the technical style (§5.5).
    """
    if plain:
        metrics = {key: plain_label(value) for key, value in metrics.items()}
    befores: dict[str, tuple[str, str]] = {}  # lower-case stem: (stem as written, value)
    afters: dict[str, tuple[str, str]] = {}
    lone: list[tuple[str, str]] = []
    for key, value in metrics.items():
        if not value.strip():
            continue
        role, stem = _role(key)
        if plain:
            stem = plain_label(_stem_name(stem)) if stem else stem
        bucket = befores if role == "before" else afters if role == "after" else None
        if bucket is None or stem.lower() in bucket:
            lone.append((key, value))
        else:
            bucket[stem.lower()] = (stem, value)
    readings = [
        _pair(_parse(befores.pop(stem)[1]), _parse(afters.pop(stem)[1]), verbs, befores_stem)
        for stem, (befores_stem, _) in list(befores.items())
        if stem in afters
    ]
    lone += [(stem or "the current figure", value) for stem, value in befores.values()]
    lone += [(stem or "the target", value) for stem, value in afters.values()]
    for key, value in lone:
        name = re.sub(r"[_\-]+", " ", key).strip()
        parsed = _parse(value)
        said = _spoken(parsed) + (f" {parsed.label}" if parsed.label else "")
        verb = "come to" if _plural(inline(name)) else "comes to"
        change = f"{inline(name)} {verb} {said}" if name else f"the figure comes to {said}"
        readings.append(MetricReading(change=change, current=None, cue=f"{name}: {value}"))
    return readings
