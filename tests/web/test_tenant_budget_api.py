"""``GET``/``PATCH /api/v1/tenant`` show this month's LLM spend next to the budget (§11)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient

from shared.db.models import LLMCall
from shared.db.session import session_scope
from shared.db.types import utcnow
from shared.script.types import Tier

DEFAULT_TENANT_ID = 1


def _ledger_row(app: Flask, cost: str, at: datetime) -> None:
    factory = app.extensions["scriptforge"].session_factory
    with session_scope(factory, DEFAULT_TENANT_ID) as session:
        session.add(LLMCall(job_id=None, attempt=1, sequence=0, model="m", tier=Tier.BUDGET,
                            purpose="generate", outcome="in_flight",
                            cost_usd=Decimal(cost), created_at=at))


def test_the_tenant_shows_its_month_to_date_spend(client: FlaskClient, app: Flask) -> None:
    assert client.get("/api/v1/tenant").get_json()["month_to_date_usd"] == 0
    _ledger_row(app, "0.125", utcnow())
    _ledger_row(app, "40", datetime(2001, 1, 1, tzinfo=UTC))  # another month

    answer = client.patch("/api/v1/tenant", json={"monthly_budget_usd": 2.5})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["month_to_date_usd"] == 0.125
    shown = client.get("/api/v1/tenant").get_json()
    assert (shown["monthly_budget_usd"], shown["month_to_date_usd"]) == (2.5, 0.125)
