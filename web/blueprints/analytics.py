"""Cost and quality reports over HTTP (§13): read-only views of the caller's tenant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import g
from flask.views import MethodView

from shared.repositories import analytics
from web.auth import requires_scope
from web.db import get_session, state
from web.parsing import Blueprint
from web.schemas.analytics import (
    CostReportSchema,
    CostsQuerySchema,
    StatsQuerySchema,
    StatsReportSchema,
)

costs_blp = Blueprint("costs", __name__, url_prefix="/api/v1/costs",
                      description="What the LLM calls cost, from the ledger.")
stats_blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats",
                      description="Jobs, fallback, timing accuracy and views.")


def _window(query: dict[str, Any]) -> analytics.Window:
    return analytics.Window(since=query.get("since"), until=query.get("until"))


@costs_blp.route("")
class Costs(MethodView):
    @requires_scope("read")
    @costs_blp.arguments(CostsQuerySchema, location="query")
    @costs_blp.response(200, CostReportSchema)
    def get(self, query: dict[str, Any]) -> analytics.CostReport:
        """Ledger totals and groups for a window, the monthly budget and its spend so far."""
        session = get_session()
        report = analytics.cost_report(
            session, tenant_id=g.principal.tenant_id, window=_window(query),
            group_by=query["group_by"],
            settle_margin=timedelta(seconds=state().settings.ledger_settle_seconds))
        session.commit()  # keeps the days the report summed into the rollup
        return report


@stats_blp.route("")
class Stats(MethodView):
    @requires_scope("read")
    @stats_blp.arguments(StatsQuerySchema, location="query")
    @stats_blp.response(200, StatsReportSchema)
    def get(self, query: dict[str, Any]) -> analytics.StatsReport:
        """Jobs by kind and status, success and fallback rates, timing accuracy, views."""
        return analytics.stats_report(get_session(), window=_window(query), top=query["top"])
