"""The production voiceover engine: any OpenAI-compatible ``/audio/speech`` server (§7).

The client is built with ``max_retries=0`` and a modest timeout so that tenacity here is
the only retry layer: the ``openai`` client's own retries stacked under ours would multiply
attempts and blow the voiceover task's time budget. Only transient failures (timeouts,
dropped connections, 408/409/429/5xx) are retried; a rejected key or an unknown model
fails the same way however often it is asked.

Speaking rate: OpenAI's voices are taken to speak about 150 words per minute at
``speed=1.0``, with speed scaling the rate linearly, so ``speed = wpm / 150`` asks for the
style's rate. That figure is an estimate, not measured against the real service here (the
test server models it exactly); the manifest's measured seconds show any difference, and
unlike espeak-ng nothing is re-synthesized to fit, because every request costs money.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

import openai
import tenacity

from shared.config import Settings, VoiceoverEngineName
from shared.errors import TTSError, TTSUnavailableError, WavFormatError
from shared.tts.wav import WavFormat, decode_wav_bytes, write_wav

ENGINE_NAME = VoiceoverEngineName.OPENAI.value
DEFAULT_VOICE = "alloy"
REFERENCE_WPM = 150
MIN_SPEED, MAX_SPEED = 0.25, 4.0
MAX_INPUT_CHARS = 4096  # the API's limit per request; longer sections are split
TRANSIENT_STATUSES = frozenset({408, 409, 429})
MAX_ERROR_CHARS = 300

NO_KEY_MESSAGE = (
    "VOICEOVER_ENGINE=openai needs an API key: set TTS_API_KEY (and TTS_BASE_URL for a "
    "speech server other than the LLM provider), or set VOICEOVER_ENGINE=espeak-ng to use "
    "the local engine"
)


def speed_for(words_per_minute: int) -> float:
    return min(MAX_SPEED, max(MIN_SPEED, words_per_minute / REFERENCE_WPM))


def split_text(text: str, limit: int = MAX_INPUT_CHARS) -> list[str]:
    """Cut ``text`` into pieces under ``limit`` characters, preferring sentence ends.

    A section may hold up to 5,000 characters (§3.3) while one request takes 4,096, so
    long sections are spoken piecewise and joined without a pause.
    """
    words = " ".join(text.split())
    pieces: list[str] = []
    while len(words) > limit:
        window = words[: limit + 1]
        cut = max(window.rfind(". "), window.rfind("! "), window.rfind("? "))
        if cut > 0:
            cut += 1  # keep the punctuation with its sentence
        else:
            cut = window.rfind(" ")
            if cut <= 0:
                cut = limit  # one enormous "word": cut it, the API would refuse it anyway
        pieces.append(words[:cut].strip())
        words = words[cut:].strip()
    if words:
        pieces.append(words)
    return pieces


def _same_origin(first: str, second: str) -> bool:
    a, b = urlsplit(first), urlsplit(second)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())


class _TransientError(Exception):
    """Marks a failure worth retrying; only tenacity sees it, it never leaves the module."""

    def __init__(self, error: openai.OpenAIError, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class OpenAISpeechEngine:
    """Synthesizes WAV through ``client.audio.speech.create`` with bounded retries."""

    name = ENGINE_NAME

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        model: str = "tts-1",
        voice: str = DEFAULT_VOICE,
        timeout_seconds: float = 60.0,
        max_attempts: int = 3,
        backoff_initial_seconds: float = 0.5,
        backoff_max_seconds: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise TTSUnavailableError(NO_KEY_MESSAGE)
        self.voice = voice
        self.model = model
        self.base_url = base_url
        self._api_key = api_key
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._backoff = tenacity.wait_exponential_jitter(
            multiplier=backoff_initial_seconds,
            max=backoff_max_seconds,
            jitter=backoff_initial_seconds,
        )
        self._backoff_max = backoff_max_seconds
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_seconds
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """Build from ``TTS_*`` settings, falling back to the LLM provider's.

        The LLM key is only reused against the LLM provider's own host: sending it to a
        different ``TTS_BASE_URL`` would hand one provider's secret to another.
        """
        base_url = settings.tts_base_url or settings.resolved_llm_base_url
        if settings.tts_api_key is not None:
            api_key: str | None = settings.tts_api_key.get_secret_value()
        elif _same_origin(base_url, settings.resolved_llm_base_url):
            api_key = settings.llm_key
        else:
            api_key = None
        # VOICEOVER_VOICE defaults to an espeak-ng voice name; only an explicit choice is
        # meaningful to a speech server.
        explicit = "voiceover_voice" in settings.model_fields_set
        return cls(
            api_key=api_key or "",
            base_url=base_url,
            model=settings.tts_model,
            voice=settings.voiceover_voice if explicit else DEFAULT_VOICE,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- synthesis --------------------------------------------------------------------
    def synthesize(self, text: str, *, words_per_minute: int, out_path: Path) -> None:
        if words_per_minute <= 0:
            raise ValueError("words_per_minute must be positive")
        pieces = split_text(text)
        if not pieces:
            raise TTSError("openai speech: nothing to synthesize (the text is empty)")
        try:
            speed = speed_for(words_per_minute)
            fmt, first = self._speak(pieces[0], speed)
            frames = [first]
            for piece in pieces[1:]:
                piece_format, piece_frames = self._speak(piece, speed)
                if piece_format != fmt:
                    raise TTSError(
                        f"speech server at {self.base_url} answered in {piece_format.describe()} "
                        f"after {fmt.describe()} within one section; cannot join the pieces"
                    )
                frames.append(piece_frames)
            write_wav(out_path, fmt, frames)
        except BaseException:
            # Whatever happened, leave nothing that could be mistaken for audio.
            out_path.unlink(missing_ok=True)
            raise

    def _speak(self, text: str, speed: float) -> tuple[WavFormat, bytes]:
        data = self._request(text, speed)
        try:
            return decode_wav_bytes(data)
        except WavFormatError as exc:
            raise TTSError(
                f"speech server at {self.base_url} did not return usable WAV: {exc}"
            ) from None

    def _request(self, text: str, speed: float) -> bytes:
        def attempt() -> bytes:
            try:
                response = self._client.audio.speech.create(
                    model=self.model,
                    voice=self.voice,
                    input=text,
                    response_format="wav",
                    speed=speed,
                )
                return response.content
            except openai.APIConnectionError as exc:  # includes timeouts
                raise _TransientError(exc, None) from exc
            except openai.APIStatusError as exc:
                if exc.status_code in TRANSIENT_STATUSES or exc.status_code >= 500:
                    raise _TransientError(exc, self._retry_after(exc)) from exc
                raise

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_TransientError),
            stop=tenacity.stop_after_attempt(self._max_attempts),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _TransientError as exc:
            raise TTSError(
                f"speech server at {self.base_url} kept failing after "
                f"{self._max_attempts} attempts: {self._describe(exc.error)}"
            ) from None
        except openai.APIStatusError as exc:
            raise self._fatal(exc) from None
        except openai.OpenAIError as exc:
            raise TTSError(f"speech request failed: {self._describe(exc)}") from None

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _TransientError) and error.retry_after is not None:
            return min(error.retry_after, self._backoff_max)
        return float(self._backoff(state))

    @staticmethod
    def _retry_after(exc: openai.APIStatusError) -> float | None:
        value = exc.response.headers.get("retry-after")
        try:
            return max(0.0, float(value)) if value is not None else None
        except ValueError:
            return None  # an HTTP date: rare enough to fall back to our own backoff

    def _fatal(self, exc: openai.APIStatusError) -> TTSError:
        status = exc.status_code
        if status in (401, 403):
            # The body of an auth error often echoes the key: never pass it on.
            return TTSUnavailableError(
                f"speech server at {self.base_url} rejected the API key (HTTP {status}): "
                "check TTS_API_KEY"
            )
        if status == 404:
            return TTSUnavailableError(
                f"speech server at {self.base_url} has no /audio/speech endpoint or no model "
                f"{self.model!r} (HTTP 404): check TTS_BASE_URL and TTS_MODEL"
            )
        return TTSError(
            f"speech server at {self.base_url} refused the request (HTTP {status}; model "
            f"{self.model!r}, voice {self.voice!r}): {self._describe(exc)}"
        )

    def _describe(self, exc: openai.OpenAIError) -> str:
        message = exc.message if isinstance(exc, openai.APIError) else str(exc)
        message = message.replace(self._api_key, "***")
        message = re.sub(r"(?i)bearer\s+\S+", "Bearer ***", message)
        return f"{type(exc).__name__}: {message[:MAX_ERROR_CHARS]}"
