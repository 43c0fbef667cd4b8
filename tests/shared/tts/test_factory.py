from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from shared.config import Settings
from shared.errors import TTSUnavailableError
from shared.tts.espeak import EspeakEngine
from shared.tts.factory import build_tts_engine
from shared.tts.openai_speech import OpenAISpeechEngine


@pytest.mark.espeak
@pytest.mark.usefixtures("espeak_binary")
def test_espeak_is_the_default(make_settings: Callable[..., Settings]) -> None:
    engine = build_tts_engine(make_settings(voiceover_voice="en-gb"))
    assert isinstance(engine, EspeakEngine)
    assert (engine.name, engine.voice) == ("espeak-ng", "en-gb")


def test_missing_espeak_fails_with_the_install_hint(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing installed
    with pytest.raises(TTSUnavailableError, match="apt-get install espeak-ng"):
        build_tts_engine(make_settings())


def test_openai_engine_when_configured(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        voiceover_engine="openai", tts_api_key="key", tts_base_url="http://127.0.0.1:9/v1"
    )
    engine = build_tts_engine(settings)
    assert isinstance(engine, OpenAISpeechEngine)
    assert engine.name == "openai"
    engine.close()


def test_openai_engine_without_key_names_the_variable(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(TTSUnavailableError, match="TTS_API_KEY"):
        build_tts_engine(make_settings(voiceover_engine="openai"))
