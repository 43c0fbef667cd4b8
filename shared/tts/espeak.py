"""The embedded voiceover engine: the local espeak-ng binary (§7).

espeak-ng's ``-s`` option is a nominal rate, not a promise. Measured with espeak-ng 1.51,
voice ``en-us``, on 62 realistic script sections of 20-312 words (script prose cut at
sentence boundaries, with figures, product names, technical terms and runs of short
words; reproducible with ``python -m tests.shared.tts.espeak_calibration``), the WAV
duration divided by the planned length ``words / wpm x 60`` at ``-s wpm`` was:

    style (wpm)          geometric mean   median   range
    professional (150)   0.941            0.957    0.684-1.134
    casual (160)         0.938            0.955    0.682-1.130
    technical (130)      0.940            0.955    0.685-1.139
    sales (165)          0.941            0.958    0.682-1.133

So espeak-ng really speaks about 6 % faster than asked, by the same factor at every rate,
and that already includes the ~0.02 s of leading and ~0.35-0.5 s of trailing silence it
puts in every file. Hence :data:`RATE_CALIBRATION`: asking for ``wpm x 0.94`` centres the
durations on the plan (geometric mean 0.999-1.003 for every style; ``en-gb`` 0.99).

The spread around that centre is the text itself: espeak-ng times syllables, not words,
so a sentence of short words ("We will walk through the numbers together ...") runs
about 27 % under the word-based plan even after calibration, and one of long words 21 %
over. No constant removes that. Because the video is cut to each section's planned slot,
the engine then fits the section to its plan: if the calibrated pass misses by more than
:data:`FIT_TOLERANCE`, it re-synthesizes at a rate scaled by the miss (duration is
inversely proportional to ``-s``, so one extra pass normally suffices), bounded by
:data:`MAX_FIT_ADJUSTMENT` so pathological text is reported honestly rather than spoken
absurdly fast or slow. Measured with fitting, all 62 sections of every style land within
5 % of plan. Synthesis is cheap (about 0.15 s of CPU per 100 s of audio), so the extra
pass costs little.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from shared.errors import TTSError, TTSUnavailableError, WavFormatError
from shared.script.timing import count_words
from shared.tts.wav import is_valid_wav, wav_duration_seconds

ENGINE_NAME = "espeak-ng"

RATE_CALIBRATION = 0.94
"""Factor from the style's words per minute to espeak-ng's ``-s`` (see module docstring)."""

FIT_TOLERANCE = 0.05
"""Relative miss of the planned duration above which a section is re-synthesized."""

MAX_FIT_ADJUSTMENT = 1.35
"""The fitted rate stays within [calibrated / this, calibrated x this]."""

MAX_FIT_PASSES = 2

# espeak-ng rejects or ignores rates outside roughly this range.
MIN_RATE = 80
MAX_RATE = 450

INSTALL_HINT = (
    "apt-get install espeak-ng (or brew install espeak-ng), "
    "or set VOICEOVER_ENGINE=openai with TTS_API_KEY"
)


def planned_seconds(text: str, words_per_minute: int) -> float:
    """The §3.5 spoken length of ``text``, counting words exactly as the script engine
    does when it sets ``duration_seconds``, so the engine aims at the same target."""
    return count_words(text) / words_per_minute * 60


class EspeakEngine:
    """Speaks text with the espeak-ng binary, calibrated and fitted to the planned timing."""

    name = ENGINE_NAME

    def __init__(
        self,
        voice: str = "en-us",
        *,
        binary: str = "espeak-ng",
        timeout_seconds: float = 60.0,
        fit_to_plan: bool = True,
    ) -> None:
        path = shutil.which(binary)
        if path is None:
            raise TTSUnavailableError(
                f"espeak-ng is not installed (no executable {binary!r} on PATH): {INSTALL_HINT}"
            )
        self.voice = voice
        self.binary = path
        self.timeout_seconds = timeout_seconds
        self.fit_to_plan = fit_to_plan

    def calibrated_rate(self, words_per_minute: int) -> int:
        return self._clamp(words_per_minute * RATE_CALIBRATION)

    def synthesize(self, text: str, *, words_per_minute: int, out_path: Path) -> None:
        """Write ``text`` as WAV, fitted to ``words / words_per_minute`` when enabled."""
        if words_per_minute <= 0:
            raise ValueError("words_per_minute must be positive")
        # One line of text: espeak-ng treats newlines as extra pauses, which would make
        # the timing depend on how the LLM happened to wrap its prose.
        spoken = " ".join(text.split())
        if not spoken:
            raise TTSError("espeak-ng: nothing to synthesize (the text is empty)")
        target = planned_seconds(spoken, words_per_minute)
        base_rate = self.calibrated_rate(words_per_minute)
        rate = base_rate
        try:
            measured = self._run(spoken, rate, out_path)
            # Text without a single word (only punctuation) has no plan to fit to.
            passes = MAX_FIT_PASSES if self.fit_to_plan and target > 0 else 0
            for _ in range(passes):
                miss = measured / target
                if abs(miss - 1) <= FIT_TOLERANCE:
                    break
                low, high = base_rate / MAX_FIT_ADJUSTMENT, base_rate * MAX_FIT_ADJUSTMENT
                fitted = self._clamp(min(max(rate * miss, low), high))
                if fitted == rate:
                    break  # at the bound already: keep the honest result
                rate = fitted
                measured = self._run(spoken, rate, out_path)
        except BaseException:
            out_path.unlink(missing_ok=True)
            raise

    def _run(self, text: str, rate: int, out_path: Path) -> float:
        """One espeak-ng invocation; returns the measured duration of the WAV it wrote."""
        # The text goes through stdin, never the command line or a shell: nothing in it
        # can become an option or a command, and there is no argument-length limit.
        command = [self.binary, "-v", self.voice, "-s", str(rate), "-w", str(out_path)]
        try:
            result = subprocess.run(  # noqa: S603 - fixed argv, resolved binary, no shell
                command,
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout_seconds,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise TTSError(
                f"espeak-ng did not finish within {self.timeout_seconds:g} s "
                f"({len(text.split())} words)"
            ) from None
        except OSError as exc:
            raise TTSUnavailableError(
                f"espeak-ng could not be started ({exc.strerror or exc}): {INSTALL_HINT}"
            ) from None
        stderr = result.stderr.decode("utf-8", "replace").strip()
        if "voice does not exist" in stderr.lower():
            raise TTSUnavailableError(
                f"espeak-ng has no voice {self.voice!r}: set VOICEOVER_VOICE to one listed "
                "by `espeak-ng --voices` (for example en-us)"
            )
        if result.returncode != 0:
            raise TTSError(f"espeak-ng exited with status {result.returncode}: {stderr[:300]}")
        if not is_valid_wav(out_path):
            raise TTSError(f"espeak-ng exited cleanly but wrote no valid WAV ({stderr[:300]})")
        try:
            return wav_duration_seconds(out_path)
        except WavFormatError as exc:
            raise TTSError(f"espeak-ng wrote unreadable audio: {exc}") from None

    @staticmethod
    def _clamp(rate: float) -> int:
        return max(MIN_RATE, min(MAX_RATE, round(rate)))
