"""Hostile input is a 4xx naming the problem and writes nothing, on SQLite and Postgres
(§6, §10). Each case here once answered 500 (or a misleading 400, or silently 200)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate as validate_openapi

from tests.web.helpers import SAMPLE, create_lead_and_site, keyed_client, row_counts

TOO_BIG = 2**63  # one past the id columns' range (BIGINT / SQLite INTEGER)


@pytest.fixture
def api(app_on_each_database: Flask) -> FlaskClient:
    return keyed_client(app_on_each_database)


def _refused(response: Any, status: int, *names: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert body["code"] == status
    for name in names:
        assert name in body["message"], body


@pytest.mark.parametrize("path", [
    f"/api/v1/leads/{TOO_BIG}", f"/api/v1/demo-sites/{TOO_BIG}",
    f"/api/v1/video-scripts/{TOO_BIG}", f"/api/v1/video-scripts/{TOO_BIG}/versions",
    f"/api/v1/video-scripts/{TOO_BIG}/approvals", f"/api/v1/video-scripts/{TOO_BIG}/voiceover",
    f"/api/v1/video-scripts/demo/{TOO_BIG}", f"/api/v1/batches/{TOO_BIG}",
    f"/api/v1/voiceovers/{TOO_BIG}/audio", f"/api/v1/voiceovers/1/audio/{TOO_BIG}",
    "/api/v1/leads/0",
])
def test_ids_past_the_column_range_in_paths_are_404(api: FlaskClient, path: str) -> None:
    _refused(api.get(path), 404)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("delete", f"/api/v1/video-scripts/{TOO_BIG}", None),
    ("put", f"/api/v1/video-scripts/{TOO_BIG}/approve",
     {"is_approved": "approved", "approved_by": "r"}),
    ("put", f"/api/v1/video-scripts/{TOO_BIG}/section/0", {"instructions": "x"}),
    ("put", f"/api/v1/video-scripts/1/section/{TOO_BIG}", {"instructions": "x"}),
    ("post", f"/api/v1/video-scripts/{TOO_BIG}/voiceover", None),
])
def test_ids_past_the_column_range_in_writes_are_404_and_write_nothing(
    api: FlaskClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    before = row_counts(api)
    _refused(getattr(api, method)(path, json=body), 404)
    assert row_counts(api) == before


@pytest.mark.parametrize(("query", "field"), [
    (f"/api/v1/leads?offset={TOO_BIG}", "offset"),
    (f"/api/v1/jobs?offset={TOO_BIG}", "offset"),
    (f"/api/v1/demo-sites?lead_id={TOO_BIG}", "lead_id"),
    (f"/api/v1/video-scripts?lead_id={TOO_BIG}", "lead_id"),
    (f"/api/v1/video-scripts?demo_site_id={TOO_BIG}", "demo_site_id"),
    (f"/api/v1/video-scripts?offset={TOO_BIG}", "offset"),
    (f"/api/v1/video-scripts?limit={TOO_BIG}", "limit"),
])
def test_integers_past_the_column_range_in_queries_are_422(
    api: FlaskClient, query: str, field: str
) -> None:
    _refused(api.get(query), 422, field)


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/demo-sites", {"lead_id": TOO_BIG, **SAMPLE["demo_site"]}, "lead_id"),
    ("/api/v1/video-scripts/generate", {"demo_site_id": TOO_BIG}, "demo_site_id"),
    ("/api/v1/video-scripts/generate", {"demo_site_id": 1, "lead_id": TOO_BIG}, "lead_id"),
    ("/api/v1/video-scripts/generate", {"demo_site_id": 1, "max_duration_seconds": TOO_BIG},
     "max_duration_seconds"),
])
def test_integers_past_the_column_range_in_bodies_are_422_and_write_nothing(
    api: FlaskClient, path: str, body: dict[str, Any], field: str
) -> None:
    create_lead_and_site(api)
    before = row_counts(api)
    _refused(api.post(path, json=body), 422, field)
    assert row_counts(api) == before


def test_a_section_index_past_int32_in_a_body_is_422(api: FlaskClient) -> None:
    response = api.put("/api/v1/video-scripts/1/section/0",
                       json={"instructions": "x", "section_index": TOO_BIG})
    _refused(response, 422, "section_index")


def _nested(depth: int) -> Any:
    node: Any = "leaf"
    for _ in range(depth):
        node = {"n": node}
    return node


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/leads", "[" * 1000 + "]" * 1000),
    ("/api/v1/leads", '{"company_name": ' + "[" * 1000 + "]" * 1000 + "}"),
    ("/api/v1/leads", json.dumps({"company_name": _nested(900)})),
    ("/api/v1/demo-sites", json.dumps({"lead_id": 1, "url": "https://a.example",
                                       "improvement_plan": _nested(50)})),
    ("/api/v1/video-scripts/generate", '{"a": ' * 100_000),
])
def test_json_nested_too_deep_is_400_naming_the_problem(
    api: FlaskClient, path: str, body: str
) -> None:
    before = row_counts(api)
    _refused(api.post(path, data=body, content_type="application/json"), 400, "Nested deeper")
    assert row_counts(api) == before


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/leads", {"company_name": "Caf\ud800"}, "company_name"),
    ("/api/v1/leads", {"company_name": "ok", "industry": "\udfff"}, "industry"),
    ("/api/v1/demo-sites", {"lead_id": 1, "url": "https://a.example", "improvement_plan": {
        "improvements": [{"title": "t", "metrics": {"\ud800": "x"}}]}}, "improvement_plan"),
    ("/api/v1/video-scripts/generate", {"demo_site_id": 1, "custom_instructions": "\ud800"},
     "custom_instructions"),
    ("/api/v1/video-scripts/1/approve",
     {"is_approved": "approved", "approved_by": "\udc00"}, "approved_by"),
])
def test_a_lone_surrogate_in_any_string_is_422_naming_the_field(
    api: FlaskClient, path: str, body: dict[str, Any], field: str
) -> None:
    create_lead_and_site(api)
    before = row_counts(api)
    raw = json.dumps(body)  # ensure_ascii: the surrogate travels as the JSON escape \ud800
    method = api.put if path.endswith("approve") else api.post
    response = method(path, data=raw, content_type="application/json")
    _refused(response, 422, field, "surrogate")
    assert row_counts(api) == before


def test_undecodable_bytes_are_400(api: FlaskClient) -> None:
    response = api.post("/api/v1/leads", data=b'{"company_name": "\xff\xfe"}',
                        content_type="application/json")
    _refused(response, 400, "JSON")


# Raw JSON so a number is sent exactly as written (-0.001 and the .9901 one would round
# into the column's range at two places; the range applies before rounding).
@pytest.mark.parametrize("value", ["1e13", "1000000000000000", '"12"', "true", "1e400",
                                   "-0.01", "-0.001", "999999999999.9901"])
def test_lead_values_outside_the_column_or_not_numbers_are_422(
    api: FlaskClient, value: str
) -> None:
    before = row_counts(api)
    body = '{"company_name": "Big", "value": ' + value + "}"
    _refused(api.post("/api/v1/leads", data=body, content_type="application/json"), 422, "value")
    assert row_counts(api) == before


def test_the_largest_lead_value_the_column_holds_is_stored(api: FlaskClient) -> None:
    created = api.post("/api/v1/leads", json={"company_name": "Big", "value": 999999999999.99})
    assert created.status_code == 201, created.json
    assert created.json["value"] == 999999999999.99


def test_a_chunked_body_over_the_cap_is_413_and_under_it_is_accepted(
    api: FlaskClient, app_on_each_database: Flask
) -> None:
    cap = app_on_each_database.config["MAX_CONTENT_LENGTH"]
    chunked = {"headers": {"Transfer-Encoding": "chunked"},
               # What gunicorn sets for a chunked request (it de-chunks and terminates).
               "environ_overrides": {"wsgi.input_terminated": True}}
    big = json.dumps({"company_name": "x" * cap}).encode()
    before = row_counts(api)
    response = api.post("/api/v1/leads", input_stream=io.BytesIO(big),
                        content_type="application/json", **chunked)
    _refused(response, 413)
    assert row_counts(api) == before
    small = json.dumps({"company_name": "Chunked"}).encode()
    response = api.post("/api/v1/leads", input_stream=io.BytesIO(small),
                        content_type="application/json", **chunked)
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(("query", "names"), [
    ("/api/v1/leads?limt=5", ["limt"]),
    ("/api/v1/jobs?stauts=failed", ["stauts"]),
    ("/api/v1/demo-sites?lead=1", ["lead"]),
    ("/api/v1/video-scripts?lead_idd=1&styel=sales", ["lead_idd", "styel"]),
    ("/api/v1/video-scripts/1?include_deleeted=true", ["include_deleeted"]),
    ("/api/v1/video-scripts?include_deleted=yes", ["include_deleted"]),
    ("/api/v1/leads/1?include_deleted=true", ["include_deleted"]),
    ("/api/v1/video-scripts/1/approvals?limit=1", ["limit"]),
])
def test_unknown_or_malformed_query_parameters_are_422_naming_them(
    api: FlaskClient, query: str, names: list[str]
) -> None:
    _refused(api.get(query), 422, *names)


def test_a_mistyped_delete_flag_deletes_nothing(api: FlaskClient) -> None:
    before = row_counts(api)
    _refused(api.delete("/api/v1/video-scripts/1?hard_delte=true"), 422, "hard_delte")
    assert row_counts(api) == before


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/leads", {"company_name": "   "}, "company_name"),
    ("/api/v1/leads", {"company_name": "\u3000\t"}, "company_name"),
    ("/api/v1/leads", {"company_name": "Ok", "website_url": ""}, "website_url"),
    ("/api/v1/leads", {"company_name": "Ok", "website_url": "harbor.example"}, "website_url"),
    ("/api/v1/leads", {"company_name": "Ok", "website_url": "https://a.example/\n"},
     "website_url"),
    ("/api/v1/leads", {"company_name": "x" * 201}, "company_name"),
    ("/api/v1/demo-sites", {"lead_id": 1, "url": "", "improvement_plan": {}}, "url"),
    ("/api/v1/demo-sites", {"lead_id": 1, "url": "https://a.example",
                            "improvement_plan": {"improvements": [{"title": " \n "}]}},
     "improvement_plan.improvements.0.title"),
    ("/api/v1/video-scripts/1/approve", {"is_approved": "approved", "approved_by": "  "},
     "approved_by"),
    ("/api/v1/video-scripts/1/section/0", {"instructions": "   "}, "instructions"),
    ("/api/v1/video-scripts/generate", {"demo_site_id": 1, "include_cta": 1}, "include_cta"),
])
def test_blank_or_malformed_text_is_refused_at_the_edge(
    api: FlaskClient, path: str, body: dict[str, Any], field: str
) -> None:
    create_lead_and_site(api)
    before = row_counts(api)
    method = api.put if "/video-scripts/1/" in path else api.post
    _refused(method(path, json=body), 422, field)
    assert row_counts(api) == before


@pytest.mark.parametrize("key", ["nul\x00key", "caf\xe9", "tab\tkey"])
def test_an_unstorable_idempotency_key_is_422(api: FlaskClient, key: str) -> None:
    create_lead_and_site(api)
    before = row_counts(api)
    response = api.post("/api/v1/video-scripts/generate", json={"demo_site_id": 1},
                        headers={"Idempotency-Key": key})
    _refused(response, 422, "Idempotency-Key")
    assert row_counts(api) == before


def test_the_openapi_document_is_valid_openapi_3(api: FlaskClient) -> None:
    document = api.get("/api/openapi.json").json
    validate_openapi(document)  # raises, naming the offending path, when invalid
    value = document["components"]["schemas"]["LeadCreate"]["properties"]["value"]
    assert value["minimum"] == 0
    assert value["maximum"] == 999999999999.99
