"""Lead and demo-site payloads (§3.1, §3.2)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from web.schemas.base import PaginationSchema, StrictSchema

_HTTP_URL = validate.URL(schemes={"http", "https"}, require_tld=False)


class LeadCreateSchema(StrictSchema):
    company_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    industry = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    website_url = ma.fields.String(allow_none=True, validate=[validate.Length(max=2048), _HTTP_URL])
    contact_name = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    contact_email = ma.fields.Email(allow_none=True, validate=validate.Length(max=320))
    value = ma.fields.Decimal(
        load_default=0, places=2, validate=validate.Range(min=0), allow_nan=False,
        metadata={"description": "Expected deal value in USD; routes the LLM tier."},
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
    lead_id = ma.fields.Integer(validate=validate.Range(min=1))


class ImprovementSchema(StrictSchema):
    title = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
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
    lead_id = ma.fields.Integer(required=True, strict=True)
    url = ma.fields.String(required=True, validate=[validate.Length(max=2048), _HTTP_URL])
    improvement_plan = ma.fields.Nested(ImprovementPlanSchema, required=True)


class DemoSiteSchema(ma.Schema):
    id = ma.fields.Integer()
    lead_id = ma.fields.Integer()
    url = ma.fields.String()
    improvement_plan = ma.fields.Dict()
    created_at = ma.fields.DateTime()
