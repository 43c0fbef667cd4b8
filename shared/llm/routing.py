"""Which model writes a script, and which ones stand in when it fails (§5.2, §5.3).

Thresholds and model names live in :class:`~shared.config.Settings` so that operations can
re-route spend without a deploy; this module only encodes the ordering rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shared.config import Settings
from shared.script.types import Tier

# Most expensive first: a failing tier hands over to the ones after it.
TIER_ORDER: tuple[Tier, ...] = (Tier.PREMIUM, Tier.MID, Tier.BUDGET)


@dataclass(frozen=True, slots=True)
class Route:
    """One model to try, with the tier it is billed and reported under."""

    tier: Tier
    model: str


def tier_for_value(value: Decimal, settings: Settings) -> Tier:
    """Premium only strictly above its threshold; mid includes its lower bound (§5.2)."""
    if value > settings.tier_premium_min_value:
        return Tier.PREMIUM
    if value >= settings.tier_mid_min_value:
        return Tier.MID
    return Tier.BUDGET


def model_for_tier(tier: Tier, settings: Settings) -> str:
    return {
        Tier.PREMIUM: settings.model_premium,
        Tier.MID: settings.model_mid,
        Tier.BUDGET: settings.model_budget,
    }[tier]


def fallback_chain(tier: Tier) -> list[Tier]:
    """The tier itself, then each cheaper one: a failure never escalates spend."""
    return list(TIER_ORDER[TIER_ORDER.index(tier) :])


def routes_for(
    value: Decimal, settings: Settings, requested_model: str | None = None
) -> list[Route]:
    """The ordered models to try for a lead of this value.

    A requested model replaces only the first tier's model, and only when configuration
    allows it (§5.2): the cheaper fallbacks stay the configured ones so that a bad override
    still ends in a script.
    """
    tiers = fallback_chain(tier_for_value(value, settings))
    routes = [Route(tier, model_for_tier(tier, settings)) for tier in tiers]
    if requested_model and override_allowed(requested_model, settings):
        routes[0] = Route(routes[0].tier, requested_model)
    return routes


def override_allowed(requested_model: str | None, settings: Settings) -> bool:
    return bool(requested_model) and settings.llm_allow_model_override
