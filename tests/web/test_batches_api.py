from __future__ import annotations

import time

from flask.testing import FlaskClient

from tests.web.helpers import create_lead_and_site, wait_for_job


def _wait_for_batch(client: FlaskClient, url: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while (batch := client.get(url).json)["status"] == "running":
        assert time.monotonic() < deadline, batch
        time.sleep(0.05)
    return batch


def test_run_batch_now_over_http(client: FlaskClient) -> None:
    create_lead_and_site(client)
    create_lead_and_site(client, company_name="Second Lead")
    response = client.post("/api/v1/batches")
    assert response.status_code == 202
    assert response.headers["Location"] == f"/api/v1/jobs/{response.json['id']}"
    assert response.json["kind"] == "batch"
    batch_url = response.json["links"]["result"]
    assert wait_for_job(client, response.json["id"])["status"] == "succeeded"

    batch = _wait_for_batch(client, batch_url)
    assert batch["status"] == "succeeded"
    assert (batch["found"], batch["enqueued"], batch["succeeded"], batch["failed"]) == (2, 2, 2, 0)
    assert batch["trigger"] == "manual"
    assert batch["finished_at"] is not None
    scripts = client.get("/api/v1/video-scripts").json
    assert {s["script_style"] for s in scripts} == {"professional"}  # the configured default

    again = client.post("/api/v1/batches")
    wait_for_job(client, again.json["id"])
    second = _wait_for_batch(client, again.json["links"]["result"])
    assert (second["found"], second["enqueued"]) == (0, 0)


def test_unknown_batch_is_404(client: FlaskClient) -> None:
    assert client.get("/api/v1/batches/42").status_code == 404
