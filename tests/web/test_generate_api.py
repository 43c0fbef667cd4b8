from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from shared.db.models import IdempotencyKey
from tests.web.helpers import create_lead_and_site, keyed_client, row_counts, wait_for_job


def _generation_jobs(client: FlaskClient) -> int:
    return int(client.get("/api/v1/jobs?kind=generate_script").headers["X-Total-Count"])


def test_generate_is_202_with_location_then_succeeds_offline(client: FlaskClient) -> None:
    _, site_id = create_lead_and_site(client)
    response = client.post("/api/v1/video-scripts/generate",
                           json={"demo_site_id": site_id, "style": "casual",
                                 "max_duration_seconds": 60})
    assert response.status_code == 202
    job = response.json
    assert response.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert job["kind"] == "generate_script"
    assert job["links"]["self"] == f"/api/v1/jobs/{job['id']}"

    finished = wait_for_job(client, job["id"])
    assert finished["status"] == "succeeded", finished
    assert finished["attempts"] == 1
    script_url = finished["links"]["result"]
    script = client.get(script_url).json
    assert script["id"] == finished["result"]["script_id"]
    assert script["script_style"] == "casual"
    assert script["ai_model_used"] == "offline"
    assert script["fallback_used"] is False
    assert 54 <= script["total_duration_seconds"] <= 60
    assert script["total_duration_seconds"] == sum(s["duration_seconds"]
                                                   for s in script["sections"])
    assert script["validation_warnings"] == []
    assert script["version"] == 1
    assert script["is_approved"] == "pending"
    assert "Harbor Lane" in " ".join(s["content"] for s in script["sections"])


def test_jobs_list_filters(client: FlaskClient) -> None:
    _, site_id = create_lead_and_site(client)
    job_id = client.post("/api/v1/video-scripts/generate",
                         json={"demo_site_id": site_id}).json["id"]
    wait_for_job(client, job_id)
    succeeded = client.get("/api/v1/jobs?status=succeeded&kind=generate_script")
    assert succeeded.status_code == 200
    assert [job["id"] for job in succeeded.json] == [job_id]
    assert succeeded.headers["X-Total-Count"] == "1"
    assert client.get("/api/v1/jobs?status=queued").json == []
    bad = client.get("/api/v1/jobs?status=done")
    assert bad.status_code == 422
    assert "status" in bad.json["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"style": "poetic"}, "style"),
        ({"max_duration_seconds": 29}, "max_duration_seconds"),
        ({"max_duration_seconds": 301}, "max_duration_seconds"),
        ({"max_duration_seconds": "120"}, "max_duration_seconds"),
        ({"custom_instructions": "x" * 2001}, "custom_instructions"),
        ({"custom_instructions": "bad\x00byte"}, "custom_instructions"),
        ({"include_intro": "maybe"}, "include_intro"),
        ({"demo_site_id": "one"}, "demo_site_id"),
        ({"demo_site_id": None}, "demo_site_id"),
        ({"colour": "blue"}, "colour"),
        ({"model": "openai/gpt-4o"}, "model"),  # not allowed unless configured
    ],
)
def test_bad_generate_request_is_422_and_writes_nothing(
    client: FlaskClient, change: dict[str, object], field: str
) -> None:
    _, site_id = create_lead_and_site(client)
    before = row_counts(client)
    response = client.post("/api/v1/video-scripts/generate",
                           json={"demo_site_id": site_id, **change})
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert field in response.json["message"]
    assert row_counts(client) == before


def test_unknown_demo_site_is_404_and_lead_mismatch_is_422(client: FlaskClient) -> None:
    lead_id, site_id = create_lead_and_site(client)
    before = row_counts(client)
    missing = client.post("/api/v1/video-scripts/generate", json={"demo_site_id": 999})
    assert missing.status_code == 404
    assert "demo site 999" in missing.json["message"]
    wrong_lead = client.post("/api/v1/video-scripts/generate",
                             json={"demo_site_id": site_id, "lead_id": lead_id + 1})
    assert wrong_lead.status_code == 422
    assert "lead_id" in wrong_lead.json["message"]
    not_json = client.post("/api/v1/video-scripts/generate", data="demo_site_id=1",
                           content_type="application/x-www-form-urlencoded")
    assert 400 <= not_json.status_code < 500
    assert row_counts(client) == before


def test_idempotency_key_replays_same_job(client: FlaskClient) -> None:
    _, site_id = create_lead_and_site(client)
    body = {"demo_site_id": site_id, "style": "sales"}
    headers = {"Idempotency-Key": "order-42"}
    first = client.post("/api/v1/video-scripts/generate", json=body, headers=headers)
    again = client.post("/api/v1/video-scripts/generate", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    wait_for_job(client, first.json["id"])
    assert _generation_jobs(client) == 1
    assert row_counts(client)["video_scripts"] == 1


def test_idempotency_key_with_changed_body_is_422(client: FlaskClient) -> None:
    _, site_id = create_lead_and_site(client)
    headers = {"Idempotency-Key": "order-43"}
    client.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id},
                headers=headers)
    changed = client.post("/api/v1/video-scripts/generate",
                          json={"demo_site_id": site_id, "style": "technical"}, headers=headers)
    assert changed.status_code == 422
    assert "Idempotency-Key" in changed.json["message"]
    assert _generation_jobs(client) == 1


def test_idempotency_key_in_flight_is_409(client: FlaskClient) -> None:
    """A retry that arrives while the first request holds the key gets 409."""
    _, site_id = create_lead_and_site(client)
    body = {"demo_site_id": site_id}
    headers = {"Idempotency-Key": "order-44"}
    first = client.post("/api/v1/video-scripts/generate", json=body, headers=headers)
    # Put the key back into the state it has while the first request is still running.
    engine = client.application.extensions["scriptforge"].db_engine
    with engine.begin() as connection:
        connection.execute(update(IdempotencyKey).values(job_id=None))
    retry = client.post("/api/v1/video-scripts/generate", json=body, headers=headers)
    assert retry.status_code == 409
    assert first.status_code == 202


def test_concurrent_retries_with_one_key_make_one_job(client: FlaskClient, api_key: str
                                                      ) -> None:
    _, site_id = create_lead_and_site(client)
    app = client.application
    statuses: list[int] = []
    job_ids: set[str] = set()

    def post() -> None:
        with keyed_client(app, token=api_key) as own:
            response = own.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id},
                                headers={"Idempotency-Key": "burst"})
            statuses.append(response.status_code)
            if response.status_code == 202:
                job_ids.add(response.json["id"])

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {202, 409}
    assert len(job_ids) == 1
    assert _generation_jobs(client) == 1


def test_openapi_and_health(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    assert "/api/v1/video-scripts/generate" in paths
    assert "/api/v1/jobs/{job_id}" in paths
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "broker": "embedded"}
