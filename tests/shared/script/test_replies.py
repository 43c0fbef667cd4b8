"""The reply contract: what an LLM answer must look like before it becomes a script."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.errors import ReplyError
from shared.script.replies import parse_script_reply, parse_section_reply
from shared.script.types import GenerationOptions, SceneType


def _section(scene: str, **extra: Any) -> dict[str, Any]:
    return {"title": scene.title(), "content": f"Words about the {scene}.",
            "duration_seconds": 10, "scene_type": scene, **extra}


def _reply(*scenes: str, **extra: Any) -> str:
    return json.dumps({"sections": [_section(s) for s in scenes], **extra})


def test_a_valid_reply_parses() -> None:
    draft = parse_script_reply(
        _reply("intro", "problem", "solution", "cta", key_messages=["Fast"]), GenerationOptions()
    )
    assert [s.scene_type for s in draft.sections] == ["intro", "problem", "solution", "cta"]
    assert draft.key_messages == ["Fast"]


def test_markdown_fences_and_unknown_keys_are_tolerated() -> None:
    reply = json.dumps({"sections": [_section("intro", mood="upbeat"), _section("solution"),
                                      _section("cta")], "notes": "ignored"})
    draft = parse_script_reply(f"```json\n{reply}\n```", GenerationOptions())
    assert len(draft.sections) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ('{"sections": [', "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"sections": [{"title": "Only a title"}]}', "does not match the schema"),
        (_reply("intro", "cta"), "sections"),
        (_reply("intro", *["feature"] * 7, "cta"), "sections"),
    ],
)
def test_unusable_replies_say_why(content: str, message: str) -> None:
    with pytest.raises(ReplyError, match=message):
        parse_script_reply(content, GenerationOptions())


@pytest.mark.parametrize(
    ("scenes", "options", "message"),
    [
        (("problem", "intro", "cta"), {}, 'first section must have scene_type "intro"'),
        (("intro", "cta", "solution"), {}, 'last section must have scene_type "cta"'),
        (("intro", "solution", "cta"), {"include_intro": False}, '"intro" is only allowed'),
        (("intro", "solution", "cta"), {"include_cta": False}, '"cta" is only allowed'),
        (("intro", "cta", "intro", "cta"), {}, "found at section index"),
    ],
)
def test_intro_and_cta_placement_is_enforced(
    scenes: tuple[str, ...], options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ReplyError, match=message):
        parse_script_reply(_reply(*scenes), GenerationOptions(**options))


def test_placement_without_intro_or_cta() -> None:
    options = GenerationOptions(include_intro=False, include_cta=False)
    draft = parse_script_reply(_reply("problem", "solution", "outro"), options)
    assert len(draft.sections) == 3


def test_a_section_reply_keeps_the_scene_it_replaces() -> None:
    section = parse_section_reply(json.dumps(_section("feature", extra=1)), SceneType.CTA)
    assert section.scene_type is SceneType.CTA
    wrapped = parse_section_reply(json.dumps({"section": _section("demo")}), SceneType.DEMO)
    assert wrapped.title == "Demo"
    with pytest.raises(ReplyError, match="content"):
        parse_section_reply('{"title": "No content"}', SceneType.DEMO)
    with pytest.raises(ReplyError, match="not valid JSON"):
        parse_section_reply('{"title": ', SceneType.DEMO)


@pytest.mark.parametrize(
    "wrap",
    [
        "Here is the script you asked for:\n\n```json\n{}\n```\n\nEnjoy!",
        "Sure! {} Let me know if you want changes.",
    ],
)
def test_prose_around_the_json_is_tolerated(wrap: str) -> None:
    reply = _reply("intro", "solution", "cta")
    draft = parse_script_reply(wrap.replace("{}", reply), GenerationOptions())
    assert len(draft.sections) == 3


def test_a_section_that_repeats_another_is_sent_back_for_repair() -> None:
    repeated = "This paragraph says the very same thing twice over in one script."
    sections = [_section("intro"), _section("solution", content=repeated),
                _section("feature", content=repeated), _section("cta")]
    with pytest.raises(ReplyError, match="section 2 repeats the words of section 1"):
        parse_script_reply(json.dumps({"sections": sections}), GenerationOptions())
    short = [_section("intro"), _section("solution", content="Thank you."),
             _section("feature", content="Thank you."), _section("cta")]
    assert len(parse_script_reply(json.dumps({"sections": short}),
                                  GenerationOptions()).sections) == 4
