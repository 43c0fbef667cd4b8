"""Routing by lead value (§5.2): the tier boundaries and the fallback order."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from shared.config import Settings
from shared.llm.routing import Route, fallback_chain, model_for_tier, routes_for, tier_for_value
from shared.script.types import Tier


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        ("0", Tier.BUDGET),
        ("9999.99", Tier.BUDGET),
        ("10000", Tier.MID),
        ("10000.00", Tier.MID),
        ("50000", Tier.MID),
        ("50000.00", Tier.MID),
        ("50000.01", Tier.PREMIUM),
        ("1000000", Tier.PREMIUM),
    ],
)
def test_tier_boundaries(make_settings: Callable[..., Settings], value: str, tier: Tier) -> None:
    assert tier_for_value(Decimal(value), make_settings()) is tier


def test_thresholds_are_configuration(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(tier_mid_min_value=Decimal("100"), tier_premium_min_value="200")
    assert tier_for_value(Decimal("99.99"), settings) is Tier.BUDGET
    assert tier_for_value(Decimal("100"), settings) is Tier.MID
    assert tier_for_value(Decimal("200.01"), settings) is Tier.PREMIUM


def test_fallback_chain_only_gets_cheaper() -> None:
    assert fallback_chain(Tier.PREMIUM) == [Tier.PREMIUM, Tier.MID, Tier.BUDGET]
    assert fallback_chain(Tier.MID) == [Tier.MID, Tier.BUDGET]
    assert fallback_chain(Tier.BUDGET) == [Tier.BUDGET]


def test_models_come_from_configuration(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(model_premium="p/1", model_mid="m/1", model_budget="b/1")
    assert [model_for_tier(t, settings) for t in Tier] == ["p/1", "m/1", "b/1"]
    assert routes_for(Decimal("60000"), settings) == [
        Route(Tier.PREMIUM, "p/1"), Route(Tier.MID, "m/1"), Route(Tier.BUDGET, "b/1"),
    ]


def test_requested_model_is_ignored_unless_allowed(make_settings: Callable[..., Settings]) -> None:
    denied = make_settings()
    assert routes_for(Decimal("20000"), denied, "x/custom")[0].model == denied.model_mid

    allowed = make_settings(llm_allow_model_override=True)
    routes = routes_for(Decimal("20000"), allowed, "x/custom")
    # The override replaces the routed tier's model; cheaper fallbacks stay configured.
    assert routes == [Route(Tier.MID, "x/custom"), Route(Tier.BUDGET, allowed.model_budget)]
