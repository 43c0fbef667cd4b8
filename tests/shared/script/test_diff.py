"""Version comparison for the review desk: which sections changed, and which words."""

from __future__ import annotations

from shared.script.diff import compare_sections, word_changes


def _section(content: str, **overrides: object) -> dict[str, object]:
    return {"title": "Intro", "content": content, "duration_seconds": 10,
            "scene_type": "intro", "visual_cues": ["logo"], "camera_instructions": None,
            **overrides}


def test_only_the_rewritten_section_is_changed() -> None:
    left = [_section("Hello there."), _section("Fast pages sell more coffee.")]
    right = [_section("Hello there."), _section("Fast pages sell more beans today.",
                                                 duration_seconds=12)]
    changes = compare_sections(left, right)
    assert [change.changed for change in changes] == [False, True]
    assert changes[1].changed_fields == ("content", "duration_seconds")
    assert [w.text for w in changes[1].left_words if w.changed] == ["coffee."]
    assert [w.text for w in changes[1].right_words if w.changed] == ["beans", "today."]


def test_an_extra_section_is_all_changed() -> None:
    changes = compare_sections([_section("One.")], [_section("One."), _section("Two.")])
    assert changes[1].left is None
    assert changes[1].changed
    assert [w.changed for w in changes[1].right_words] == [True]


def test_identical_text_has_no_marked_words() -> None:
    left, right = word_changes("a b c", "a b c")
    assert not any(w.changed for w in (*left, *right))
