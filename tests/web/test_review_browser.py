"""The review desk in real headless Chromium (§14): a reviewer who has never seen the API
signs in with a key and takes a script from generated to approved, with one section
rewritten and listened to, without leaving the browser.

The app runs embedded (SQLite, in-process worker, offline engine, espeak-ng voiceover) on a
real HTTP server thread. Every wait is a WebDriverWait on a condition, never a sleep.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import PHONE, chromium, serve
from tests.support.keys import issue_key
from tests.support.services import require_binary
from tests.web.helpers import create_lead_and_site, keyed_client, wait_for_job

WAIT_SECONDS = 60  # the longest step voices a new version with espeak-ng
RECORD_FETCHES = """
const original = window.fetch;
window.fetch = (url, options) => {
  const seen = JSON.parse(sessionStorage.getItem("fetched") || "[]");
  seen.push(String(url));
  sessionStorage.setItem("fetched", JSON.stringify(seen));
  return original(url, options);
};"""


def _voiced_script(api: FlaskClient) -> int:
    _, site_id = create_lead_and_site(api)
    job = api.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id}).json
    script_id: int = wait_for_job(api, job["id"])["result"]["script_id"]
    for voiceover in api.get("/api/v1/jobs?kind=voiceover").json:
        assert wait_for_job(api, voiceover["id"], timeout=WAIT_SECONDS)["status"] == "succeeded"
    return script_id


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


def _wait(driver: webdriver.Chrome) -> WebDriverWait[webdriver.Chrome]:
    return WebDriverWait(driver, WAIT_SECONDS)


def _testid(driver: webdriver.Chrome, name: str) -> WebElement:
    element: WebElement = _wait(driver).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f'[data-testid="{name}"]')))
    return element


def _fetch(driver: webdriver.Chrome, url: str, method: str = "GET") -> dict[str, Any]:
    """Status and content type of ``url`` fetched by the page (its session cookie goes too)."""
    result: dict[str, Any] = driver.execute_async_script(
        """const [url, method, done] = arguments;
        fetch(url, {method, credentials: "same-origin"})
          .then((r) => done({status: r.status, type: r.headers.get("Content-Type")}))
          .catch((e) => done({status: 0, type: String(e)}));""", url, method)
    return result


def _sign_in(driver: webdriver.Chrome, base_url: str, key: str) -> None:
    driver.get(f"{base_url}/review/")
    field = _testid(driver, "login-key")
    label = driver.find_element(By.CSS_SELECTOR, f'label[for="{field.get_attribute("id")}"]')
    assert label.text == "API key"
    field.send_keys(key, Keys.ENTER)  # from the keyboard
    _testid(driver, "script-row")


def test_a_reviewer_takes_a_script_from_generated_to_approved(
    app: Flask, browser: webdriver.Chrome, base_url: str,
) -> None:
    require_binary("espeak-ng")  # the embedded voiceover engine, for the listening step
    script_id = _voiced_script(keyed_client(app))
    stranger_script = _voiced_script(keyed_client(app, tenant="tenant-b"))
    key = issue_key(app.extensions["scriptforge"].session_factory,
                    scopes=["read", "write", "review"])

    _sign_in(browser, base_url, key)
    row = browser.find_element(By.CSS_SELECTOR,
                               f'[data-testid="script-row"][data-script-id="{script_id}"]')
    row.find_element(By.TAG_NAME, "a").click()
    _wait(browser).until(ec.url_to_be(f"{base_url}/review/scripts/{script_id}"))

    # Rewrite section 1 with an instruction; the job's progress shows, the new version opens.
    # The page's requests are recorded where they outlive the page (sessionStorage), to
    # prove the progress came from polling, not from reloading or a job page.
    browser.execute_script(RECORD_FETCHES)
    form = _testid(browser, "regenerate-1")
    form.find_element(By.TAG_NAME, "textarea").send_keys("Lead with the loyalty card numbers.")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(browser).until(lambda d: d.current_url.rstrip("0123456789").endswith("/scripts/")
                         and d.current_url != f"{base_url}/review/scripts/{script_id}")
    new_url = browser.current_url
    assert "version 2" in browser.find_element(By.TAG_NAME, "h1").text
    fetched = json.loads(browser.execute_script("return sessionStorage.getItem('fetched')"))
    assert fetched[0].endswith(f"/review/scripts/{script_id}/sections/1/regenerate")
    assert any(url.endswith("/status") for url in fetched[1:]), fetched

    # Listen: the new version's voiceover is made, the page shows its players by itself.
    track = _testid(browser, "full-track")
    section_track = _testid(browser, "section-audio-1")
    for player in (track, section_track):
        fetched = _fetch(browser, player.get_attribute("src") or "")
        assert fetched == {"status": 200, "type": "audio/wav"}, fetched
    _wait(browser).until(lambda d: d.execute_script(
        "return arguments[0].readyState >= 1 && arguments[0].duration > 0", track))

    # Compare the versions: exactly the rewritten section is highlighted.
    _testid(browser, "compare").click()
    diff = _testid(browser, "version-diff")
    changed = diff.find_elements(By.CSS_SELECTOR, '.diff-row[data-changed="true"]')
    assert [row.get_attribute("data-section") for row in changed] == ["1"]
    assert changed[0].find_elements(By.TAG_NAME, "ins")
    browser.get(new_url)

    # Approve with a note; the decision joins the trail.
    browser.find_element(By.ID, "approved_by").send_keys("Maya Reviewer")
    browser.find_element(By.ID, "approval_notes").send_keys("Strong opening.")
    _testid(browser, "approve").click()
    trail = _testid(browser, "approval-trail")
    assert "Approved" in trail.text
    assert "Maya Reviewer" in trail.text
    assert "Strong opening." in trail.text

    # Another tenant's script typed into the URL is a 404 page.
    stranger = f"{base_url}/review/scripts/{stranger_script}"
    browser.get(stranger)
    assert _testid(browser, "error-page").get_attribute("data-status") == "404"
    assert _fetch(browser, stranger)["status"] == 404

    # A form posted without its CSRF token is refused.
    browser.get(new_url)
    browser.execute_script(
        "document.querySelectorAll('form.decision input[name=csrf_token]')"
        ".forEach((field) => field.remove())")
    _testid(browser, "approve").click()
    refused = _testid(browser, "error-page")
    assert refused.get_attribute("data-status") == "400"
    assert "CSRF" in refused.text

    # Sign out: the pages ask for a key again.
    _testid(browser, "sign-out").click()
    _testid(browser, "login-key")
    browser.get(f"{base_url}/review/scripts/{script_id}")
    _testid(browser, "login-key")


def test_the_script_page_fits_a_phone(app: Flask, base_url: str) -> None:
    api = keyed_client(app)
    _, site_id = create_lead_and_site(api)
    job = api.post("/api/v1/video-scripts/generate",
                   json={"demo_site_id": site_id, "voiceover": False}).json
    script_id = wait_for_job(api, job["id"])["result"]["script_id"]
    key = issue_key(app.extensions["scriptforge"].session_factory)
    with chromium(PHONE) as phone:
        _sign_in(phone, base_url, key)
        for path in ("/review/", f"/review/scripts/{script_id}"):
            phone.get(base_url + path)
            _testid(phone, "regenerate-0" if "scripts" in path else "script-row")
            overflow = phone.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (path, overflow)
