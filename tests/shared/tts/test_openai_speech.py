"""The OpenAI-compatible speech engine against a real local HTTP server (no client mocks)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from shared.config import Settings
from shared.errors import TTSError, TTSUnavailableError
from shared.script.types import Style
from shared.tts.base import TTSEngine
from shared.tts.openai_speech import (
    MAX_INPUT_CHARS,
    OpenAISpeechEngine,
    speed_for,
    split_text,
)
from shared.tts.storage import AudioStorage
from shared.tts.voiceover import render_voiceover
from shared.tts.wav import is_valid_wav, wav_duration_seconds
from tests.shared.tts.sample_scripts import SPEC_WPM, build_script, planned_seconds
from tests.support.fake_openai import FakeOpenAI

SECRET = "sk-test-very-secret-key-123456"


@pytest.fixture
def speech_engine(fake_llm: FakeOpenAI) -> Iterator[OpenAISpeechEngine]:
    engine = OpenAISpeechEngine(
        api_key=SECRET, base_url=fake_llm.base_url, voice="nova", timeout_seconds=2.0,
        sleep=lambda _seconds: None,
    )
    yield engine
    engine.close()


def _speech_requests(fake: FakeOpenAI) -> list[dict[str, Any]]:
    return [r for r in fake.requests if r["path"].endswith("/audio/speech")]


def _fault(kind: str, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "endpoint": "speech", **extra}


@pytest.mark.parametrize(("style", "wpm"), list(SPEC_WPM.items()))
def test_speaks_each_style_at_its_rate(
    fake_llm: FakeOpenAI, speech_engine: OpenAISpeechEngine, tmp_path: Path,
    style: Style, wpm: int,
) -> None:
    text = build_script(style).sections[1].content
    out = tmp_path / "out.wav"
    speech_engine.synthesize(text, words_per_minute=wpm, out_path=out)

    assert is_valid_wav(out)
    assert wav_duration_seconds(out) == pytest.approx(planned_seconds(text, wpm), rel=0.01)
    (request,) = _speech_requests(fake_llm)
    assert request["body"] == {
        "model": "tts-1", "voice": "nova", "input": text,
        "response_format": "wav", "speed": pytest.approx(wpm / 150),
    }


def test_engine_satisfies_the_protocol(speech_engine: OpenAISpeechEngine) -> None:
    assert isinstance(speech_engine, TTSEngine)
    assert speech_engine.name == "openai"


@pytest.mark.parametrize(("wpm", "speed"), [(150, 1.0), (165, 1.1), (10, 0.25), (900, 4.0)])
def test_speed_is_rate_over_150_clamped_to_the_api_range(wpm: int, speed: float) -> None:
    assert speed_for(wpm) == pytest.approx(speed)


def test_transient_failures_are_retried_until_success(
    fake_llm: FakeOpenAI, speech_engine: OpenAISpeechEngine, tmp_path: Path
) -> None:
    fake_llm.push_faults(_fault("500"), _fault("drop"))
    out = tmp_path / "out.wav"
    speech_engine.synthesize("Hello there, Dana.", words_per_minute=150, out_path=out)
    assert is_valid_wav(out)
    assert [r["fault"] for r in _speech_requests(fake_llm)] == ["500", "drop", "ok"]


def test_retry_after_is_honoured_but_capped(fake_llm: FakeOpenAI, tmp_path: Path) -> None:
    sleeps: list[float] = []
    fake_llm.push_faults(_fault("429", retry_after=2), _fault("503", retry_after=600))
    with OpenAISpeechEngine(
        api_key=SECRET, base_url=fake_llm.base_url, backoff_max_seconds=8.0,
        sleep=sleeps.append,
    ) as engine:
        engine.synthesize("Hello.", words_per_minute=150, out_path=tmp_path / "out.wav")
    assert sleeps == [2.0, 8.0]
    assert [r["fault"] for r in _speech_requests(fake_llm)] == ["429", "503", "ok"]


def test_a_timed_out_request_is_retried(fake_llm: FakeOpenAI, tmp_path: Path) -> None:
    fake_llm.configure(timeout_sleep=3.0)
    fake_llm.push_faults(_fault("timeout"))
    with OpenAISpeechEngine(
        api_key=SECRET, base_url=fake_llm.base_url, timeout_seconds=0.5,
        sleep=lambda _seconds: None,
    ) as engine:
        engine.synthesize("Hello.", words_per_minute=150, out_path=tmp_path / "out.wav")
    assert [r["fault"] for r in _speech_requests(fake_llm)] == ["timeout", "ok"]


def test_persistent_failure_gives_up_after_the_attempt_budget(
    fake_llm: FakeOpenAI, speech_engine: OpenAISpeechEngine, tmp_path: Path
) -> None:
    fake_llm.push_faults(*[_fault("503", retry_after=0)] * 5)
    out = tmp_path / "out.wav"
    with pytest.raises(TTSError, match="kept failing after 3 attempts") as caught:
        speech_engine.synthesize("Hello.", words_per_minute=150, out_path=out)
    assert not isinstance(caught.value, TTSUnavailableError)
    # Exactly our three attempts: the openai client's own retries are off.
    assert len(_speech_requests(fake_llm)) == 3
    assert not out.exists()


def test_rejected_key_is_not_retried_and_not_leaked(
    fake_llm: FakeOpenAI, speech_engine: OpenAISpeechEngine, tmp_path: Path
) -> None:
    fake_llm.push_faults(_fault("401"))  # the fake echoes the key in its error body
    with pytest.raises(TTSUnavailableError, match="TTS_API_KEY") as caught:
        speech_engine.synthesize("Hello.", words_per_minute=150, out_path=tmp_path / "o.wav")
    assert SECRET not in str(caught.value)
    assert SECRET[:12] not in str(caught.value)
    assert len(_speech_requests(fake_llm)) == 1


def test_bad_request_is_not_retried(
    fake_llm: FakeOpenAI, speech_engine: OpenAISpeechEngine, tmp_path: Path
) -> None:
    fake_llm.push_faults(_fault("400"))
    with pytest.raises(TTSError, match=r"HTTP 400.*not a valid model"):
        speech_engine.synthesize("Hello.", words_per_minute=150, out_path=tmp_path / "o.wav")
    assert len(_speech_requests(fake_llm)) == 1


@pytest.fixture
def html_server() -> Iterator[str]:
    """A server answering 200 with an HTML page: a base URL pointing at the wrong thing
    (a login proxy, a docs site) must fail clearly, not store a web page as audio."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b"<html><body>Please sign in</body></html>" * 3
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet test output."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_non_wav_answer_is_an_error(html_server: str, tmp_path: Path) -> None:
    out = tmp_path / "o.wav"
    out.write_bytes(b"")  # the caller's temporary file
    with (
        OpenAISpeechEngine(api_key=SECRET, base_url=html_server) as engine,
        pytest.raises(TTSError, match=r"did not return usable WAV.*<html>"),
    ):
        engine.synthesize("Hello.", words_per_minute=150, out_path=out)
    assert not out.exists()


def test_sections_longer_than_one_request_are_split_and_joined(
    fake_llm: FakeOpenAI, speech_engine: OpenAISpeechEngine, tmp_path: Path
) -> None:
    sentence = "Every change ships behind a feature flag so you can roll it out gradually. "
    text = sentence * 70  # about 5,200 characters, over the 4,096 limit of one request
    out = tmp_path / "out.wav"
    speech_engine.synthesize(text, words_per_minute=150, out_path=out)

    requests = _speech_requests(fake_llm)
    assert len(requests) == 2
    assert all(len(r["body"]["input"]) <= MAX_INPUT_CHARS for r in requests)
    assert all(r["body"]["input"].endswith(".") for r in requests)  # cut at sentence ends
    assert " ".join(r["body"]["input"] for r in requests) == " ".join(text.split())
    assert wav_duration_seconds(out) == pytest.approx(planned_seconds(text, 150), rel=0.01)


def test_split_text_handles_text_without_sentence_breaks() -> None:
    pieces = split_text("word " * 2000, limit=100)
    assert all(len(piece) <= 100 for piece in pieces)
    assert " ".join(pieces).split() == ["word"] * 2000
    assert split_text("x" * 250, limit=100) == ["x" * 100, "x" * 100, "x" * 50]
    assert split_text("   ") == []


def test_renders_a_whole_voiceover(
    speech_engine: OpenAISpeechEngine, tmp_path: Path
) -> None:
    storage = AudioStorage(tmp_path / "audio")
    script = build_script(Style.PROFESSIONAL)
    render = render_voiceover(
        script, engine=speech_engine, storage=storage, script_id=1, voiceover_id=2
    )
    assert (render.engine, render.voice) == ("openai", "nova")
    assert all(is_valid_wav(section.path) for section in render.sections)
    assert abs(render.timing_error_pct) < 5  # the fake speaks exactly at the asked rate
    assert render.full_track_seconds == pytest.approx(
        render.total_measured_seconds + 3 * 0.5, abs=0.01
    )


# --- configuration ----------------------------------------------------------------------


def test_no_key_names_tts_api_key(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(voiceover_engine="openai")
    with pytest.raises(TTSUnavailableError) as caught:
        OpenAISpeechEngine.from_settings(settings)
    assert "TTS_API_KEY" in str(caught.value)
    assert "VOICEOVER_ENGINE=espeak-ng" in str(caught.value)


def test_tts_settings_win(make_settings: Callable[..., Settings], fake_llm: FakeOpenAI) -> None:
    settings = make_settings(
        voiceover_engine="openai", tts_api_key="tts-key", tts_base_url=fake_llm.base_url,
        tts_model="gpt-4o-mini-tts", voiceover_voice="shimmer",
        llm_api_key="llm-key", llm_base_url="https://llm.example/v1",
    )
    with OpenAISpeechEngine.from_settings(settings) as engine:
        assert engine._client.api_key == "tts-key"
        assert engine.base_url == fake_llm.base_url
        assert (engine.model, engine.voice) == ("gpt-4o-mini-tts", "shimmer")


def test_llm_key_and_url_are_the_fallback(
    make_settings: Callable[..., Settings], fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    settings = make_settings(
        voiceover_engine="openai", llm_api_key="llm-key", llm_base_url=fake_llm.base_url
    )
    with OpenAISpeechEngine.from_settings(settings) as engine:
        assert engine._client.api_key == "llm-key"
        assert engine.voice == "alloy"  # VOICEOVER_VOICE's default is an espeak-ng name
        engine.synthesize("Hello.", words_per_minute=150, out_path=tmp_path / "o.wav")
    assert is_valid_wav(tmp_path / "o.wav")


def test_llm_key_is_never_sent_to_another_host(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        voiceover_engine="openai", llm_api_key="llm-key",
        tts_base_url="https://speech.example/v1",
    )
    with pytest.raises(TTSUnavailableError, match="TTS_API_KEY"):
        OpenAISpeechEngine.from_settings(settings)
