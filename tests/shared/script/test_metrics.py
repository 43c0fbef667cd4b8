"""Metrics read aloud the way a narrator would say them."""

from __future__ import annotations

import pytest

from shared.script.metrics import read_metrics

VERBS = {"down": "falls", "up": "rises", "same": "holds", "unknown": "moves"}


@pytest.mark.parametrize(
    ("metrics", "change", "cue"),
    [
        ({"before": "4.8 s largest contentful paint", "after": "1.9 s largest contentful paint"},
         "largest contentful paint falls from 4.8 seconds to 1.9 seconds",
         "Largest contentful paint: 4.8 s → 1.9 s"),
        ({"before": "71% checkout abandonment",
          "after": "48% checkout abandonment (industry median)"},
         "checkout abandonment falls from 71 to 48 percent, the industry median",
         "Checkout abandonment: 71% → 48% (industry median)"),
        ({"before": "2.1% demo-request rate", "after": "3.5% demo-request rate (projected)"},
         "the demo-request rate rises from 2.1 to a projected 3.5 percent",
         "Demo-request rate: 2.1% → 3.5% (projected)"),
        ({"before": "4.8s LCP", "after": "1.9s"}, "LCP falls from 4.8 seconds to 1.9 seconds",
         "LCP: 4.8s → 1.9s"),
        ({"lcp_before": "3 s", "lcp_after": "1 s"}, "LCP falls from 3 seconds to 1 second",
         "LCP: 3 s → 1 s"),
        ({"before": "slow", "after": "fast"}, "the measured value moves from slow to fast",
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
    assert [r.change for r in readings] == ["conversions come to plus 40 percent",
                                            "the target comes to 2 seconds"]
    assert read_metrics({}, VERBS) == []


def test_a_label_starting_with_a_preposition_follows_the_numbers() -> None:
    # "At present, of orders on subscription is 4 percent" is what this used to say, and
    # then "the figure rises …", which loses the label (§5.5: label and unit).
    [reading] = read_metrics({"before": "4% of orders on subscription",
                              "after": "15% of orders on subscription"}, VERBS)
    assert reading.change == "the share of orders on subscription rises from 4 to 15 percent"
    assert reading.current == "the share of orders on subscription is 4 percent"
    assert reading.cue == "4% of orders on subscription → 15% of orders on subscription"


def test_jargon_labels_are_read_plainly_for_non_technical_audiences() -> None:
    metrics = {"before": "5.1s LCP", "after": "2.0s LCP"}
    [technical] = read_metrics(metrics, VERBS)
    [plain] = read_metrics(metrics, VERBS, plain=True)
    assert technical.change == "LCP falls from 5.1 seconds to 2.0 seconds"
    assert plain.change == "the page load time falls from 5.1 seconds to 2.0 seconds"
    [keyed] = read_metrics({"lcp_before": "3 s", "lcp_after": "1 s"}, VERBS, plain=True)
    assert keyed.change.startswith("the page load time falls")


def test_a_plural_label_takes_a_plural_verb() -> None:
    # "Contrast failures falls from 12 to 0." was said for the fifty-item plan.
    [plural] = read_metrics({"before": "12 contrast failures", "after": "0 contrast failures"},
                            {**VERBS, "up": "goes up"})
    assert plural.change == "contrast failures fall from 12 to 0"
    [share] = read_metrics({"before": "4% of orders on subscription",
                            "after": "15% of orders on subscription"}, {**VERBS, "up": "goes up"})
    assert share.change.startswith("the share of orders on subscription goes up")
    [mass] = read_metrics({"before": "71% checkout abandonment",
                           "after": "48% checkout abandonment"}, VERBS)
    assert mass.change.startswith("checkout abandonment falls")


def test_the_verb_agrees_with_the_head_noun_not_the_last_word() -> None:
    [reading] = read_metrics({"before": "3.2 s time until the page responds",
                              "after": "1.1 s time until the page responds"}, VERBS)
    assert reading.change.startswith("the time until the page responds falls")
