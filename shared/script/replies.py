"""The reply contract an LLM answer is held to before it becomes a script (§5.1, §3.5).

An LLM reply is untrusted input: it is parsed, validated against the same pydantic models
the rest of the system uses, and checked for the structure the request asked for (3-8
sections, intro first and call to action last when requested). A failure is a
:class:`ReplyError` whose message is written for the model: it is sent back verbatim in the
one repair attempt, so it names exactly what to fix.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.errors import ReplyError
from shared.llm.provider import ResponseSchema
from shared.script.sentences import sentence_key
from shared.script.types import GenerationOptions, SceneType, Script, Section

MAX_REPORTED_ERRORS = 4
DUPLICATE_MIN_WORDS = 8
_FENCED = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)
# A fenced block somewhere inside prose ("Here is your script: ```json {...}``` Enjoy!").
_FENCE_INSIDE = re.compile(r"```[a-zA-Z]*[ \t]*\n(\{.*?\})\s*\n?```", re.DOTALL)


class ScriptDraft(BaseModel):
    """The shape an LLM script reply must have before it becomes a :class:`Script`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sections: Annotated[list[Section], Field(min_length=3, max_length=8)]
    target_audience: Annotated[str, Field(max_length=500)] = ""
    key_messages: Annotated[list[Annotated[str, Field(max_length=300)]], Field(max_length=8)] = []

    def to_script(self, options: GenerationOptions) -> Script:
        return Script(
            style=options.style,
            sections=tuple(self.sections),
            target_audience=self.target_audience,
            key_messages=tuple(self.key_messages),
        )


SCRIPT_SCHEMA = ResponseSchema("video_script", ScriptDraft.model_json_schema())
SECTION_SCHEMA = ResponseSchema("video_script_section", Section.model_json_schema())
_SECTION_FIELDS = frozenset(Section.model_fields)


def _load_json(content: str) -> Any:
    text = content.strip()
    if not text:
        raise ReplyError("the reply was empty; expected one JSON object")
    # Models in JSON mode still wrap answers in Markdown fences now and then; that is
    # harmless to undo, unlike guessing at truncated or otherwise broken JSON.
    fenced = _FENCED.match(text)
    if fenced:
        text = fenced.group(1).strip()
    elif not text.startswith(("{", "[")):
        # Chatty models put prose around the object; one fenced object, or one brace-
        # delimited span, is taken. Anything less clear-cut is left to the repair call.
        inside = _FENCE_INSIDE.search(text)
        if inside:
            text = inside.group(1)
        elif "{" in text and text.rfind("}") > text.find("{"):
            text = text[text.find("{"): text.rfind("}") + 1]
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReplyError(f"the reply is not valid JSON ({exc.msg} at position {exc.pos})") from None


def _only_section_fields(value: Any) -> Any:
    # Unknown keys in a section are noise, not a reason to spend a repair call; the
    # stored Section forbids them, so they are dropped here rather than rejected.
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key in _SECTION_FIELDS}
    return value


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors()[:MAX_REPORTED_ERRORS]:
        path = ".".join(str(part) for part in error["loc"]) or "reply"
        problems.append(f"{path}: {error['msg']}")
    more = len(exc.errors()) - MAX_REPORTED_ERRORS
    if more > 0:
        problems.append(f"and {more} more problem(s)")
    return "the JSON does not match the schema: " + "; ".join(problems)


def _check_structure(draft: ScriptDraft, options: GenerationOptions) -> None:
    scenes = [section.scene_type for section in draft.sections]
    problems = []
    for scene, wanted, position, where in (
        (SceneType.INTRO, options.include_intro, 0, "first"),
        (SceneType.CTA, options.include_cta, len(scenes) - 1, "last"),
    ):
        if wanted and scenes[position] is not scene:
            problems.append(f'the {where} section must have scene_type "{scene}"')
        allowed = {position} if wanted else set()
        misplaced = [i for i, s in enumerate(scenes) if s is scene and i not in allowed]
        if misplaced:
            problems.append(
                f'scene_type "{scene}" is only allowed '
                + (f"as the {where} section" if wanted else "when requested, and it was not")
                + f" (found at section index {', '.join(map(str, misplaced))})"
            )
    seen: dict[str, int] = {}
    for index, section in enumerate(draft.sections):
        key = sentence_key(section.content)
        # A short line may recur by chance ("Thank you."); a repeated paragraph never does.
        if len(key.split()) >= DUPLICATE_MIN_WORDS and key in seen:
            problems.append(f"section {index} repeats the words of section {seen[key]}; every "
                            "section must say something of its own")
        seen.setdefault(key, index)
    if problems:
        raise ReplyError("the section structure is wrong: " + "; ".join(problems))


def parse_script_reply(content: str, options: GenerationOptions) -> ScriptDraft:
    data = _load_json(content)
    if not isinstance(data, dict):
        raise ReplyError("the reply must be a JSON object with a \"sections\" list")
    if isinstance(data.get("sections"), list):
        data = {**data, "sections": [_only_section_fields(s) for s in data["sections"]]}
    try:
        draft = ScriptDraft.model_validate(data)
    except ValidationError as exc:
        raise ReplyError(_describe(exc)) from None
    _check_structure(draft, options)
    return draft


def parse_section_reply(content: str, scene_type: SceneType) -> Section:
    """One section; its scene type is the one it replaces, whatever the model said.

    Forcing it keeps the script's intro/CTA placement valid without a repair round trip.
    """
    data = _load_json(content)
    if isinstance(data, dict) and isinstance(data.get("section"), dict):
        data = data["section"]  # a common wrapping; the schema asked for the bare object
    if not isinstance(data, dict):
        raise ReplyError("the reply must be one JSON object: the rewritten section")
    try:
        return Section.model_validate({**_only_section_fields(data), "scene_type": scene_type})
    except ValidationError as exc:
        raise ReplyError(_describe(exc)) from None
