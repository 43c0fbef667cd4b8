from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.web.helpers import SAMPLE, create_lead_and_site, row_counts


def test_create_read_and_list_leads(client: FlaskClient) -> None:
    created = client.post("/api/v1/leads", json=SAMPLE["lead"])
    assert created.status_code == 201
    assert created.json["company_name"] == SAMPLE["lead"]["company_name"]
    assert created.json["value"] == SAMPLE["lead"]["value"]

    read = client.get(f"/api/v1/leads/{created.json['id']}")
    assert read.status_code == 200
    assert read.json == created.json

    client.post("/api/v1/leads", json={"company_name": "Second"})
    listed = client.get("/api/v1/leads?limit=1")
    assert listed.status_code == 200
    assert listed.headers["X-Total-Count"] == "2"
    assert [lead["company_name"] for lead in listed.json] == ["Second"]


def test_demo_site_round_trip(client: FlaskClient) -> None:
    lead_id, site_id = create_lead_and_site(client)
    create_lead_and_site(client, company_name="Other")
    listed = client.get(f"/api/v1/demo-sites?lead_id={lead_id}")
    assert listed.headers["X-Total-Count"] == "1"
    assert [s["id"] for s in listed.json] == [site_id]
    assert client.get("/api/v1/demo-sites").headers["X-Total-Count"] == "2"
    assert client.get("/api/v1/demo-sites?lead_id=x").status_code == 422
    site = client.get(f"/api/v1/demo-sites/{site_id}")
    assert site.status_code == 200
    plan = site.json["improvement_plan"]
    assert plan["improvements"][0]["title"] == "Subscription toggle on every product page"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "company_name"),
        ({"company_name": ""}, "company_name"),
        ({"company_name": "x" * 201}, "company_name"),
        ({"company_name": 12}, "company_name"),
        ({"company_name": "A", "value": -1}, "value"),
        ({"company_name": "A", "value": "lots"}, "value"),
        ({"company_name": "A", "contact_email": "not-an-email"}, "contact_email"),
        ({"company_name": "A", "website_url": "ftp://x.example"}, "website_url"),
        ({"company_name": "A\x00B"}, "company_name"),
        ({"company_name": "A", "surprise": 1}, "surprise"),
    ],
)
def test_bad_lead_is_422_naming_the_field_and_writes_nothing(
    client: FlaskClient, body: dict[str, object], field: str
) -> None:
    before = row_counts(client)
    response = client.post("/api/v1/leads", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert field in response.json["message"]
    assert row_counts(client) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": None}, "url"),
        ({"improvement_plan": {"improvements": [{"description": "no title"}]}}, "improvement_plan"),
        ({"improvement_plan": {"improvements": [{"title": "t", "impact": "huge"}]}},
         "improvement_plan"),
        ({"improvement_plan": {"improvements": [{"title": "t"}] * 51}}, "improvement_plan"),
        ({"improvement_plan": {"overall_strategy": "x" * 2001}}, "improvement_plan"),
        ({"lead_id": "1"}, "lead_id"),
    ],
)
def test_bad_demo_site_is_422(client: FlaskClient, change: dict[str, object], field: str) -> None:
    lead_id, _ = create_lead_and_site(client)
    before = row_counts(client)
    body = {"lead_id": lead_id, **SAMPLE["demo_site"], **change}
    response = client.post("/api/v1/demo-sites", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert row_counts(client) == before


def test_demo_site_for_unknown_lead_is_404(client: FlaskClient) -> None:
    response = client.post("/api/v1/demo-sites", json={"lead_id": 999, **SAMPLE["demo_site"]})
    assert response.status_code == 404
    assert "lead 999" in response.json["message"]


def test_empty_improvement_list_is_valid(client: FlaskClient) -> None:
    lead = client.post("/api/v1/leads", json={"company_name": "Empty Plan Co"}).json
    response = client.post("/api/v1/demo-sites", json={
        "lead_id": lead["id"], "url": "https://empty.example", "improvement_plan": {},
    })
    assert response.status_code == 201
    assert response.json["improvement_plan"]["improvements"] == []


def test_unknown_ids_are_404(client: FlaskClient) -> None:
    assert client.get("/api/v1/leads/12345").status_code == 404
    assert client.get("/api/v1/demo-sites/12345").status_code == 404
    assert client.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/api/v1/video-scripts/12345").status_code == 404


def test_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/api/v1/leads")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_non_json_and_oversized_bodies(client: FlaskClient) -> None:
    before = row_counts(client)
    garbled = client.post("/api/v1/leads", data="{not json", content_type="application/json")
    assert 400 <= garbled.status_code < 500
    assert garbled.json["message"]
    big = client.post("/api/v1/leads", json={"company_name": "A", "industry": "x" * (1 << 20)})
    assert big.status_code == 413
    assert row_counts(client) == before


def test_list_pagination_bounds(client: FlaskClient) -> None:
    for query, field in (("limit=0", "limit"), ("limit=101", "limit"), ("offset=-1", "offset")):
        response = client.get(f"/api/v1/leads?{query}")
        assert response.status_code == 422
        assert field in response.json["message"]
