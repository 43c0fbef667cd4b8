"""Phrase banks for the offline composer, one per style (§3.4, §5.5).

Each style has its own vocabulary and rhythm, not one text with a few words swapped: a
reviewer should be able to tell the style of an offline script from any paragraph of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from shared.script.phrasebook import casual, professional, sales, technical
from shared.script.phrasebook.model import Phrasebook, SceneLines
from shared.script.types import Style

PHRASEBOOKS: Mapping[Style, Phrasebook] = MappingProxyType(
    {
        Style.PROFESSIONAL: professional.PHRASEBOOK,
        Style.CASUAL: casual.PHRASEBOOK,
        Style.TECHNICAL: technical.PHRASEBOOK,
        Style.SALES: sales.PHRASEBOOK,
    }
)

__all__ = ["PHRASEBOOKS", "Phrasebook", "SceneLines"]
