"""API keys and the tenant (§11), as the admin endpoints show and accept them."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from shared.repositories.api_keys import NAME_MAX, SCOPES
from shared.repositories.tenants import MAX_BUDGET_USD
from web.schemas.base import StrictDecimal, StrictSchema


class ApiKeySchema(ma.Schema):
    id = ma.fields.Integer()
    tenant = ma.fields.Function(lambda key: key.tenant_slug)
    name = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "Display prefix; never the key."})
    scopes = ma.fields.List(ma.fields.String())
    created_at = ma.fields.DateTime()
    last_used_at = ma.fields.DateTime(
        allow_none=True, metadata={"description": "Updated at most once a minute."})
    revoked_at = ma.fields.DateTime(allow_none=True)


class CreatedApiKeySchema(ApiKeySchema):
    key = ma.fields.String(metadata={"description": "The whole key, shown this once only."})


class ApiKeyCreateSchema(StrictSchema):
    scopes = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(SCOPES)), required=True,
        validate=validate.Length(min=1, max=len(SCOPES)),
        metadata={"description": "Some of read, write, review, admin; a key has exactly "
                                 "these (admin does not imply the others)."},
    )
    name = ma.fields.String(load_default="", validate=validate.Length(max=NAME_MAX))


class TenantSchema(ma.Schema):
    id = ma.fields.Integer()
    slug = ma.fields.String()
    name = ma.fields.String()
    monthly_budget_usd = ma.fields.Float(
        allow_none=True,
        metadata={"description": "Monthly LLM budget in USD; null means unlimited."},
    )
    month_to_date_usd = ma.fields.Float(
        dump_only=True,
        metadata={"description": "LLM spend this UTC calendar month (calls in flight at "
                                 "their estimate): what the budget is compared with."},
    )
    created_at = ma.fields.DateTime()


class TenantPatchSchema(StrictSchema):
    monthly_budget_usd = StrictDecimal(
        required=True, allow_none=True, places=2, allow_nan=False,
        validate=validate.Range(min=Decimal(0), max=MAX_BUDGET_USD),
        # Numbers in the document (apispec would write the Decimals as strings).
        metadata={"description": "USD per calendar month, or null for unlimited.",
                  "minimum": 0, "maximum": float(MAX_BUDGET_USD)},
    )
