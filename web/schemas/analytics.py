"""Query and response shapes of the cost and stats reports (§6, §13)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from shared.repositories.analytics import GROUP_BYS
from web.schemas.base import StrictSchema

_WINDOW = ("Whole UTC days: `since` counts from 00:00:00 UTC of its day (inclusive), "
           "`until` to the end of its day (rows before 00:00:00 UTC of the next day). "
           "Either may be left out (an open end).")


class WindowQuerySchema(StrictSchema):
    since = ma.fields.Date(metadata={
        "description": "First day counted, `YYYY-MM-DD` (UTC), inclusive. " + _WINDOW})
    until = ma.fields.Date(metadata={
        "description": "Last day counted, `YYYY-MM-DD` (UTC), inclusive of that whole day; "
                       "not before `since`."})

    @ma.validates_schema
    def _ordered(self, data: dict[str, Any], **_kwargs: Any) -> None:
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and since > until:
            raise ma.ValidationError(
                f"Must not be after until ({until.isoformat()}).", field_name="since")


class CostsQuerySchema(WindowQuerySchema):
    group_by = ma.fields.String(
        load_default="model", validate=validate.OneOf(GROUP_BYS),
        metadata={"description": "What each group is: the model, tier, script style, UTC "
                                 "day or lead of the calls."})


class StatsQuerySchema(WindowQuerySchema):
    top = ma.fields.Integer(
        load_default=10, validate=validate.Range(min=1, max=100),
        metadata={"description": "How many of the most viewed scripts to list, 1–100."})


class CostGroupSchema(ma.Schema):
    key = ma.fields.String(
        allow_none=True,
        metadata={"description": "The model, tier, style, day (`YYYY-MM-DD`, UTC) or lead id "
                                 "(as a string); null for calls recorded without one."})
    cost_usd = ma.fields.Float()
    calls = ma.fields.Integer()
    prompt_tokens = ma.fields.Integer()
    completion_tokens = ma.fields.Integer()


class CostReportSchema(ma.Schema):
    group_by = ma.fields.String()
    since = ma.fields.Date(allow_none=True)
    until = ma.fields.Date(allow_none=True)
    total_cost_usd = ma.fields.Float(metadata={
        "description": "Every LLM call in the window, hard-deleted scripts' included."})
    total_calls = ma.fields.Integer()
    total_scripts = ma.fields.Integer(metadata={
        "description": "Scripts stored in the window, hard-deleted ones included."})
    avg_cost_per_script_usd = ma.fields.Float(
        allow_none=True, metadata={"description": "total_cost_usd / total_scripts; null "
                                                  "when no script was stored."})
    fallback_rate = ma.fields.Float(
        allow_none=True, metadata={"description": "Share of those scripts that fell back to "
                                                  "the offline script; null when none."})
    groups = ma.fields.List(ma.fields.Nested(CostGroupSchema), metadata={
        "description": "Ordered by cost, highest first (by day: oldest first)."})
    budget_usd = ma.fields.Float(
        allow_none=True,
        metadata={"description": "The tenant's monthly budget; null means unlimited."})
    month_to_date_usd = ma.fields.Float(metadata={
        "description": "Ledger spend since 00:00 UTC on the 1st of the current month, "
                       "whatever the window."})


class JobCountSchema(ma.Schema):
    kind = ma.fields.String()
    status = ma.fields.String()
    count = ma.fields.Integer()


class PercentilesSchema(ma.Schema):
    p50 = ma.fields.Float(allow_none=True)
    p95 = ma.fields.Float(allow_none=True)


class ViewedScriptSchema(ma.Schema):
    id = ma.fields.Integer()
    lead_id = ma.fields.Integer()
    script_style = ma.fields.String()
    version = ma.fields.Integer()
    times_viewed = ma.fields.Integer()
    last_viewed_at = ma.fields.DateTime(allow_none=True)


class StatsReportSchema(ma.Schema):
    since = ma.fields.Date(allow_none=True)
    until = ma.fields.Date(allow_none=True)
    jobs = ma.fields.List(ma.fields.Nested(JobCountSchema), metadata={
        "description": "Jobs created in the window, by kind and status."})
    success_rate = ma.fields.Float(allow_none=True, metadata={
        "description": "Succeeded / (succeeded + failed) jobs; null when none finished."})
    scripts = ma.fields.Integer(metadata={
        "description": "Scripts stored in the window, hard-deleted ones included."})
    fallback_rate = ma.fields.Float(allow_none=True)
    generation_seconds = ma.fields.Nested(PercentilesSchema, metadata={
        "description": "Seconds the engine took per script (percentile_cont)."})
    timing_window_share = ma.fields.Float(allow_none=True, metadata={
        "description": "Share of scripts whose total duration is inside 90–100 % of the "
                       "requested duration (§3.5)."})
    voiceovers_measured = ma.fields.Integer()
    voiceover_timing_error_pct = ma.fields.Nested(PercentilesSchema, metadata={
        "description": "Absolute difference between measured and planned audio length, in "
                       "percent of the plan, over voiceovers made in the window."})
    total_views = ma.fields.Integer(metadata={
        "description": "Views of the scripts stored in the window (soft-deleted included)."})
    most_viewed = ma.fields.List(ma.fields.Nested(ViewedScriptSchema), metadata={
        "description": "The most viewed of those scripts that are not deleted."})
