"""Voiceover chained off generation, served over HTTP, with real engines (§7)."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared.config import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.services import require_binary
from tests.web.helpers import create_lead_and_site, keyed_client, wait_for_job


@pytest.fixture
def make_client(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., FlaskClient]]:
    from web.app import create_app

    apps: list[Flask] = []

    def build(**overrides: Any) -> FlaskClient:
        app = create_app(make_settings(**overrides))
        apps.append(app)
        return keyed_client(app)

    yield build
    for app in apps:
        app.extensions["scriptforge.worker"].shutdown(wait=True)
        app.extensions["scriptforge"].db_engine.dispose()


def _generate(client: FlaskClient, **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Generate a script and wait for its chained voiceover job; returns (script, job)."""
    _, site_id = create_lead_and_site(client)
    job = client.post("/api/v1/video-scripts/generate",
                      json={"demo_site_id": site_id, **options}).json
    done = wait_for_job(client, job["id"])
    assert done["status"] == "succeeded", done
    voiceover_jobs = client.get("/api/v1/jobs?kind=voiceover").json
    voiceover_job = wait_for_job(client, voiceover_jobs[0]["id"], timeout=120)
    script = client.get(done["links"]["result"]).json
    return script, voiceover_job


def _fetch(client: FlaskClient, url: str) -> tuple[int, str, dict[str, str], bytes]:
    """GET a file response and close it (send_file streams from an open file)."""
    response = client.get(url)
    try:
        return response.status_code, response.mimetype or "", dict(response.headers), \
            response.get_data()
    finally:
        response.close()


def _wav_seconds(payload: bytes) -> float:
    with wave.open(io.BytesIO(payload)) as audio:
        assert audio.getnframes() > 0
        return audio.getnframes() / audio.getframerate()


@pytest.mark.parametrize("style", ["professional", "casual", "technical", "sales"])
def test_espeak_voiceover_matches_the_plan(
    make_client: Callable[..., FlaskClient], style: str, tmp_path: Path
) -> None:
    require_binary("espeak-ng")
    client = make_client()
    script, voiceover_job = _generate(client, style=style, max_duration_seconds=60)
    assert voiceover_job["status"] == "succeeded", voiceover_job
    assert client.get(f"/api/v1/video-scripts/{script['id']}").json["voiceover_status"] == "ready"

    manifest = client.get(f"/api/v1/video-scripts/{script['id']}/voiceover").json
    assert manifest["status"] == "ready"
    assert manifest["engine"] == "espeak-ng"
    assert manifest["total_planned_seconds"] == script["total_duration_seconds"]
    assert len(manifest["sections"]) == len(script["sections"])
    for entry, section in zip(manifest["sections"], script["sections"], strict=True):
        assert entry["planned_seconds"] == section["duration_seconds"]
        assert entry["measured_seconds"] == pytest.approx(entry["planned_seconds"], rel=0.20)
        status, mimetype, headers, data = _fetch(client, entry["audio_url"])
        assert status == 200
        assert mimetype == "audio/wav"
        assert int(headers["Content-Length"]) == len(data)
        assert _wav_seconds(data) == pytest.approx(entry["measured_seconds"], abs=0.01)
    _, mimetype, _, full = _fetch(client, manifest["audio_url"])
    assert mimetype == "audio/wav"
    assert _wav_seconds(full) >= manifest["total_measured_seconds"]
    assert abs(manifest["timing_error_pct"]) <= 20


def test_voiceover_false_chains_nothing(make_client: Callable[..., FlaskClient]) -> None:
    client = make_client()
    _, site_id = create_lead_and_site(client)
    job = client.post("/api/v1/video-scripts/generate",
                      json={"demo_site_id": site_id, "voiceover": False}).json
    script_id = wait_for_job(client, job["id"])["result"]["script_id"]
    assert client.get("/api/v1/jobs?kind=voiceover").json == []
    assert client.get(f"/api/v1/video-scripts/{script_id}").json["voiceover_status"] == "none"
    missing = client.get(f"/api/v1/video-scripts/{script_id}/voiceover")
    assert missing.status_code == 404


def test_missing_engine_fails_only_the_voiceover(make_client: Callable[..., FlaskClient]) -> None:
    client = make_client(voiceover_engine="openai")  # and no TTS or LLM key configured
    script, voiceover_job = _generate(client)
    assert voiceover_job["status"] == "failed"
    assert voiceover_job["error"]["type"] == "tts_unavailable"
    assert "TTS_API_KEY" in voiceover_job["error"]["message"]
    assert script["voiceover_status"] == "failed"
    generation = client.get("/api/v1/jobs?kind=generate_script").json[0]
    assert generation["status"] == "succeeded"
    manifest = client.get(f"/api/v1/video-scripts/{script['id']}/voiceover").json
    assert manifest["status"] == "failed"
    assert "TTS_API_KEY" in manifest["error"]


def test_openai_speech_engine_and_revoicing(
    make_client: Callable[..., FlaskClient], fake_llm: FakeOpenAI
) -> None:
    client = make_client(voiceover_engine="openai", tts_base_url=fake_llm.base_url,
                         tts_api_key="tts-test-key", voiceover_voice="nova")
    script, voiceover_job = _generate(client, style="casual", max_duration_seconds=45)
    assert voiceover_job["status"] == "succeeded", voiceover_job
    first = client.get(f"/api/v1/video-scripts/{script['id']}/voiceover").json
    assert first["engine"] == "openai"
    assert first["voice"] == "nova"
    speech_calls = [r for r in fake_llm.requests if r["path"].endswith("/audio/speech")]
    assert len(speech_calls) == len(script["sections"])

    again = client.post(f"/api/v1/video-scripts/{script['id']}/voiceover")
    assert again.status_code == 202
    assert again.headers["Location"] == f"/api/v1/jobs/{again.json['id']}"
    assert wait_for_job(client, again.json["id"])["status"] == "succeeded"
    latest = client.get(f"/api/v1/video-scripts/{script['id']}/voiceover").json
    assert latest["id"] != first["id"]
    status, _, headers, _ = _fetch(client, f"/api/v1/voiceovers/{first['id']}/audio")
    assert status == 200
    # A contact's voice is personal data: no cache may keep it (send_file said public).
    assert headers["Cache-Control"] == "no-store"
    assert "Expires" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert _fetch(client, f"/api/v1/voiceovers/{latest['id']}/audio/99")[0] == 404
    assert client.post("/api/v1/video-scripts/9999/voiceover").status_code == 404


def test_hard_delete_removes_audio(
    make_client: Callable[..., FlaskClient], make_settings: Callable[..., Settings]
) -> None:
    require_binary("espeak-ng")
    client = make_client()
    script, _ = _generate(client, max_duration_seconds=30)
    manifest = client.get(f"/api/v1/video-scripts/{script['id']}/voiceover").json
    folder = make_settings().storage_dir / str(script["id"])
    assert any(folder.rglob("*.wav"))
    assert client.delete(f"/api/v1/video-scripts/{script['id']}?hard_delete=true"
                         ).status_code == 204
    assert not folder.exists()
    assert _fetch(client, manifest["audio_url"])[0] == 404


@pytest.mark.parametrize(("scale", "timing_ok"), [(1.0, True), (2.0, False), (0.5, False)])
def test_a_voiceover_that_misses_the_plan_says_so(
    make_client: Callable[..., FlaskClient], fake_llm: FakeOpenAI, scale: float,
    timing_ok: bool,
) -> None:
    """Issue 9: audio 2x as long (or half as long) as planned is not a quiet "ready"."""
    fake_llm.configure(speech_time_scale=scale)
    client = make_client(voiceover_engine="openai", tts_base_url=fake_llm.base_url,
                         tts_api_key="tts-test-key")
    script, voiceover_job = _generate(client, style="professional", max_duration_seconds=60)
    assert voiceover_job["status"] == "succeeded", voiceover_job
    manifest = client.get(f"/api/v1/video-scripts/{script['id']}/voiceover").json
    assert manifest["status"] == "ready"  # the audio exists; its timing is reported
    assert manifest["timing_ok"] is timing_ok
    assert voiceover_job["result"]["timing_ok"] is timing_ok
    if timing_ok:
        assert abs(manifest["timing_error_pct"]) <= 10
        assert manifest["timing_offenders"] == []
        assert "warnings" not in voiceover_job["result"]
        return
    # The script itself is within 15 % per section, so the total is about (scale - 1).
    assert manifest["timing_error_pct"] == pytest.approx((scale - 1) * 100, abs=0.2 * 100 * scale)
    offenders = manifest["timing_offenders"]
    assert [o["index"] for o in offenders] == list(range(len(script["sections"])))
    for offender, section in zip(offenders, script["sections"], strict=True):
        assert offender["planned_seconds"] == section["duration_seconds"]
        assert offender["measured_seconds"] == pytest.approx(
            section["duration_seconds"] * scale, rel=0.25)
    (warning,) = voiceover_job["result"]["warnings"]
    assert ("longer" if scale > 1 else "shorter") in warning
    assert f"{script['total_duration_seconds']}s" in warning
    assert "Sections off by more than 15%: 0 (" in warning


def test_a_queued_voiceover_has_no_verdict_yet(
    make_client: Callable[..., FlaskClient], fake_llm: FakeOpenAI
) -> None:
    fake_llm.push_faults({"kind": "401", "endpoint": "speech"})
    client = make_client(voiceover_engine="openai", tts_base_url=fake_llm.base_url,
                         tts_api_key="tts-test-key")
    script, voiceover_job = _generate(client, max_duration_seconds=30)
    assert voiceover_job["status"] == "failed"
    manifest = client.get(f"/api/v1/video-scripts/{script['id']}/voiceover").json
    assert manifest["timing_ok"] is None
    assert manifest["timing_offenders"] == []


@pytest.mark.espeak
def test_espeak_voiceover_of_a_fitted_script_keeps_time(
    make_client: Callable[..., FlaskClient]
) -> None:
    require_binary("espeak-ng")
    client = make_client()
    script, voiceover_job = _generate(client, style="sales", max_duration_seconds=90)
    manifest = client.get(f"/api/v1/video-scripts/{script['id']}/voiceover").json
    assert manifest["timing_ok"] is True, manifest
    assert voiceover_job["result"]["timing_ok"] is True
