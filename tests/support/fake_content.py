"""What the fake OpenAI server writes: real words, sized to the budgets the prompt asked for.

Deterministic (the same prompt gives the same reply) so failures reproduce. Words are plain
lower-case English so that any reasonable word counter agrees on how many there are.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from typing import Any

_BLOCK = re.compile(r"```json[ \t]+(section_plan|section_slot)[ \t]*\n(.*?)\n```", re.DOTALL)
# The untrusted-data block (shared.script.prompts): one line of JSON between the markers.
# Section titles come from the plan, so they travel there, not in the machine blocks.
_DATA = re.compile(r"^<<<BEGIN UNTRUSTED DATA>>>\n(.*)\n<<<END UNTRUSTED DATA>>>$", re.MULTILINE)

_PHRASES = (
    "this change makes every page feel faster for the people who matter most",
    "visitors find what they came for without hunting through menus",
    "the new layout puts the next step right where the eye lands",
    "fewer steps mean fewer chances for a buyer to give up and leave",
    "we measured the current site and the numbers tell a clear story",
    "small fixes here add up to a noticeable lift in conversions",
    "your team keeps full control while the busy work simply disappears",
    "mobile visitors get the same smooth experience as desktop users",
    "search engines reward pages that load quickly and read clearly",
    "trust grows when proof and answers are visible at a glance",
    "the demo site shows each improvement working on real pages",
    "this is the kind of detail that separates a good site from a great one",
    "every second saved keeps more shoppers on the path to checkout",
    "clear wording turns a casual visit into a booked conversation",
)


def estimate_tokens(text: str) -> int:
    """About four characters per token, as tokenizers roughly manage for English."""
    return max(1, math.ceil(len(text) / 4))


def sentences(word_count: int, seed_text: str, position: int | None = None) -> str:
    """Exactly ``word_count`` words, as capitalised sentences, chosen by ``seed_text``.

    ``position`` (a section's index) spreads the sections of one reply over different
    opening phrases, so no two sections of a reply say the same thing, as no model would.
    """
    if word_count <= 0:
        return ""
    seed = zlib.crc32(seed_text.encode())
    start = seed % len(_PHRASES) if position is None else (position * 3) % len(_PHRASES)
    skip = (seed // len(_PHRASES)) % 5  # short replies from one phrase still differ
    out: list[str] = []
    remaining = word_count
    step = 0
    while remaining > 0:
        words = _PHRASES[(start + step * 5) % len(_PHRASES)].split()[skip if not step else 0:]
        words = words[:remaining]
        remaining -= len(words)
        step += 1
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def _section(slot: dict[str, Any], scale: float) -> dict[str, Any]:
    budget = int(slot.get("word_budget") or 30)
    title = str(slot.get("title") or "Section")
    return {
        "title": title,
        "content": sentences(max(1, round(budget * scale)), title + str(slot.get("index")),
                             int(slot.get("index") or 0)),
        "duration_seconds": int(slot.get("duration_seconds") or 10),
        "scene_type": str(slot.get("scene_type") or "feature"),
        "visual_cues": [f"Show {title.lower()} on the demo site"],
        "camera_instructions": "Slow push in on the highlighted area",
    }


def _find_block(messages: list[dict[str, Any]]) -> tuple[str, Any] | None:
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = str(message.get("content", ""))
        matches = _BLOCK.findall(content)
        if matches:
            tag, raw = matches[-1]
            block = json.loads(raw)
            data = _DATA.findall(content)
            facts: dict[str, Any] = json.loads(data[-1]) if data else {}
            if tag == "section_slot" and "title" in facts:
                block["title"] = facts["title"]
            titles = facts.get("section_titles") or []
            for slot in block.get("sections", []) if isinstance(block, dict) else []:
                index = int(slot.get("index") or 0)
                if index < len(titles):
                    slot["title"] = titles[index]
            return tag, block
    return None


# Replies a careless or overloaded model really gives; each must end in a script that
# keeps §3.5's promise (see tests/shared/script/test_engine_adversarial.py).
ADVERSARIAL_KINDS = frozenset({
    "unpunctuated",      # long runs of words, no sentence breaks at all, 3x the budget
    "one_sentence",      # one section is a single 400-word sentence
    "x5",                # five times the word budgets
    "x0_2",              # a fifth of the word budgets
    "empty_sections",    # every other section says nothing (".")
    "duplicate_sections",  # the middle sections twice over
    "wrong_count",       # a section dropped (or one added to a 3-section plan)
    "wrong_order",       # the sections reversed
    "fenced",            # the JSON inside a Markdown code fence
    "fenced_prose",      # prose, then the JSON in a fence, then more prose
    "crowded",           # eight sections whatever the length, the budget split evenly
})


def run_on(word_count: int, seed_text: str) -> str:
    """Exactly ``word_count`` lower-case words with no punctuation at all, opening with
    the seed's own words so that two sections never say the same thing."""
    words: list[str] = list(re.sub(r"[^\w ]", " ", seed_text.lower()).split())
    step = zlib.crc32(seed_text.encode()) % len(_PHRASES)
    while len(words) < word_count:
        words.extend(_PHRASES[step % len(_PHRASES)].split())
        step += 3
    return " ".join(words[:word_count])


def _adversarial_sections(sections: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    if kind == "unpunctuated":
        return [{**s, "content": run_on(3 * _words(s), s["title"])} for s in sections]
    if kind == "one_sentence":
        middle = len(sections) // 2
        endless = run_on(400, "endless").capitalize() + "."
        return [{**s, "content": endless} if i == middle else s for i, s in enumerate(sections)]
    if kind == "empty_sections":
        return [{**s, "content": "."} if i % 2 else s for i, s in enumerate(sections)]
    if kind == "duplicate_sections":
        inner = sections[1:-1] or sections
        doubled = [copy for section in inner for copy in (section, dict(section))]
        return ([sections[0], *doubled, sections[-1]])[:8]
    if kind == "wrong_count":
        if len(sections) > 3:
            return sections[:2] + sections[3:]
        extra = {**sections[1], "title": "One more thing", "scene_type": "feature",
                 "content": sentences(_words(sections[1]), "one more thing")}
        return [*sections[:-1], extra, sections[-1]]
    if kind == "wrong_order":
        return list(reversed(sections))
    if kind == "crowded":
        budget = sum(_words(s) for s in sections)
        seconds = sum(int(s.get("duration_seconds") or 0) for s in sections)
        middle = [{**sections[len(sections) // 2], "title": f"Point {n}",
                   "scene_type": "feature"} for n in range(6)]
        crowded = [sections[0], *middle, sections[-1]]
        return [{**s, "content": sentences(max(1, budget // 8), f"crowded {n}", n),
                 "duration_seconds": max(1, seconds // 8)} for n, s in enumerate(crowded)]
    return sections


def _words(section: dict[str, Any]) -> int:
    return len(str(section.get("content", "")).split())


def chat_answer(messages: list[dict[str, Any]], *, scale: float = 1.0, kind: str = "ok") -> str:
    """The assistant's reply content for this conversation and fault kind."""
    if kind == "schema_invalid":
        return json.dumps({"sections": [{"title": "Only a title"}], "key_messages": "oops"})
    scale *= {"x5": 5.0, "x0_2": 0.2}.get(kind, 1.0)
    found = _find_block(messages)
    answer: dict[str, Any]
    if found and found[0] == "section_slot":
        answer = _section(found[1], scale)
        if kind in ("unpunctuated", "one_sentence"):
            words = 400 if kind == "one_sentence" else 3 * _words(answer)
            answer["content"] = run_on(words, answer["title"]) + (
                "." if kind == "one_sentence" else "")
        elif kind == "empty_sections":
            answer["content"] = "."
    else:
        plan = found[1] if found else {}
        slots = plan.get("sections") or [
            {"index": i, "scene_type": s, "title": s.title(), "word_budget": 40,
             "duration_seconds": 16}
            for i, s in enumerate(("intro", "solution", "cta"))
        ]
        answer = {
            "sections": _adversarial_sections([_section(slot, scale) for slot in slots], kind),
            "target_audience": "Decision makers at the company",
            "key_messages": ["A faster site", "A clearer path to buying"],
        }
    text = json.dumps(answer)
    if kind == "malformed":
        return text[: len(text) // 2]
    if kind == "fenced":
        return f"```json\n{text}\n```"
    if kind == "fenced_prose":
        return f"Here is the script you asked for:\n\n```json\n{text}\n```\n\nEnjoy!"
    return text
