"""Small real-audio builders for the TTS tests (no mocks: these write actual WAV files)."""

from __future__ import annotations

import math
import wave
from pathlib import Path

from shared.tts.espeak import planned_seconds


def tone_frames(seconds: float, *, rate: int = 22_050, channels: int = 1, width: int = 2) -> bytes:
    """A quiet tone of ``rate / 50`` Hz: never silent, so joins and pauses show in samples."""
    peak = 2 ** (8 * width - 1) - 1
    period = bytearray()
    for i in range(50):
        value = int(peak * 0.2 * math.sin(2 * math.pi * i / 50))
        if width == 1:
            sample = (value + 128).to_bytes(1, "little", signed=False)
        else:
            sample = value.to_bytes(width, "little", signed=True)
        period += sample * channels
    frames = round(seconds * rate)
    return (bytes(period) * (frames // 50 + 1))[: frames * width * channels]


def write_tone(
    path: Path, seconds: float, *, rate: int = 22_050, channels: int = 1, width: int = 2
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(tone_frames(seconds, rate=rate, channels=channels, width=width))
    return path


def read_frames(path: Path) -> bytes:
    with wave.open(str(path), "rb") as reader:
        return reader.readframes(reader.getnframes())


class ToneEngine:
    """A TTS engine for tests of the rendering flow: speaks exactly the planned length.

    It implements the same protocol as the real engines and writes real WAV files, so
    everything downstream (validation, storage, concatenation, measuring) runs for real.
    ``fail_on`` makes the n-th call (0-based) write half a file and then raise, like an
    engine that crashes mid-synthesis.
    """

    name = "tone"
    voice = "sine"

    def __init__(self, *, fail_on: int | None = None, invalid_on: int | None = None) -> None:
        self.calls: list[tuple[str, int]] = []
        self.fail_on = fail_on
        self.invalid_on = invalid_on

    def synthesize(self, text: str, *, words_per_minute: int, out_path: Path) -> None:
        call = len(self.calls)
        self.calls.append((text, words_per_minute))
        seconds = planned_seconds(text, words_per_minute)
        if call == self.invalid_on:
            out_path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio")
            return
        write_tone(out_path, seconds)
        if call == self.fail_on:
            data = out_path.read_bytes()
            out_path.write_bytes(data[: len(data) // 2])
            raise RuntimeError("engine crashed mid-synthesis")
