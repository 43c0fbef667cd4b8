"""One-command demo: start the service, submit a real job over HTTP, poll it, print the script.

    python -m web.demo [--sample samples/harbor-coffee.json] [--style sales] [--port 0]

With no DATABASE_URL / REDIS_URL / LLM key in the environment this is the embedded mode of
§2.1: SQLite under ./var, an in-process worker, and the offline script engine. It creates
tenant ``demo`` and an API key for itself (§11) and prints the key with a curl line, so a
newcomer can carry on by hand while the service runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from flask import Flask

from shared.db.session import session_scope
from shared.db.tenancy import ALL_TENANTS
from shared.repositories.api_keys import SCOPES, create_key
from shared.repositories.tenants import get_or_create_tenant
from web.app import create_app
from web.devserver import make_dev_server

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=SAMPLES / "harbor-coffee.json")
    parser.add_argument("--style", default="professional",
                        choices=["professional", "casual", "technical", "sales"])
    parser.add_argument("--duration", type=int, default=90)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--stay", action="store_true",
                        help="keep serving afterwards (the review desk at /review/) until Ctrl+C")
    args = parser.parse_args(argv)

    sample = json.loads(args.sample.read_text())
    app = create_app()
    # Keep the demo's output readable: no line per poll (werkzeug's or the app's access log).
    for chatty in ("werkzeug", "web.access"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    server = make_dev_server("127.0.0.1", args.port, app)
    base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    key = _demo_key(app)
    print(f"service up at {base} (API docs: {base}/api/docs)")
    print(f"API key of tenant 'demo' (shown once): {key}")
    print(f"  try: curl -H 'Authorization: Bearer {key}' {base}/api/v1/leads")
    print(f"  or sign in with it at the review desk: {base}/review/ (keep it up with --stay)")
    storage_dir = app.extensions["scriptforge"].settings.storage_dir
    try:
        status = _drive(base, key, sample, args, storage_dir)
        if args.stay:
            print(f"\nreview desk: {base}/review/ (Ctrl+C stops the service)")
            threading.Event().wait()
        return status
    except KeyboardInterrupt:
        return 0
    finally:
        server.shutdown()


def _demo_key(app: Flask) -> str:
    """A new key of tenant ``demo`` (created if missing) with every scope (§11)."""
    with session_scope(app.extensions["scriptforge"].session_factory, ALL_TENANTS) as session:
        tenant = get_or_create_tenant(session, "demo")
        return create_key(session, tenant, scopes=SCOPES, name="demo").token


def _drive(base: str, key: str, sample: dict[str, Any], args: argparse.Namespace, storage_dir: Path
           ) -> int:
    lead = _call(key, "POST", f"{base}/api/v1/leads", sample["lead"])
    print(f"lead {lead['id']}: {lead['company_name']} (deal value ${lead['value']:,.0f})")
    site = _call(key, "POST", f"{base}/api/v1/demo-sites",
                 {"lead_id": lead["id"], **sample["demo_site"]})
    improvements = site["improvement_plan"].get("improvements", [])
    print(f"demo site {site['id']}: {site['url']} with {len(improvements)} improvements")

    job = _call(key, "POST", f"{base}/api/v1/video-scripts/generate", {
        "demo_site_id": site["id"], "style": args.style, "max_duration_seconds": args.duration,
    })
    print(f"job {job['id']} accepted (202); polling {job['links']['self']}")
    job = _poll(base, key, job, args.timeout)
    if job["status"] != "succeeded":
        print(f"job {job['status']}: {job['error']}", file=sys.stderr)
        return 1
    script = _call(key, "GET", f"{base}{job['links']['result']}")
    _print_script(script)
    _report_voiceover(base, key, script["id"], storage_dir, args.timeout)
    return 0


def _report_voiceover(base: str, key: str, script_id: int, storage_dir: Path,
                      timeout: float) -> None:
    """Wait for the voiceover chained off the script and compare its length with the plan."""
    voiceover_jobs = [job for job in _call(key, "GET", f"{base}/api/v1/jobs?kind=voiceover")
                      if job["params"].get("script_id") == script_id]
    if not voiceover_jobs:
        return
    print("\nvoiceover (chained off the script):")
    job = _poll(base, key, voiceover_jobs[0], timeout)
    if job["status"] != "succeeded":
        print(f"voiceover failed: {job['error']['message']}")
        return
    manifest = _call(key, "GET", f"{base}/api/v1/video-scripts/{script_id}/voiceover")
    for section in manifest["sections"]:
        print(f"  section {section['index']}: planned {section['planned_seconds']:.0f}s, "
              f"measured {section['measured_seconds']:.1f}s")
    full = storage_dir / str(script_id) / str(manifest["id"]) / "full.wav"
    print(f"full track: {full.resolve()} (also {base}{manifest['audio_url']})")
    print(f"measured {manifest['total_measured_seconds']:.1f}s against "
          f"{manifest['total_planned_seconds']:.0f}s planned "
          f"({manifest['timing_error_pct']:+.1f}%), engine {manifest['engine']}")


def _poll(base: str, key: str, job: dict[str, Any], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last = None
    while job["status"] in {"queued", "running"}:
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job['id']} still {job['status']} after {timeout:.0f}s")
        state = (job["status"], job["progress"])
        if state != last:
            bar = "#" * (job["progress"] // 5)
            print(f"  [{bar:<20}] {job['progress']:3d}% {job['status']}")
            last = state
        time.sleep(0.2)
        job = _call(key, "GET", f"{base}{job['links']['self']}")
    print(f"  [{'#' * 20}] 100% {job['status']} after {job['attempts']} attempt(s)")
    return job


def _print_script(script: dict[str, Any]) -> None:
    print()
    print(f"=== script {script['id']} v{script['version']} · {script['script_style']} · "
          f"{script['total_duration_seconds']}s of {script['max_duration_seconds']}s ===")
    print(f"audience: {script['target_audience']}")
    for index, section in enumerate(script["sections"]):
        print(f"\n[{index}] {section['title']} ({section['scene_type']}, "
              f"{section['duration_seconds']}s)")
        print(f"    {section['content']}")
        if section["visual_cues"]:
            print(f"    on screen: {'; '.join(section['visual_cues'])}")
    print()
    print(f"model: {script['ai_model_used']} (tier {script['ai_tier'] or 'n/a'}), "
          f"fallback: {script['fallback_used']}")
    print(f"cost: ${script['ai_cost']:.6f} for {script['prompt_tokens']} prompt + "
          f"{script['completion_tokens']} completion tokens, "
          f"{script['generation_time_seconds']:.2f}s to generate")
    warnings = script["validation_warnings"]
    print(f"timing warnings: {warnings if warnings else 'none'}")


def _call(key: str, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,  # noqa: S310 - http only
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")
        raise SystemExit(f"{method} {url} -> {error.code}: {detail}") from None


if __name__ == "__main__":
    raise SystemExit(main())
