"""Small HTTP helpers for API tests."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shared.db.models import Base
from tests.support.keys import ALL_SCOPES, issue_key

SAMPLE = json.loads((Path(__file__).resolve().parents[2] / "samples" / "harbor-coffee.json")
                    .read_text())


def keyed_client(
    app: Flask, tenant: str = "default", scopes: Sequence[str] = ALL_SCOPES,
    token: str | None = None,
) -> FlaskClient:
    """A test client sending a key of ``tenant`` (a new one, unless ``token`` is given)."""
    key = token or issue_key(app.extensions["scriptforge"].session_factory, tenant, scopes)
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return test_client


def create_lead_and_site(client: FlaskClient, **lead_overrides: Any) -> tuple[int, int]:
    lead = client.post("/api/v1/leads", json={**SAMPLE["lead"], **lead_overrides})
    assert lead.status_code == 201, lead.json
    site = client.post("/api/v1/demo-sites", json={"lead_id": lead.json["id"],
                                                   **SAMPLE["demo_site"]})
    assert site.status_code == 201, site.json
    return lead.json["id"], site.json["id"]


def wait_for_job(client: FlaskClient, job_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}").json
        if job["status"] in {"succeeded", "failed"}:
            return job
        assert time.monotonic() < deadline, f"job still {job['status']}"
        time.sleep(0.05)


def row_counts(client: FlaskClient) -> dict[str, int]:
    """Rows per table, to prove a rejected request wrote nothing."""
    engine = client.application.extensions["scriptforge"].db_engine
    with engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
        }
