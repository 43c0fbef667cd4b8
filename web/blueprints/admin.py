"""Administration over HTTP (§11): the caller's own tenant and its API keys (``admin``)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from shared.db.models import ApiKey, Tenant
from shared.repositories import api_keys, ledger
from shared.repositories import tenants as tenant_repo
from web.auth import requires_scope
from web.db import get_session
from web.parsing import Blueprint
from web.schemas.admin import (
    ApiKeyCreateSchema,
    ApiKeySchema,
    CreatedApiKeySchema,
    TenantPatchSchema,
    TenantSchema,
)

keys_blp = Blueprint("api_keys", __name__, url_prefix="/api/v1/api-keys",
                     description="API keys of the caller's tenant.")
tenant_blp = Blueprint("tenant", __name__, url_prefix="/api/v1/tenant",
                       description="The caller's tenant and its monthly budget.")


def _with_spend(tenant: Tenant) -> Tenant:
    """The tenant with what its budget is compared with (§11): this UTC month's spend."""
    tenant.month_to_date_usd = ledger.month_spend_usd(  # type: ignore[attr-defined]
        get_session(), tenant.id)
    return tenant


def _shown(key: ApiKey) -> ApiKey:
    key.tenant_slug = g.principal.tenant_slug  # type: ignore[attr-defined]
    return key


@keys_blp.route("")
class ApiKeyCollection(MethodView):
    @requires_scope("admin")
    @keys_blp.response(200, ApiKeySchema(many=True))
    def get(self) -> list[ApiKey]:
        """The tenant's keys, revoked ones included (prefixes only, never a key)."""
        return [_shown(key) for key in api_keys.list_keys(get_session())]

    @requires_scope("admin")
    @keys_blp.arguments(ApiKeyCreateSchema)
    @keys_blp.response(201, CreatedApiKeySchema)
    def post(self, body: dict[str, Any]) -> ApiKey:
        """Create a key for this tenant; the response is the only place the key appears."""
        session = get_session()
        tenant = tenant_repo.get_tenant(session, g.principal.tenant_id)
        created = api_keys.create_key(session, tenant, scopes=body["scopes"], name=body["name"])
        session.commit()
        created.row.key = created.token  # type: ignore[attr-defined]
        return _shown(created.row)


@keys_blp.route("/<id:key_id>")
class ApiKeyItem(MethodView):
    @requires_scope("admin")
    @keys_blp.response(200, ApiKeySchema)
    def delete(self, key_id: int) -> ApiKey:
        """Revoke a key (it answers 401 from now on); revoking twice is harmless."""
        session = get_session()
        key = api_keys.revoke_key(session, key_id)
        session.commit()
        return _shown(key)


@tenant_blp.route("")
class CurrentTenant(MethodView):
    @requires_scope("admin")
    @tenant_blp.response(200, TenantSchema)
    def get(self) -> Tenant:
        """The caller's tenant, its budget and this month's spend."""
        return _with_spend(tenant_repo.get_tenant(get_session(), g.principal.tenant_id))

    @requires_scope("admin")
    @tenant_blp.arguments(TenantPatchSchema)
    @tenant_blp.response(200, TenantSchema)
    def patch(self, body: dict[str, Any]) -> Tenant:
        """Set or clear (null) the tenant's monthly LLM budget."""
        session = get_session()
        tenant = tenant_repo.get_tenant(session, g.principal.tenant_id)
        tenant_repo.set_budget(session, tenant, body["monthly_budget_usd"])
        session.commit()
        return _with_spend(tenant)
