"""The four script styles (§3.4): tone, pace, focus, and how to write in each.

One definition serves both engines: the LLM prompt quotes ``prompt_guidance`` and the
offline composer draws on ``phrases``, and both size sections with ``words_per_minute``,
so a script reads and times the same whichever engine wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from shared.script.phrasebook import PHRASEBOOKS, Phrasebook
from shared.script.types import Style


@dataclass(frozen=True)
class StyleGuide:
    style: Style
    tone: str
    words_per_minute: int
    focus: str
    prompt_guidance: str
    phrases: Phrasebook


STYLE_GUIDES: Mapping[Style, StyleGuide] = MappingProxyType(
    {
        Style.PROFESSIONAL: StyleGuide(
            style=Style.PROFESSIONAL,
            tone="formal, polished",
            words_per_minute=150,
            focus="business value and ROI",
            prompt_guidance=(
                "Write as a trusted adviser briefing a business owner or executive. Use "
                "complete, well-formed sentences of moderate length, no slang, no "
                "exclamation marks and few contractions. Tie every recommendation to a "
                "business outcome: revenue, enquiries, cost per acquisition, return on "
                "investment. Present metrics as evidence, calmly. Close with a courteous, "
                "specific next step."
            ),
            phrases=PHRASEBOOKS[Style.PROFESSIONAL],
        ),
        Style.CASUAL: StyleGuide(
            style=Style.CASUAL,
            tone="friendly, conversational",
            words_per_minute=160,
            focus="practical benefits and simplicity",
            prompt_guidance=(
                "Write like a friendly expert chatting with a small-business owner. Use "
                "contractions, short everyday words, the second person, and the occasional "
                "light aside or question. Explain each change by what it makes easier for "
                "real visitors, in plain language, with no jargon. Keep the energy warm and "
                "relaxed, and end with an easy, low-pressure invitation to talk."
            ),
            phrases=PHRASEBOOKS[Style.CASUAL],
        ),
        Style.TECHNICAL: StyleGuide(
            style=Style.TECHNICAL,
            tone="precise, developer-focused",
            words_per_minute=130,
            focus="implementation, architecture, metrics",
            prompt_guidance=(
                "Write for web developers and technical leads. Be precise and economical: "
                "name the mechanism behind each change (rendering, caching, payload size, "
                "structured data, accessibility semantics), state metrics with their units, "
                "and distinguish measured from projected numbers. Prefer short declarative "
                "sentences, no marketing superlatives. End by offering a technical review of "
                "the implementation."
            ),
            phrases=PHRASEBOOKS[Style.TECHNICAL],
        ),
        Style.SALES: StyleGuide(
            style=Style.SALES,
            tone="persuasive, energetic",
            words_per_minute=165,
            focus="pain points, transformation, urgency",
            prompt_guidance=(
                "Write like an energetic, confident salesperson. Open on the pain the "
                "prospect feels today, then show the transformation. Mix punchy short "
                "sentences with the occasional rhetorical question, speak directly to "
                "'you', and make every metric feel like money won or lost. Build urgency "
                "without inventing facts, and end with a clear, confident call to act now."
            ),
            phrases=PHRASEBOOKS[Style.SALES],
        ),
    }
)


def style_guide(style: Style) -> StyleGuide:
    return STYLE_GUIDES[Style(style)]
