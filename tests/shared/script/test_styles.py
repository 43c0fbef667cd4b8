"""The style table of §3.4 and what each style carries for the two engines."""

from __future__ import annotations

import string

import pytest

from shared.script.phrasebook.model import all_templates
from shared.script.styles import STYLE_GUIDES, style_guide
from shared.script.types import Style

TABLE = {
    Style.PROFESSIONAL: ("formal, polished", 150, "business value and ROI"),
    Style.CASUAL: ("friendly, conversational", 160, "practical benefits and simplicity"),
    Style.TECHNICAL: ("precise, developer-focused", 130, "implementation, architecture, metrics"),
    Style.SALES: ("persuasive, energetic", 165, "pain points, transformation, urgency"),
}
KNOWN_FIELDS = {"company", "industry", "site", "name", "count", "strategy", "title", "Title",
                "titles", "change", "Change", "current", "Current"}


@pytest.mark.parametrize("style", list(Style))
def test_style_table(style: Style) -> None:
    guide = style_guide(style)
    assert guide is STYLE_GUIDES[style]
    assert guide.style is style
    assert (guide.tone, guide.words_per_minute, guide.focus) == TABLE[style]
    assert len(guide.prompt_guidance) > 100


@pytest.mark.parametrize("style", list(Style))
def test_phrasebook_templates_only_use_known_fields(style: Style) -> None:
    phrases = style_guide(style).phrases
    templates = all_templates(phrases)
    for template in templates:
        for _, field, _, _ in string.Formatter().parse(template):
            assert field is None or field in KNOWN_FIELDS, template
    assert len(set(templates)) == len(templates), "a stock line appears twice"
