"""Fixtures for the script engine: the three sample improvement plans of the spec.

The JSON files in ``data/`` are copies of ``shared/examples`` from the product spec, kept
here so the suite runs from a clean clone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.script.types import DemoSiteInfo, ImprovementPlan, LeadInfo

DATA = Path(__file__).parent / "data"
EXAMPLE_NAMES = ("bright-smile-dental", "ledgerline-saas", "northwind-outfitters")


@dataclass(frozen=True)
class Example:
    name: str
    plan: ImprovementPlan
    lead: LeadInfo
    demo_site: DemoSiteInfo


def load_example(name: str) -> Example:
    document = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    lead = {key: value for key, value in document["lead"].items() if key != "contact_email"}
    return Example(
        name=name,
        plan=ImprovementPlan.parse(document["demo_site"]["improvement_plan"]),
        lead=LeadInfo(**lead),
        demo_site=DemoSiteInfo(url=document["demo_site"]["url"]),
    )


@pytest.fixture(params=EXAMPLE_NAMES)
def example(request: pytest.FixtureRequest) -> Example:
    return load_example(request.param)
