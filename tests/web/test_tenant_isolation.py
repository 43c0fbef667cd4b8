"""Tenants cannot see or touch each other's rows, by any route (§11).

Both matrices are generated from the app's URL map, so a route added without scoping (or
without a declared scope) fails here without anyone remembering to add a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from shared.repositories.api_keys import SCOPES
from tests.support.keys import issue_key
from tests.web.helpers import create_lead_and_site, keyed_client, wait_for_job
from web.auth import declared_scope, is_public

SKIP_METHODS = {"HEAD", "OPTIONS"}
# Bodies for operations that need one to succeed.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("/api/v1/video-scripts/<id:script_id>/section/<signed_index:section_index>", "PUT"):
        {"instructions": "Mention the loyalty card.", "voiceover": False},
    ("/api/v1/video-scripts/<id:script_id>/approve", "PUT"):
        {"is_approved": "approved", "approved_by": "alice"},
}


@dataclass
class TenantAObjects:
    ids: dict[str, object]


def _api_operations(app: Flask) -> list[tuple[Rule, str]]:
    return sorted(
        ((rule, method) for rule in app.url_map.iter_rules()
         if rule.rule.startswith("/api/") and not is_public(rule.rule)
         for method in sorted((rule.methods or set()) - SKIP_METHODS)),
        key=lambda pair: (pair[1] == "DELETE", pair[0].rule, pair[1]),  # deletions last
    )


@pytest.fixture
def tenant_a(app: Flask) -> tuple[FlaskClient, TenantAObjects]:
    """Tenant A's client and one object of A for every id parameter a route can take."""
    client = keyed_client(app, tenant="tenant-a")
    lead_id, site_id = create_lead_and_site(client)
    job = client.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id}).json
    script_id = wait_for_job(client, job["id"])["result"]["script_id"]
    voiceover_job = client.get("/api/v1/jobs?kind=voiceover").json[0]
    assert wait_for_job(client, voiceover_job["id"])["status"] == "succeeded"
    voiceover_id = client.get(f"/api/v1/video-scripts/{script_id}/voiceover").json["id"]
    batch = client.post("/api/v1/batches").json
    batch_id = wait_for_job(client, batch["id"])["result"]["batch_id"]
    # A's key that the DELETE of /api-keys/{id} revokes (not the one making the requests).
    spare = keyed_client(app, tenant="tenant-a", scopes=["read"])
    spare_key_id = next(key["id"] for key in client.get("/api/v1/api-keys").json
                    if key["scopes"] == ["read"])
    assert spare.get("/api/v1/leads").status_code == 200
    # A's webhook and one delivery of it (a ping; the .invalid host never resolves, so the
    # delivery stays pending and is retried, which the matrix does not mind).
    webhook = client.post("/api/v1/webhooks", json={
        "url": "https://hooks.tenant-a.invalid/h", "events": ["job.succeeded"]})
    assert webhook.status_code == 201, webhook.json
    delivery = client.post(f"/api/v1/webhooks/{webhook.json['id']}/test")
    assert delivery.status_code == 202, delivery.json
    return client, TenantAObjects(ids={
        "lead_id": lead_id, "demo_site_id": site_id, "demo_id": site_id,
        "script_id": script_id, "job_id": job["id"], "voiceover_id": voiceover_id,
        "batch_id": batch_id, "key_id": spare_key_id, "section_index": 0,
        "webhook_id": webhook.json["id"], "delivery_id": delivery.json["delivery_id"],
    })


def _url(rule: Rule, ids: dict[str, object]) -> str:
    missing = set(rule.arguments) - set(ids)
    assert not missing, (
        f"{rule.rule} takes {sorted(missing)}: map it to an object of tenant A in this test"
    )
    return rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]


def _call(client: FlaskClient, rule: Rule, method: str, url: str) -> tuple[int, Any]:
    """Status and JSON body; the response is closed (audio routes stream files)."""
    response = client.open(url, method=method, json=BODIES.get((rule.rule, method)))
    try:
        return response.status_code, response.get_json(silent=True)
    finally:
        response.close()


def test_another_tenants_ids_are_404_on_every_route_and_the_owner_succeeds(
    app: Flask, tenant_a: tuple[FlaskClient, TenantAObjects]
) -> None:
    client_a, objects = tenant_a
    client_b = keyed_client(app, tenant="tenant-b")
    with_ids = [(rule, method) for rule, method in _api_operations(app) if rule.arguments]
    assert len(with_ids) >= 15  # the matrix really walks the API

    for rule, method in with_ids:  # B first: nothing of A may change
        url = _url(rule, objects.ids)
        status, body = _call(client_b, rule, method, url)
        assert status == 404, (method, url, status, body)

    for rule, method in with_ids:
        url = _url(rule, objects.ids)
        status, body = _call(client_a, rule, method, url)
        assert 200 <= status < 300, (method, url, status, body)


def test_lists_show_only_the_callers_rows(
    app: Flask, tenant_a: tuple[FlaskClient, TenantAObjects]
) -> None:
    client_a, _ = tenant_a
    client_b = keyed_client(app, tenant="tenant-b")
    for path in ("/api/v1/leads", "/api/v1/demo-sites", "/api/v1/video-scripts",
                 "/api/v1/jobs"):
        assert client_a.get(path).json, path
        listed = client_b.get(path)
        assert listed.json == [], path
        assert listed.headers["X-Total-Count"] == "0", path
    assert [k["tenant"] for k in client_b.get("/api/v1/api-keys").json] == ["tenant-b"]
    assert client_a.get("/api/v1/webhooks").json
    assert client_b.get("/api/v1/webhooks").json == []
    # B cannot hang its rows on A's: a demo site for A's lead is "unknown lead".
    lead_a = client_a.get("/api/v1/leads").json[0]["id"]
    site = client_b.post("/api/v1/demo-sites", json={
        "lead_id": lead_a, "url": "https://b.example", "improvement_plan": {"improvements": []}})
    assert site.status_code in {404, 422}, site.json


def test_idempotency_keys_belong_to_the_caller(app: Flask) -> None:
    client_a = keyed_client(app, tenant="tenant-a")
    client_b = keyed_client(app, tenant="tenant-b")
    _, site_a = create_lead_and_site(client_a)
    _, site_b = create_lead_and_site(client_b)
    headers = {"Idempotency-Key": "same-key"}
    job_a = client_a.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_a},
                          headers=headers)
    job_b = client_b.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_b},
                          headers=headers)
    assert (job_a.status_code, job_b.status_code) == (202, 202)
    assert job_a.json["id"] != job_b.json["id"]
    assert "Idempotent-Replayed" not in job_b.headers


def test_every_api_operation_declares_a_scope(app: Flask) -> None:
    for rule, method in _api_operations(app):
        assert declared_scope(app, rule.endpoint, method) in SCOPES, (method, rule.rule)


def test_each_operation_refuses_a_key_without_its_scope_naming_it(app: Flask) -> None:
    clients = {scope: keyed_client(app, tenant="tenant-a",
                                   scopes=[s for s in SCOPES if s != scope])
               for scope in SCOPES}
    ids = {"lead_id": 1, "demo_site_id": 1, "demo_id": 1, "script_id": 1, "voiceover_id": 1,
           "batch_id": 1, "key_id": 1, "section_index": 0, "webhook_id": 1, "delivery_id": 1,
           "job_id": "00000000-0000-4000-8000-000000000000"}
    checked = set()
    for rule, method in _api_operations(app):
        scope = declared_scope(app, rule.endpoint, method)
        assert scope is not None
        status, body = _call(clients[scope], rule, method, _url(rule, ids))
        assert status == 403, (method, rule.rule, status)
        assert f"'{scope}'" in body["message"], body
        checked.add(scope)
    assert checked == set(SCOPES)


def test_operations_are_documented_with_their_scope_and_the_bearer_scheme(
    client: FlaskClient,
) -> None:
    document = client.get("/api/openapi.json").json
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": "An API key (sf_…); see `scriptforge keys create`."}
    assert document["security"] == [{"bearerAuth": []}]
    operations = [op for path in document["paths"].values() for op in path.values()
                  if isinstance(op, dict) and "responses" in op]
    assert operations
    assert all(op["x-scopes"][0] in SCOPES for op in operations)
    approve = document["paths"]["/api/v1/video-scripts/{script_id}/approve"]["put"]
    assert approve["x-scopes"] == ["review"]
    assert "403" in approve["responses"]


@pytest.mark.parametrize("header", [
    None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer sf_short",
    "Bearer sf_0000000000000000000000000000000000000000000",
])
def test_missing_malformed_or_unknown_keys_are_401_with_a_bearer_challenge(
    anonymous_client: FlaskClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    for path in ("/api/v1/leads", "/api/v1/jobs", "/api/v1/no-such-route"):
        response = anonymous_client.get(path, headers=headers)
        assert response.status_code == 401, (path, header)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json["code"] == 401
        assert response.json["message"]


def test_a_revoked_key_is_401_and_says_so(app: Flask, client: FlaskClient) -> None:
    victim = issue_key(app.extensions["scriptforge"].session_factory, scopes=["read"])
    victim_client = keyed_client(app, token=victim)
    assert victim_client.get("/api/v1/leads").status_code == 200
    key_id = next(k["id"] for k in client.get("/api/v1/api-keys").json
              if victim.startswith(k["prefix"]) and k["scopes"] == ["read"])
    revoked = client.delete(f"/api/v1/api-keys/{key_id}")
    assert revoked.status_code == 200
    assert revoked.json["revoked_at"]
    response = victim_client.get("/api/v1/leads")
    assert response.status_code == 401
    assert "revoked" in response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_public_paths_answer_without_a_key(anonymous_client: FlaskClient) -> None:
    for path in ("/healthz", "/readyz", "/api/openapi.json"):
        assert anonymous_client.get(path).status_code == 200, path
    assert anonymous_client.get("/api/docs").status_code != 401


def test_last_used_at_is_recorded(app: Flask, client: FlaskClient) -> None:
    assert client.get("/api/v1/leads").status_code == 200
    keys = client.get("/api/v1/api-keys").json
    assert any(key["last_used_at"] for key in keys)
    assert all("key" not in key for key in keys)  # the key itself is never shown again


def test_the_tenant_budget_is_set_and_cleared_over_http(client: FlaskClient) -> None:
    assert client.get("/api/v1/tenant").json["slug"] == "default"
    patched = client.patch("/api/v1/tenant", json={"monthly_budget_usd": 25.5})
    assert patched.status_code == 200
    assert patched.json["monthly_budget_usd"] == 25.5  # a JSON number, as documented
    assert client.patch("/api/v1/tenant", json={"monthly_budget_usd": None}
                        ).json["monthly_budget_usd"] is None
    refused = client.patch("/api/v1/tenant", json={"monthly_budget_usd": -1})
    assert refused.status_code == 422
    assert "monthly_budget_usd" in refused.json["message"]
