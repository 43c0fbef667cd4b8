"""The review loop over HTTP: read, list, regenerate, compare versions, approve, delete."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shared.db.models import LLMCall
from tests.web.helpers import create_lead_and_site, keyed_client, row_counts, wait_for_job


def _generate(client: FlaskClient, site_id: int, **options: Any) -> dict[str, Any]:
    job = client.post("/api/v1/video-scripts/generate",
                      json={"demo_site_id": site_id, **options}).json
    done = wait_for_job(client, job["id"])
    assert done["status"] == "succeeded", done
    return client.get(done["links"]["result"]).json


def _regenerate(client: FlaskClient, script_id: int, index: int, instructions: str
                ) -> dict[str, Any]:
    response = client.put(f"/api/v1/video-scripts/{script_id}/section/{index}",
                          json={"instructions": instructions})
    assert response.status_code == 202, response.json
    assert response.json["kind"] == "regenerate_section"
    done = wait_for_job(client, response.json["id"])
    assert done["status"] == "succeeded", done
    return client.get(done["links"]["result"]).json


@pytest.fixture
def site_id(client: FlaskClient) -> int:
    return create_lead_and_site(client)[1]


def test_reads_count_views(client: FlaskClient, site_id: int) -> None:
    script = _generate(client, site_id)
    first = client.get(f"/api/v1/video-scripts/{script['id']}").json
    second = client.get(f"/api/v1/video-scripts/{script['id']}").json
    assert second["times_viewed"] == first["times_viewed"] + 1
    assert second["last_viewed_at"] >= first["last_viewed_at"]


def test_three_regenerations_make_versions_one_to_four(client: FlaskClient, site_id: int) -> None:
    v1 = _generate(client, site_id, style="technical", max_duration_seconds=90)
    v2 = _regenerate(client, v1["id"], 1, "Lead with the page-speed numbers.")
    v3 = _regenerate(client, v2["id"], 0, "Make the opening warmer.")
    v4 = _regenerate(client, v3["id"], len(v3["sections"]) - 1, "End with a clear next step.")

    assert [v["version"] for v in (v1, v2, v3, v4)] == [1, 2, 3, 4]
    assert [v["parent_script_id"] for v in (v2, v3, v4)] == [v1["id"], v2["id"], v3["id"]]
    for child in (v2, v3, v4):
        assert child["is_approved"] == "pending"
        assert child["script_style"] == "technical"
        assert 81 <= child["total_duration_seconds"] <= 90
    # Only the regenerated section differs; every other one is byte-identical.
    assert v2["sections"][0] == v1["sections"][0]
    assert v2["sections"][2:] == v1["sections"][2:]
    assert v3["sections"][1:] == v2["sections"][1:]
    assert v4["sections"][:-1] == v3["sections"][:-1]

    versions = client.get(f"/api/v1/video-scripts/{v2['id']}/versions").json
    assert [v["id"] for v in versions] == [v1["id"], v2["id"], v3["id"], v4["id"]]
    # Earlier versions are untouched (apart from the view counter reads bump).
    again = client.get(f"/api/v1/video-scripts/{v1['id']}").json
    assert again["sections"] == v1["sections"]
    assert again["version"] == 1


def test_bad_regeneration_requests(client: FlaskClient, site_id: int) -> None:
    # No chained voiceover: its job would write rows in the background while we count.
    script = _generate(client, site_id, voiceover=False)
    count = len(script["sections"])
    before = row_counts(client)
    url = f"/api/v1/video-scripts/{script['id']}/section"
    out_of_range = client.put(f"{url}/{count}", json={"instructions": "x"})
    assert out_of_range.status_code == 422
    assert f"{count} sections" in out_of_range.json["message"]
    assert client.put(f"{url}/-1", json={"instructions": "x"}).status_code == 422
    assert client.put(f"{url}/0", json={}).status_code == 422
    assert client.put(f"{url}/0", json={"instructions": ""}).status_code == 422
    assert client.put(f"{url}/0", json={"instructions": "x" * 2001}).status_code == 422
    mismatch = client.put(f"{url}/0", json={"instructions": "x", "section_index": 1})
    assert mismatch.status_code == 422
    assert "section_index" in mismatch.json["message"]
    assert client.put("/api/v1/video-scripts/999/section/0",
                      json={"instructions": "x"}).status_code == 404
    assert row_counts(client) == before


def test_approval_and_audit_trail(client: FlaskClient, site_id: int) -> None:
    script = _generate(client, site_id)
    url = f"/api/v1/video-scripts/{script['id']}"
    revision = client.put(f"{url}/approve", json={
        "is_approved": "needs_revision", "approved_by": "ana", "approval_notes": "too long"})
    assert revision.status_code == 200
    assert revision.json["is_approved"] == "needs_revision"
    assert revision.json["approved_at"] is None
    approved = client.put(f"{url}/approve", json={"is_approved": "approved", "approved_by": "bo"})
    assert approved.json["is_approved"] == "approved"
    assert approved.json["approved_by"] == "bo"
    assert approved.json["approved_at"] is not None

    trail = client.get(f"{url}/approvals").json
    assert [(a["decision"], a["approved_by"], a["notes"]) for a in trail] == [
        ("needs_revision", "ana", "too long"), ("approved", "bo", None)]
    assert all(a["script_version"] == 1 for a in trail)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"approved_by": "x"}, "is_approved"),
        ({"is_approved": "maybe", "approved_by": "x"}, "is_approved"),
        ({"is_approved": "pending", "approved_by": "x"}, "is_approved"),
        ({"is_approved": "approved"}, "approved_by"),
        ({"is_approved": "approved", "approved_by": ""}, "approved_by"),
        ({"is_approved": "approved", "approved_by": "x" * 256}, "approved_by"),
        ({"is_approved": "approved", "approved_by": 7}, "approved_by"),
    ],
)
def test_bad_approval_is_422_and_writes_nothing(
    client: FlaskClient, site_id: int, body: dict[str, Any], field: str
) -> None:
    # No chained voiceover: its job would write rows in the background while we count.
    script = _generate(client, site_id, voiceover=False)
    before = row_counts(client)
    response = client.put(f"/api/v1/video-scripts/{script['id']}/approve", json=body)
    assert response.status_code == 422
    assert field in response.json["message"]
    assert row_counts(client) == before
    assert client.get(f"/api/v1/video-scripts/{script['id']}").json["is_approved"] == "pending"


def test_list_filters_and_pagination(client: FlaskClient, site_id: int) -> None:
    lead_id = client.get(f"/api/v1/demo-sites/{site_id}").json["lead_id"]
    casual = _generate(client, site_id, style="casual")
    sales = _generate(client, site_id, style="sales")
    client.put(f"/api/v1/video-scripts/{sales['id']}/approve",
               json={"is_approved": "approved", "approved_by": "x"})

    everything = client.get(f"/api/v1/video-scripts?lead_id={lead_id}")
    assert everything.headers["X-Total-Count"] == "2"
    assert [s["id"] for s in everything.json] == [sales["id"], casual["id"]]  # newest first
    page = client.get("/api/v1/video-scripts?limit=1&offset=1").json
    assert [s["id"] for s in page] == [casual["id"]]
    assert [s["id"] for s in client.get("/api/v1/video-scripts?style=casual").json] == [
        casual["id"]]
    approved = client.get("/api/v1/video-scripts?is_approved=approved").json
    assert [s["id"] for s in approved] == [sales["id"]]
    assert client.get(f"/api/v1/video-scripts?demo_site_id={site_id + 1}").json == []

    for query, field in (("limit=0", "limit"), ("limit=101", "limit"), ("offset=-1", "offset"),
                         ("style=loud", "style"), ("is_approved=yes", "is_approved"),
                         ("lead_id=abc", "lead_id")):
        response = client.get(f"/api/v1/video-scripts?{query}")
        assert response.status_code == 422, query
        assert field in response.json["message"]

    demo = client.get(f"/api/v1/video-scripts/demo/{site_id}")
    assert [s["id"] for s in demo.json] == [sales["id"], casual["id"]]
    assert client.get("/api/v1/video-scripts/demo/9999").status_code == 404


def test_soft_delete_hides_and_is_idempotent(client: FlaskClient, site_id: int) -> None:
    script = _generate(client, site_id)
    url = f"/api/v1/video-scripts/{script['id']}"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.get(f"{url}?include_deleted=true").json["is_deleted"] is True
    assert client.get("/api/v1/video-scripts").json == []
    assert len(client.get("/api/v1/video-scripts?include_deleted=true").json) == 1
    assert client.get(f"/api/v1/video-scripts/demo/{site_id}").json == []
    assert client.delete(url).status_code == 204  # documented: deleting again is a no-op
    assert client.put(f"{url}/approve", json={"is_approved": "approved",
                                              "approved_by": "x"}).status_code == 404
    assert client.put(f"{url}/section/0", json={"instructions": "x"}).status_code == 404
    assert client.delete("/api/v1/video-scripts/9999").status_code == 404


def test_hard_delete_keeps_cost_history_and_children(client: FlaskClient, site_id: int) -> None:
    parent = _generate(client, site_id)
    child = _regenerate(client, parent["id"], 0, "Shorter.")
    engine = client.application.extensions["scriptforge"].db_engine

    def ledger() -> tuple[int, object]:
        with engine.connect() as connection:
            row = connection.execute(
                select(func.count(), func.coalesce(func.sum(LLMCall.cost_usd), 0))).one()
        return row[0], row[1]

    before = ledger()
    response = client.delete(f"/api/v1/video-scripts/{parent['id']}?hard_delete=true")
    assert response.status_code == 204
    assert client.get(f"/api/v1/video-scripts/{parent['id']}?include_deleted=true"
                      ).status_code == 404
    orphan = client.get(f"/api/v1/video-scripts/{child['id']}").json
    assert orphan["parent_script_id"] is None
    assert orphan["version"] == 2
    assert ledger() == before
    assert [v["id"] for v in client.get(f"/api/v1/video-scripts/{child['id']}/versions").json
            ] == [child["id"]]


def test_a_hard_deleted_scripts_id_is_never_given_to_a_new_script(
    client: FlaskClient, site_id: int
) -> None:
    # SQLite without AUTOINCREMENT reused the highest deleted id, so an old job's
    # links.result pointed at somebody else's script.
    first = _generate(client, site_id)
    assert client.delete(f"/api/v1/video-scripts/{first['id']}?hard_delete=true").status_code == 204
    second = _generate(client, site_id)
    assert second["id"] > first["id"]


def test_an_offline_regeneration_says_which_instructions_it_could_not_follow(
    client: FlaskClient, site_id: int
) -> None:
    script = _generate(client, site_id, style="sales", max_duration_seconds=120)
    solution = next(i for i, s in enumerate(script["sections"]) if s["scene_type"] == "solution")
    response = client.put(
        f"/api/v1/video-scripts/{script['id']}/section/{solution}",
        json={"instructions": "Lead with the subscription numbers. Add a joke."},
    )
    assert response.status_code == 202, response.json
    done = wait_for_job(client, response.json["id"])
    assert done["status"] == "succeeded", done
    # The subscription numbers could be followed; the joke could not, and the job says so.
    assert [w for w in done["result"]["warnings"] if "Add a joke" in w]
    assert not [w for w in done["result"]["warnings"] if "subscription" in w]
    new = client.get(done["links"]["result"]).json
    first = new["sections"][solution]["content"].split(". ")[0]
    assert "share of orders on subscription jumps from 4 to 15 percent" in first
    assert new["metadata"]["instruction_warnings"] == done["result"]["warnings"]


def test_restore_copies_an_older_version_as_the_newest(client: FlaskClient, site_id: int) -> None:
    v1 = _generate(client, site_id, voiceover=False)
    v2 = _regenerate(client, v1["id"], 1, "Lead with the page-speed numbers.")
    assert v2["sections"][1] != v1["sections"][1]

    restored = client.post(f"/api/v1/video-scripts/{v1['id']}/restore")
    assert restored.status_code == 201, restored.json
    v3 = restored.json
    assert (v3["version"], v3["parent_script_id"]) == (3, v1["id"])
    assert v3["sections"] == v1["sections"]
    assert v3["metadata"]["restored_from"] == {"script_id": v1["id"], "version": 1}
    assert v3["is_approved"] == "pending"
    assert v3["voiceover_status"] == "none"
    assert (v3["ai_cost"], v3["prompt_tokens"], v3["ai_model_used"]) == (
        0, 0, v1["ai_model_used"])  # no call was made; the words are still that model's
    lineage = client.get(f"/api/v1/video-scripts/{v2['id']}/versions").json
    assert [v["version"] for v in lineage] == [1, 2, 3]
    assert client.get(f"/api/v1/video-scripts/{v1['id']}").json["sections"] == v1["sections"]


def test_restore_needs_the_review_scope_and_a_live_script(app: Flask, client: FlaskClient,
                                                          site_id: int) -> None:
    script = _generate(client, site_id, voiceover=False)
    writer = keyed_client(app, scopes=["read", "write"])
    refused = writer.post(f"/api/v1/video-scripts/{script['id']}/restore")
    assert refused.status_code == 403
    assert "'review'" in refused.json["message"]
    assert client.delete(f"/api/v1/video-scripts/{script['id']}").status_code == 204
    assert client.post(f"/api/v1/video-scripts/{script['id']}/restore").status_code == 404
