"""Metrics read aloud the way a narrator would say them."""

from __future__ import annotations

import pytest

from shared.script.metrics import read_metrics

VERBS = {"down": "falls", "up": "rises", "same": "holds", "unknown": "moves"}


@pytest.mark.parametrize(
    ("metrics", "change", "cue"),
    [
        ({"before": "4.8 s largest contentful paint", "after": "1.9 s largest contentful paint"},
         "largest contentful paint falls from 4.8 seconds to 1.9",
         "Largest contentful paint: 4.8 s → 1.9 s"),
        ({"before": "71% checkout abandonment",
          "after": "48% checkout abandonment (industry median)"},
         "checkout abandonment falls from 71 to 48 percent, the industry median",
         "Checkout abandonment: 71% → 48% (industry median)"),
        ({"before": "2.1% demo-request rate", "after": "3.5% demo-request rate (projected)"},
         "demo-request rate rises from 2.1 to a projected 3.5 percent",
         "Demo-request rate: 2.1% → 3.5% (projected)"),
        ({"before": "4.8s LCP", "after": "1.9s"}, "LCP falls from 4.8 seconds to 1.9",
         "LCP: 4.8s → 1.9s"),
        ({"lcp_before": "3 s", "lcp_after": "1 s"}, "lcp falls from 3 seconds to 1 second",
         "Lcp: 3 s → 1 s"),
        ({"before": "slow", "after": "fast"}, "the figure moves from slow to fast",
         "slow → fast"),
    ],
)
def test_before_after_pairs(metrics: dict[str, str], change: str, cue: str) -> None:
    [reading] = read_metrics(metrics, VERBS)
    assert reading.change == change
    assert reading.cue == cue


def test_the_before_value_is_available_for_the_problem_section() -> None:
    [reading] = read_metrics({"before": "71% checkout abandonment",
                              "after": "48% checkout abandonment"}, VERBS)
    assert reading.current == "checkout abandonment is 71 percent"


def test_lone_and_empty_values() -> None:
    readings = read_metrics({"conversions": "+40%", "note": "", "after": "2 s"}, VERBS)
    assert [r.change for r in readings] == ["conversions comes to plus 40 percent",
                                            "the target comes to 2 seconds"]
    assert read_metrics({}, VERBS) == []


def test_a_label_starting_with_a_preposition_follows_the_numbers() -> None:
    # "At present, of orders on subscription is 4 percent" is what this used to say.
    [reading] = read_metrics({"before": "4% of orders on subscription",
                              "after": "15% of orders on subscription"}, VERBS)
    assert reading.change == "the figure rises from 4 to 15 percent of orders on subscription"
    assert reading.current == "the figure is 4 percent of orders on subscription"
    assert reading.cue == "4% of orders on subscription → 15% of orders on subscription"
