"""Screenshots of the review desk for README (not a test): docs/review-desk-*.png.

Builds the embedded app in a temporary directory (SQLite, in-process worker, offline
engine, espeak-ng voiceover), fills it through the API with a few leads and scripts (one
section rewritten, one script approved), serves it over real HTTP and photographs the
pages in headless Chromium (Debian's chromium and chromium-driver):

    .venv/bin/python tools/review_screenshots.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask.testing import FlaskClient  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from shared.config import load_settings  # noqa: E402
from shared.db.tenancy import tenant_context  # noqa: E402
from tests.support.browser import LAPTOP, PHONE, chromium, serve  # noqa: E402
from tests.support.keys import DEFAULT_TENANT_ID, issue_key  # noqa: E402
from tests.web.helpers import keyed_client, wait_for_job  # noqa: E402
from web.app import create_app  # noqa: E402

SAMPLE = json.loads((ROOT / "samples" / "harbor-coffee.json").read_text())
COMPANIES = [("Harbor Coffee Co.", "sales"), ("Northwind Bikes", "professional"),
             ("Lumen Dental", "casual"), ("Atlas Freight", "technical")]
MAX_HEIGHT = 1800  # the top of a long page says enough


def _script(api: FlaskClient, company: str, style: str) -> int:
    lead = api.post("/api/v1/leads", json={**SAMPLE["lead"], "company_name": company}).json
    site = api.post("/api/v1/demo-sites", json={"lead_id": lead["id"], **SAMPLE["demo_site"]})
    job = api.post("/api/v1/video-scripts/generate",
                   json={"demo_site_id": site.json["id"], "style": style,
                         "max_duration_seconds": 60}).json
    script_id: int = wait_for_job(api, job["id"])["result"]["script_id"]
    return script_id


def _settle(api: FlaskClient) -> None:
    for job in api.get("/api/v1/jobs?limit=100").json:
        wait_for_job(api, job["id"], timeout=120)


def _seed(api: FlaskClient) -> dict[str, Any]:
    ids = [_script(api, company, style) for company, style in COMPANIES]
    rewrite = api.put(f"/api/v1/video-scripts/{ids[0]}/section/1",
                      json={"instructions": "Open with the loyalty card numbers."}).json
    rewritten: int = wait_for_job(api, rewrite["id"])["result"]["script_id"]
    api.put(f"/api/v1/video-scripts/{ids[1]}/approve",
            json={"is_approved": "approved", "approved_by": "maya@example.com",
                  "approval_notes": "Ready to record."})
    api.put(f"/api/v1/video-scripts/{ids[2]}/approve",
            json={"is_approved": "needs_revision", "approved_by": "maya@example.com",
                  "approval_notes": "Warmer opening, please."})
    _settle(api)
    return {"rewritten": rewritten, "original": ids[0]}


def _shoot(driver: Any, url: str, ready: str, out: Path, width: int) -> None:
    driver.set_window_size(width, 900)
    driver.get(url)
    WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, ready)))
    # Headless, the window is all page: make it as tall as the page (up to a limit).
    height = min(MAX_HEIGHT, driver.execute_script(
        "return document.documentElement.scrollHeight"))
    driver.set_window_size(width, height)
    driver.save_screenshot(str(out))
    print(f"wrote {out.relative_to(ROOT)} ({width}x{height})")


def main() -> None:
    docs = ROOT / "docs"
    with tempfile.TemporaryDirectory() as tmp, tenant_context(DEFAULT_TENANT_ID):
        settings = load_settings(var_dir=Path(tmp) / "var", storage_dir=Path(tmp) / "audio",
                                 log_level="WARNING")
        app = create_app(settings)
        seeded = _seed(keyed_client(app))
        key = issue_key(app.extensions["scriptforge"].session_factory,
                        scopes=["read", "write", "review"], name="screenshots")
        with serve(app) as base, chromium(LAPTOP) as driver:
            driver.get(f"{base}/review/login")
            field = driver.find_element(By.CSS_SELECTOR, '[data-testid="login-key"]')
            field.send_keys(key)
            field.submit()
            WebDriverWait(driver, 30).until(ec.url_to_be(f"{base}/review/"))
            _shoot(driver, f"{base}/review/", '[data-testid="script-row"]',
                   docs / "review-desk-list.png", LAPTOP[0])
            script_url = f"{base}/review/scripts/{seeded['rewritten']}"
            _shoot(driver, script_url, '[data-testid="full-track"]',
                   docs / "review-desk-script.png", LAPTOP[0])
            _shoot(driver, f"{script_url}/compare?other={seeded['original']}",
                   '[data-testid="version-diff"]', docs / "review-desk-compare.png", LAPTOP[0])
            _shoot(driver, script_url, '[data-testid="regenerate-0"]',
                   docs / "review-desk-phone.png", PHONE[0])
        app.extensions["scriptforge.worker"].shutdown(wait=True)


if __name__ == "__main__":
    main()
