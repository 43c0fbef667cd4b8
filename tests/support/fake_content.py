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


def sentences(word_count: int, seed_text: str) -> str:
    """Exactly ``word_count`` words, as capitalised sentences, chosen by ``seed_text``."""
    if word_count <= 0:
        return ""
    start = zlib.crc32(seed_text.encode()) % len(_PHRASES)
    out: list[str] = []
    remaining = word_count
    step = 0
    while remaining > 0:
        words = _PHRASES[(start + step * 5) % len(_PHRASES)].split()[:remaining]
        remaining -= len(words)
        step += 1
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def _section(slot: dict[str, Any], scale: float) -> dict[str, Any]:
    budget = int(slot.get("word_budget") or 30)
    title = str(slot.get("title") or "Section")
    return {
        "title": title,
        "content": sentences(max(1, round(budget * scale)), title + str(slot.get("index"))),
        "duration_seconds": int(slot.get("duration_seconds") or 10),
        "scene_type": str(slot.get("scene_type") or "feature"),
        "visual_cues": [f"Show {title.lower()} on the demo site"],
        "camera_instructions": "Slow push in on the highlighted area",
    }


def _find_block(messages: list[dict[str, Any]]) -> tuple[str, Any] | None:
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        matches = _BLOCK.findall(str(message.get("content", "")))
        if matches:
            tag, raw = matches[-1]
            return tag, json.loads(raw)
    return None


def chat_answer(messages: list[dict[str, Any]], *, scale: float = 1.0, kind: str = "ok") -> str:
    """The assistant's reply content for this conversation and fault kind."""
    if kind == "schema_invalid":
        return json.dumps({"sections": [{"title": "Only a title"}], "key_messages": "oops"})
    found = _find_block(messages)
    answer: dict[str, Any]
    if found and found[0] == "section_slot":
        answer = _section(found[1], scale)
    else:
        plan = found[1] if found else {}
        slots = plan.get("sections") or [
            {"index": i, "scene_type": s, "title": s.title(), "word_budget": 40,
             "duration_seconds": 16}
            for i, s in enumerate(("intro", "solution", "cta"))
        ]
        answer = {
            "sections": [_section(slot, scale) for slot in slots],
            "target_audience": "Decision makers at the company",
            "key_messages": ["A faster site", "A clearer path to buying"],
        }
    text = json.dumps(answer)
    if kind == "malformed":
        return text[: len(text) // 2]
    return text
