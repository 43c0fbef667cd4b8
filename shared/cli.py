"""The ``scriptforge`` console script (§11): tenants and API keys, JSON on stdout.

    scriptforge keys create --tenant SLUG --scopes read,write,review,admin [--name N]
    scriptforge keys list --tenant SLUG
    scriptforge keys revoke ID
    scriptforge tenants create SLUG [--monthly-budget-usd X]
    scriptforge tenants set-budget SLUG USD|none

It talks to the database the services use (DATABASE_URL, or the embedded SQLite file,
migrated first as the web process does), with a system session: an operator's tool
spans tenants by design. Errors go to stderr as JSON with exit status 1 (2 for usage).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from shared.config import Settings, load_settings
from shared.db.migrate import upgrade_to_head
from shared.db.models import ApiKey, Tenant
from shared.db.session import make_engine, make_session_factory, session_scope
from shared.db.tenancy import ALL_TENANTS
from shared.errors import DomainError
from shared.repositories import api_keys
from shared.repositories import tenants as tenant_repo


def key_json(key: ApiKey, tenant_slug: str) -> dict[str, Any]:
    return {
        "id": key.id, "tenant": tenant_slug, "name": key.name, "prefix": key.prefix,
        "scopes": list(key.scopes), "created_at": _iso(key.created_at),
        "last_used_at": _iso(key.last_used_at), "revoked_at": _iso(key.revoked_at),
    }


def tenant_json(tenant: Tenant) -> dict[str, Any]:
    budget = tenant.monthly_budget_usd
    return {"id": tenant.id, "slug": tenant.slug, "name": tenant.name,
            "monthly_budget_usd": float(budget) if budget is not None else None,
            "created_at": _iso(tenant.created_at)}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def create_key(settings: Settings, tenant_slug: str, scopes: Sequence[str],
               name: str = "") -> dict[str, Any]:
    """Create a key (and the tenant if missing); the output is the only copy of the key.

    Also what the demo, the benchmarks and the tests call to get a key.
    """
    with _session(settings) as session:
        tenant = tenant_repo.get_or_create_tenant(session, tenant_slug)
        created = api_keys.create_key(session, tenant, scopes=list(scopes), name=name)
        return {"id": created.row.id, "tenant": tenant.slug, "prefix": created.row.prefix,
                "scopes": list(created.row.scopes), "key": created.token}


def run(argv: Sequence[str] | None, settings: Settings) -> Any:
    args = _parser().parse_args(argv)
    if args.group == "keys" and args.command == "create":
        scopes = [scope.strip() for scope in args.scopes.split(",") if scope.strip()]
        return create_key(settings, args.tenant, scopes, args.name)
    with _session(settings) as session:
        if args.group == "keys" and args.command == "list":
            tenant = tenant_repo.get_tenant_by_slug(session, args.tenant)
            return [key_json(key, tenant.slug)
                    for key in api_keys.keys_of_tenant(session, tenant.id)]
        if args.group == "keys" and args.command == "revoke":
            key = api_keys.revoke_key(session, args.id)
            return key_json(key, tenant_repo.get_tenant(session, key.tenant_id).slug)
        if args.group == "tenants" and args.command == "create":
            return tenant_json(tenant_repo.create_tenant(
                session, args.slug, monthly_budget_usd=args.monthly_budget_usd))
        if args.group == "tenants" and args.command == "set-budget":
            tenant = tenant_repo.get_tenant_by_slug(session, args.slug)
            value = None if args.usd.lower() == "none" else args.usd
            return tenant_json(tenant_repo.set_budget(session, tenant, value))
    raise AssertionError("argparse accepted an unknown command")  # pragma: no cover


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    if settings.embedded_database:
        upgrade_to_head(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url, pool_size=1, max_overflow=0)
    try:
        with session_scope(make_session_factory(engine), ALL_TENANTS) as session:
            yield session
    finally:
        engine.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scriptforge", description=__doc__.split("\n")[0])
    groups = parser.add_subparsers(dest="group", required=True)
    keys = groups.add_parser("keys", help="API keys").add_subparsers(dest="command",
                                                                   required=True)
    create = keys.add_parser("create", help="create a key (and its tenant if missing)")
    create.add_argument("--tenant", required=True)
    create.add_argument("--scopes", required=True,
                        help="comma-separated: read,write,review,admin (admin implies nothing)")
    create.add_argument("--name", default="")
    listing = keys.add_parser("list", help="a tenant's keys (prefixes only)")
    listing.add_argument("--tenant", required=True)
    revoke = keys.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id", type=int)
    tenants = groups.add_parser("tenants", help="tenants").add_subparsers(dest="command",
                                                                          required=True)
    tenant_create = tenants.add_parser("create", help="create a tenant")
    tenant_create.add_argument("slug")
    tenant_create.add_argument("--monthly-budget-usd", default=None)
    budget = tenants.add_parser("set-budget", help="set a tenant's monthly budget (or none)")
    budget.add_argument("slug")
    budget.add_argument("usd", help="USD per month, or 'none' for unlimited")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        result = run(argv, load_settings())
    except DomainError as error:
        print(json.dumps({"error": str(error)}), file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
