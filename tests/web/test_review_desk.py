"""The review desk over HTTP (§14): sessions, CSRF, scopes, tenants, and the review loop.

The browser test (test_review_browser.py) walks the same pages in Chromium; these tests
check every rule at the HTTP level, where each one is cheap to assert exhaustively.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.keys import issue_key
from tests.web.helpers import create_lead_and_site, keyed_client, wait_for_job
from tests.web.review_helpers import csrf_token, post_form, sign_in, text
from web.pagination import Page


def _generate(api: FlaskClient, site_id: int, **options: Any) -> dict[str, Any]:
    job = api.post("/api/v1/video-scripts/generate",
                   json={"demo_site_id": site_id, **options}).json
    done = wait_for_job(api, job["id"])
    assert done["status"] == "succeeded", done
    return api.get(f"/api/v1/video-scripts/{done['result']['script_id']}").json


def _factory(app: Flask) -> Any:
    return app.extensions["scriptforge"].session_factory


def _desk(app: Flask, tenant: str = "default", scopes: tuple[str, ...] = (
        "read", "write", "review")) -> FlaskClient:
    """A browser-like client signed in with a new key of ``tenant``."""
    browser = app.test_client()
    answer = sign_in(browser, issue_key(_factory(app), tenant, scopes))
    assert answer.status_code == 303, text(answer)
    return browser


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    return keyed_client(app)


@pytest.fixture
def script(api: FlaskClient) -> dict[str, Any]:
    _, site_id = create_lead_and_site(api)
    return _generate(api, site_id, voiceover=False)


def test_sign_in_keeps_only_the_key_id_in_a_strict_cookie(app: Flask) -> None:
    browser = app.test_client()
    key = issue_key(_factory(app))
    answer = sign_in(browser, key)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/review/"
    cookie = next(c for c in answer.headers.getlist("Set-Cookie")
                  if c.startswith("scriptforge_review="))
    assert {"HttpOnly", "SameSite=Lax", "Path=/review"} <= {p.strip() for p in cookie.split(";")}
    assert "Secure" not in cookie  # embedded, over http://127.0.0.1 (production: Secure)
    assert key not in cookie
    assert key[3:20] not in cookie
    page = browser.get("/review/")
    assert page.status_code == 200
    assert "key " + key[:11] in text(page)


def test_production_cookies_are_secure(make_settings: Any) -> None:
    from web.app import create_app

    settings = make_settings(session_cookie_secure=True)
    assert create_app(settings).config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(("key", "status", "says"), [
    ("sf_" + "0" * 43, 401, "unknown API key"),
    ("not-a-key", 401, "not a scriptforge API key"),
])
def test_a_bad_key_does_not_sign_in(anonymous_client: FlaskClient, key: str, status: int,
                                    says: str) -> None:
    answer = sign_in(anonymous_client, key)
    assert answer.status_code == status
    assert says in text(answer)
    assert anonymous_client.get("/review/").status_code == 303


def test_a_key_without_read_cannot_sign_in_and_says_why(app: Flask) -> None:
    browser = app.test_client()
    answer = sign_in(browser, issue_key(_factory(app), scopes=["write"]))
    assert answer.status_code == 403
    assert "lacks the 'read' scope" in text(answer)


def test_pages_need_a_session(anonymous_client: FlaskClient, script: dict[str, Any]) -> None:
    page = anonymous_client.get(f"/review/scripts/{script['id']}")
    assert page.status_code == 303
    assert page.headers["Location"] == f"/review/login?next=/review/scripts/{script['id']}"
    polled = anonymous_client.get(f"/review/scripts/{script['id']}/voiceover-status",
                                  headers={"Accept": "application/json"})
    assert polled.status_code == 401
    # Public: the sign-in page and the static files.
    assert anonymous_client.get("/review/login").status_code == 200
    asset = anonymous_client.get("/review/static/review/review.css")
    assert asset.status_code == 200
    assert asset.headers["Cache-Control"] == "no-cache"
    asset.close()


def test_sign_in_sends_you_back_only_to_the_desk(anonymous_client: FlaskClient,
                                                 app: Flask) -> None:
    key = issue_key(_factory(app))
    for target, lands in (("/review/?style=sales", "/review/?style=sales"),
                          ("https://evil.example/review/", "/review/"),
                          ("//evil.example/review/", "/review/"), ("/api/v1/leads", "/review/")):
        token = csrf_token(anonymous_client.get("/review/login"))
        answer = anonymous_client.post("/review/login", data={
            "key": key, "next": target, "csrf_token": token})
        assert answer.headers["Location"] == lands, target


def test_a_revoked_key_ends_the_session(app: Flask, api: FlaskClient) -> None:
    browser = app.test_client()
    key = issue_key(_factory(app), scopes=["read"], name="revoke-me")
    sign_in(browser, key)
    assert browser.get("/review/").status_code == 200
    key_id = next(k["id"] for k in api.get("/api/v1/api-keys").json if k["name"] == "revoke-me")
    assert api.delete(f"/api/v1/api-keys/{key_id}").status_code == 200
    assert browser.get("/review/").status_code == 303


def test_a_form_without_its_csrf_token_is_refused(app: Flask, api: FlaskClient,
                                                  script: dict[str, Any]) -> None:
    browser = _desk(app)
    for fields in ({}, {"csrf_token": "forged"}):
        answer = browser.post(f"/review/scripts/{script['id']}/decision", data={
            "is_approved": "approved", "approved_by": "mallory", **fields})
        assert answer.status_code == 400
        assert "CSRF" in text(answer)
    assert api.get(f"/api/v1/video-scripts/{script['id']}/approvals").json == []
    assert app.test_client().post("/review/login", data={"key": "x"}).status_code == 400
    # The JSON API authenticates by header and never asks for a CSRF token.
    approved = api.put(f"/api/v1/video-scripts/{script['id']}/approve",
                       json={"is_approved": "approved", "approved_by": "api"})
    assert approved.status_code == 200


def test_api_paths_still_need_a_bearer_key_with_a_review_session(app: Flask) -> None:
    browser = _desk(app)
    assert browser.get("/api/v1/video-scripts").status_code == 401


# Form fields that would make each post succeed for the owner (so a 404 is the tenant check).
FORM_FIELDS: dict[str, dict[str, str]] = {
    "review.decide": {"is_approved": "approved", "approved_by": "b"},
    "review.regenerate": {"instructions": "Take over."},
}


def test_another_tenants_ids_are_404_pages_on_every_desk_route(app: Flask,
                                                               api: FlaskClient) -> None:
    """Walks the URL map, like tests/web/test_tenant_isolation.py does for the API, so a
    new desk route with an id cannot skip the tenant check unnoticed."""
    _, site_id = create_lead_and_site(api)
    script = _generate(api, site_id)  # voiced, so its audio exists
    job = api.get("/api/v1/jobs?kind=voiceover").json[0]
    assert wait_for_job(api, job["id"])["status"] == "succeeded"
    voiceover = api.get(f"/api/v1/video-scripts/{script['id']}/voiceover").json
    ids = {"script_id": script["id"], "voiceover_id": voiceover["id"], "job_id": job["id"],
           "section_index": 0}
    other = _desk(app, tenant="tenant-b")
    walked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/review/") or not rule.arguments \
                or rule.endpoint == "review.static":
            continue
        assert set(rule.arguments) <= set(ids), f"map {rule.rule}'s ids to tenant A's objects"
        url = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method == "GET":
                query = f"?other={script['id']}" if rule.endpoint == "review.compare" else ""
                answer = other.get(url + query)
            else:
                answer = post_form(other, "/review/", url, **FORM_FIELDS.get(rule.endpoint, {}))
            assert answer.status_code == 404, (method, url, answer.status_code)
            assert "Not found" in text(answer) or answer.is_json, url
            answer.close()
            walked += 1
    assert walked >= 13
    mine = api.get(f"/api/v1/video-scripts/{script['id']}").json
    assert (mine["is_approved"], mine["is_deleted"]) == ("pending", False)
    assert len(api.get(f"/api/v1/video-scripts/{script['id']}/versions").json) == 1
    assert "data-testid=\"script-row\"" not in text(other.get("/review/"))


def test_each_action_needs_its_scope_and_the_page_says_so(app: Flask,
                                                         script: dict[str, Any]) -> None:
    reader = _desk(app, scopes=("read",))
    page = text(reader.get(f"/review/scripts/{script['id']}"))
    assert "lacks the 'write' scope" in page
    assert "lacks the 'review' scope" in page
    assert 'data-testid="approve"' not in page
    assert 'data-testid="regenerate-0"' not in page
    sid = script["id"]
    for action, fields, scope in (
            (f"/review/scripts/{sid}/decision",
             {"is_approved": "approved", "approved_by": "r"}, "review"),
            (f"/review/scripts/{sid}/restore", {}, "review"),
            (f"/review/scripts/{sid}/delete", {}, "review"),
            (f"/review/scripts/{sid}/voiceover", {}, "write"),
            (f"/review/scripts/{sid}/sections/0/regenerate", {"instructions": "x"}, "write")):
        answer = post_form(reader, "/review/", action, **fields)
        assert answer.status_code == 403, action
        assert f"lacks the '{scope}' scope" in text(answer), action


def test_the_review_loop_without_javascript(app: Flask, api: FlaskClient,
                                            script: dict[str, Any]) -> None:
    browser = _desk(app)
    sid = script["id"]
    page_url = f"/review/scripts/{sid}"
    page = text(browser.get(page_url))
    for index in range(len(script["sections"])):
        assert f'data-testid="regenerate-{index}"' in page
    started = post_form(browser, page_url, f"{page_url}/sections/1/regenerate",
                        instructions="Lead with the loyalty card.")
    assert started.status_code == 303
    job_url = started.headers["Location"]
    job_id = job_url.rsplit("/", 1)[1]
    assert wait_for_job(api, job_id)["status"] == "succeeded"
    opened = browser.get(job_url)
    assert opened.status_code == 303
    new_url = opened.headers["Location"]
    new_id = int(new_url.rsplit("/", 1)[1])
    assert api.get(f"/api/v1/video-scripts/{new_id}").json["version"] == 2

    compared = browser.get(f"/review/scripts/{new_id}/compare?other={sid}")
    diff = text(compared)
    assert 'data-testid="version-diff"' in diff
    assert diff.count('data-changed="true"') == 1
    assert 'data-section="1" data-changed="true"' in diff

    decided = post_form(browser, new_url, f"{new_url}/decision", is_approved="approved",
                        approved_by="Maya", approval_notes="Good opening.")
    assert decided.status_code == 303
    trail = api.get(f"/api/v1/video-scripts/{new_id}/approvals").json
    assert [(t["decision"], t["approved_by"], t["notes"]) for t in trail] == [
        ("approved", "Maya", "Good opening.")]
    assert "Maya" in text(browser.get(new_url))

    restored = post_form(browser, page_url, f"{page_url}/restore")
    assert restored.status_code == 303
    copy = api.get(f"/api/v1/video-scripts/{restored.headers['Location'].rsplit('/', 1)[1]}").json
    assert (copy["version"], copy["sections"]) == (3, script["sections"])

    assert browser.get(f"{page_url}/delete").status_code == 200
    deleted = post_form(browser, f"{page_url}/delete", f"{page_url}/delete")
    assert deleted.headers["Location"] == "/review/"
    assert api.get(f"/api/v1/video-scripts/{sid}").status_code == 404


def test_bad_form_input_is_a_422_naming_the_field(app: Flask, script: dict[str, Any]) -> None:
    browser = _desk(app)
    sid = script["id"]
    for action, fields, field in (
            (f"/review/scripts/{sid}/sections/0/regenerate", {"instructions": "  "},
             "instructions"),
            (f"/review/scripts/{sid}/sections/99/regenerate", {"instructions": "Shorter."},
             "section_index"),
            (f"/review/scripts/{sid}/decision", {"is_approved": "maybe", "approved_by": "r"},
             "is_approved"),
            (f"/review/scripts/{sid}/decision", {"is_approved": "approved", "approved_by": ""},
             "approved_by")):
        answer = post_form(browser, "/review/", action, **fields)
        assert answer.status_code == 422, (action, fields)
        assert field in text(answer)
    assert browser.get("/review/?style=poetic").status_code == 422
    assert browser.get("/review/?stauts=approved").status_code == 422


def test_the_list_filters_and_shows_badges(app: Flask, api: FlaskClient) -> None:
    _, site_a = create_lead_and_site(api, company_name="Alpha Roasters")
    lead_b, site_b = create_lead_and_site(api, company_name="Beta Bakery")
    sales = _generate(api, site_a, style="sales", voiceover=False)
    casual = _generate(api, site_b, style="casual", voiceover=False)
    api.put(f"/api/v1/video-scripts/{casual['id']}/approve",
            json={"is_approved": "rejected", "approved_by": "r"})
    browser = _desk(app)

    def listed(query: str = "") -> list[int]:
        html = text(browser.get(f"/review/{query}"))
        return [int(part.split('"', 1)[0]) for part in html.split('data-script-id="')[1:]]

    assert listed() == [casual["id"], sales["id"]]  # newest first
    assert listed("?style=sales") == [sales["id"]]
    assert listed("?status=rejected") == [casual["id"]]
    assert listed(f"?lead_id={lead_b}&style=&status=") == [casual["id"]]
    page = text(browser.get("/review/"))
    assert "Alpha Roasters" in page
    assert "Rejected" in page
    assert "No voiceover" in page


def test_page_numbers() -> None:
    page = Page(number=2, size=20).with_total(41)
    assert (page.offset, page.pages, page.has_previous, page.has_next) == (20, 3, True, True)
    assert Page(number=1, size=20).with_total(0).pages == 1


def test_audio_plays_through_the_session(app: Flask, api: FlaskClient) -> None:
    _, site_id = create_lead_and_site(api)
    script = _generate(api, site_id)
    job = api.get("/api/v1/jobs?kind=voiceover").json[0]
    assert wait_for_job(api, job["id"])["status"] == "succeeded"
    browser = _desk(app)
    page = text(browser.get(f"/review/scripts/{script['id']}"))
    voiceover = api.get(f"/api/v1/video-scripts/{script['id']}/voiceover").json
    full = f"/review/audio/{voiceover['id']}"
    assert f'src="{full}"' in page
    assert f'src="{full}/0"' in page
    for url in (full, f"{full}/0"):
        answer = browser.get(url)
        assert answer.status_code == 200
        assert answer.mimetype == "audio/wav"
        assert answer.get_data()[:4] == b"RIFF"
        assert answer.headers["Cache-Control"] == "no-store"
        answer.close()
    ranged = browser.get(full, headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206
    ranged.close()
    assert app.test_client().get(full).status_code == 303  # no session, no audio


def test_review_pages_send_page_headers(app: Flask) -> None:
    page = _desk(app).get("/review/")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'; script-src")
    assert "form-action 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("signed_in", [True, False])
def test_a_desk_url_that_matches_no_route_is_a_desk_page(app: Flask, signed_in: bool) -> None:
    browser = _desk(app) if signed_in else app.test_client()
    missing = browser.get("/review/no-such-page")
    assert missing.status_code == 404
    assert missing.mimetype == "text/html"
    assert 'data-testid="error-page"' in text(missing)
    assert "form-action 'self'" in missing.headers["Content-Security-Policy"]  # its CSS loads
    wrong_method = browser.delete("/review/login")
    assert wrong_method.status_code == 405
    assert 'data-status="405"' in text(wrong_method)
    # The API keeps its JSON answers.
    api_missing = browser.get("/api/v1/no-such-route")
    assert api_missing.status_code in {401, 404}
    assert api_missing.is_json
    unrouted = app.test_client().get("/nowhere")
    assert unrouted.is_json
