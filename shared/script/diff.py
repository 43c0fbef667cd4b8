"""What changed between two versions of a script, section by section (§14 review desk).

A regeneration rewrites one section (§3.6) and a restore copies a whole version, so a
reviewer comparing versions needs to see which sections differ and, inside a changed
section's text, which words. Sections are matched by position, as regeneration keeps
them; a version with more sections than the other shows the extra ones as added.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

# The fields a reviewer reads; a change in any of them marks the section as changed.
COMPARED_FIELDS: tuple[str, ...] = (
    "title", "content", "duration_seconds", "scene_type", "visual_cues", "camera_instructions")


@dataclass(frozen=True)
class Word:
    text: str
    changed: bool  # deleted on the left side, inserted on the right side


@dataclass(frozen=True)
class SectionChange:
    index: int
    left: dict[str, Any] | None
    right: dict[str, Any] | None
    changed_fields: tuple[str, ...]
    left_words: tuple[Word, ...]
    right_words: tuple[Word, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changed_fields)


def compare_sections(
    left: list[dict[str, Any]], right: list[dict[str, Any]]
) -> list[SectionChange]:
    """One entry per section position of either version, in order."""
    changes = []
    for index in range(max(len(left), len(right))):
        before = left[index] if index < len(left) else None
        after = right[index] if index < len(right) else None
        if before is None or after is None:
            fields = COMPARED_FIELDS
        else:
            fields = tuple(name for name in COMPARED_FIELDS if before.get(name) != after.get(name))
        left_words, right_words = word_changes(
            (before or {}).get("content", ""), (after or {}).get("content", ""))
        changes.append(SectionChange(index=index, left=before, right=after,
                                     changed_fields=fields, left_words=left_words,
                                     right_words=right_words))
    return changes


def word_changes(before: str, after: str) -> tuple[tuple[Word, ...], tuple[Word, ...]]:
    """``before``'s words with the deleted ones marked, and ``after``'s with the inserted."""
    old, new = before.split(), after.split()
    left: list[Word] = []
    right: list[Word] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        same = tag == "equal"
        left.extend(Word(word, not same) for word in old[old_start:old_end])
        right.extend(Word(word, not same) for word in new[new_start:new_end])
    return tuple(left), tuple(right)
