"""Cost arithmetic (§5.4): exact decimals, provider cost first."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from shared.config import Settings
from shared.llm.costs import Prices, call_cost, compute_cost, prices_for, provider_cost
from shared.script.types import Tier


def test_compute_cost_is_exact() -> None:
    prices = Prices(Decimal("3.00"), Decimal("15.00"))
    assert compute_cost(1234, 567, prices) == Decimal("0.012207")
    assert compute_cost(1, 0, Prices(Decimal("0.25"), Decimal("1.25"))) == Decimal("0.00000025")
    assert compute_cost(0, 0, prices) == 0


def test_prices_follow_the_tier(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(price_mid_input="7.5", price_mid_output="22.5")
    assert prices_for(Tier.MID, settings.model_mid, settings) == Prices(
        Decimal("7.5"), Decimal("22.5")
    )
    # An unknown (overridden) model is priced as the tier that called it ...
    assert prices_for(Tier.MID, "x/custom", settings) == Prices(Decimal("7.5"), Decimal("22.5"))
    # ... but a configured model keeps its own tier's prices wherever it runs.
    assert prices_for(Tier.PREMIUM, settings.model_budget, settings) == Prices(
        settings.price_budget_input, settings.price_budget_output
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0.000123, Decimal("0.000123")),
        ("0.5", Decimal("0.5")),
        (2, Decimal("2")),
        (None, None),
        (True, None),
        ("n/a", None),
        (-1, None),
        (float("nan"), None),
        ({"total": 1}, None),
    ],
)
def test_provider_cost_parsing(raw: object, expected: Decimal | None) -> None:
    assert provider_cost(raw) == expected


def test_provider_cost_wins_over_the_price_table() -> None:
    prices = Prices(Decimal("3"), Decimal("15"))
    assert call_cost(1000, 1000, Decimal("0.0042"), prices) == (Decimal("0.0042"), "provider")
    assert call_cost(1000, 1000, None, prices) == (Decimal("0.018"), "computed")
    assert call_cost(0, 0, None, prices) == (Decimal("0"), "none")
