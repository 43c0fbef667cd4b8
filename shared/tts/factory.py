"""Pick the voiceover engine the configuration asks for (§7, §9)."""

from __future__ import annotations

from typing import assert_never

from shared.config import Settings, VoiceoverEngineName
from shared.tts.base import TTSEngine
from shared.tts.espeak import EspeakEngine
from shared.tts.openai_speech import OpenAISpeechEngine


def build_tts_engine(settings: Settings) -> TTSEngine:
    """The configured engine, or :class:`TTSUnavailableError` saying what is missing.

    Called when a voiceover job starts rather than at process start: a missing engine
    must fail that voiceover with an actionable message, never the script or the worker.
    """
    engine = settings.voiceover_engine
    if engine is VoiceoverEngineName.ESPEAK:
        return EspeakEngine(voice=settings.voiceover_voice)
    if engine is VoiceoverEngineName.OPENAI:
        return OpenAISpeechEngine.from_settings(settings)
    assert_never(engine)
