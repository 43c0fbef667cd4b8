"""Lead and demo-site payloads (§3.1, §3.2); lengths are the columns' (shared/db/models.py)."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from web.schemas.base import (
    NOT_BLANK,
    PaginationSchema,
    StrictDecimal,
    StrictSchema,
    http_url,
    id_field,
)

# Lead.value is NUMERIC(14, 2): twelve digits before the point.
MAX_LEAD_VALUE = Decimal("999999999999.99")


class LeadCreateSchema(StrictSchema):
    company_name = ma.fields.String(
        required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    industry = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    website_url = ma.fields.String(allow_none=True, validate=http_url(),
                                   metadata={"description": "http(s) URL, or null."})
    contact_name = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    contact_email = ma.fields.Email(allow_none=True, validate=validate.Length(max=320))
    value = StrictDecimal(
        load_default=Decimal(0), places=2, allow_nan=False,
        validate=validate.Range(min=Decimal(0), max=MAX_LEAD_VALUE),
        # Numbers in the document (apispec would write the Decimals as strings).
        metadata={"description": "Expected deal value in USD, rounded to cents; routes the "
                                 "LLM tier.",
                  "default": 0, "minimum": 0, "maximum": float(MAX_LEAD_VALUE)},
    )


class LeadSchema(ma.Schema):
    id = ma.fields.Integer()
    company_name = ma.fields.String()
    industry = ma.fields.String(allow_none=True)
    website_url = ma.fields.String(allow_none=True)
    contact_name = ma.fields.String(allow_none=True)
    contact_email = ma.fields.String(allow_none=True)
    value = ma.fields.Float()
    created_at = ma.fields.DateTime()


class LeadListQuerySchema(PaginationSchema):
    pass


class DemoSiteListQuerySchema(PaginationSchema):
    lead_id = id_field()


class ImprovementSchema(StrictSchema):
    title = ma.fields.String(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    description = ma.fields.String(validate=validate.Length(max=2000))
    category = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    impact = ma.fields.String(allow_none=True, validate=validate.OneOf(["high", "medium", "low"]))
    metrics = ma.fields.Dict(
        keys=ma.fields.String(validate=validate.Length(max=200)),
        values=ma.fields.String(validate=validate.Length(max=200)),
    )


class ImprovementPlanSchema(StrictSchema):
    overall_strategy = ma.fields.String(validate=validate.Length(max=2000))
    improvements = ma.fields.List(
        ma.fields.Nested(ImprovementSchema), validate=validate.Length(max=50), load_default=list
    )


class DemoSiteCreateSchema(StrictSchema):
    lead_id = id_field(required=True, strict=True)
    url = ma.fields.String(required=True, validate=http_url())
    improvement_plan = ma.fields.Nested(ImprovementPlanSchema, required=True)


class DemoSiteSchema(ma.Schema):
    id = ma.fields.Integer()
    lead_id = ma.fields.Integer()
    url = ma.fields.String()
    improvement_plan = ma.fields.Dict()
    created_at = ma.fields.DateTime()
