"""What every text-to-speech engine promises, and the errors the voiceover job reports (§7).

The voiceover job only ever talks to a :class:`TTSEngine`, so the embedded default
(espeak-ng) and the production option (an OpenAI-compatible ``/audio/speech`` server) are
interchangeable, and tests can drive the real job with either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class TTSEngine(Protocol):
    """Turns one piece of voiceover text into one WAV file at a given speaking rate."""

    name: str
    voice: str

    def synthesize(self, text: str, *, words_per_minute: int, out_path: Path) -> None:
        """Write ``text`` spoken at ``words_per_minute`` as a PCM WAV file at ``out_path``.

        ``out_path`` may already exist (a temporary file the caller created); it is
        overwritten. On failure the engine raises :class:`TTSError` and leaves no file
        that could pass for finished audio.
        """
        ...
