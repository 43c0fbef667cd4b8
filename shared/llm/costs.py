"""What an LLM call cost, in exact decimal dollars (§5.4).

The provider's own figure wins when it reports one (OpenRouter's ``usage.cost``), because
it knows about discounts, caching and routing that a price table cannot. Otherwise the
configured per-million-token prices are applied. Decimal throughout: the ledger is summed
and compared to invoices, where float drift would show.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shared.config import Settings
from shared.script.types import Tier

MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class Prices:
    """USD per million tokens."""

    input_per_million: Decimal
    output_per_million: Decimal


def prices_for_tier(tier: Tier, settings: Settings) -> Prices:
    return {
        Tier.PREMIUM: Prices(settings.price_premium_input, settings.price_premium_output),
        Tier.MID: Prices(settings.price_mid_input, settings.price_mid_output),
        Tier.BUDGET: Prices(settings.price_budget_input, settings.price_budget_output),
    }[tier]


def prices_for(tier: Tier, model: str, settings: Settings) -> Prices:
    """Prices of ``model``, else of the tier it runs under.

    A model configured for some tier is priced as that tier even when it runs under
    another (an allowed override naming the budget model must not be billed at premium
    rates); an unknown model falls back to the prices of the tier that called it.
    """
    for candidate, configured in (
        (Tier.PREMIUM, settings.model_premium),
        (Tier.MID, settings.model_mid),
        (Tier.BUDGET, settings.model_budget),
    ):
        if model == configured:
            return prices_for_tier(candidate, settings)
    return prices_for_tier(tier, settings)


def compute_cost(prompt_tokens: int, completion_tokens: int, prices: Prices) -> Decimal:
    return (
        Decimal(prompt_tokens) * prices.input_per_million
        + Decimal(completion_tokens) * prices.output_per_million
    ) / MILLION


def provider_cost(raw: object) -> Decimal | None:
    """Parse a provider-reported cost; anything unusable means "not reported".

    Floats go through ``str`` so that 0.000123 becomes Decimal('0.000123'), not its binary
    approximation.
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float | str | Decimal):
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            return None
        if value.is_finite() and value >= 0:
            return value
    return None


def call_cost(
    prompt_tokens: int,
    completion_tokens: int,
    reported: Decimal | None,
    prices: Prices,
) -> tuple[Decimal, str]:
    """The cost to record and where it came from (``provider``, ``computed`` or ``none``)."""
    if reported is not None:
        return reported, "provider"
    if prompt_tokens or completion_tokens:
        return compute_cost(prompt_tokens, completion_tokens, prices), "computed"
    return Decimal("0"), "none"


def estimate_prompt_tokens(texts: Iterable[str]) -> int:
    """About four characters a token: what a call in flight is assumed to cost until the
    provider's own count arrives (tokenizers differ; the estimate is only ever provisional)."""
    return max(1, math.ceil(sum(len(text) for text in texts) / 4))
