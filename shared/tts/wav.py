"""Reading, checking and joining PCM WAV files with the standard library only.

Durations are counted from the sample frames actually present rather than trusted from
the header: a worker killed mid-write leaves a header that promises more frames than the
file holds, and streaming TTS servers send placeholder sizes (0xFFFFFFFF) because they do
not know the length up front. The manifest's measured seconds are the real check of the
script's timing (§7), so they must come from the audio, not from what a header claims.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from shared.errors import WavFormatError

_BLOCK_FRAMES = 64 * 1024
_RIFF_HEADER_BYTES = 44


class WavFormat(NamedTuple):
    channels: int
    sample_width: int  # bytes per sample
    frame_rate: int

    def describe(self) -> str:
        return f"{self.frame_rate} Hz, {self.sample_width * 8}-bit, {self.channels} channel(s)"


class _WavInfo(NamedTuple):
    format: WavFormat
    declared_frames: int
    present_frames: int


def _format_of(reader: wave.Wave_read) -> WavFormat:
    if reader.getcomptype() != "NONE":
        raise WavFormatError(f"compressed WAV ({reader.getcomptype()}) is not supported")
    return WavFormat(reader.getnchannels(), reader.getsampwidth(), reader.getframerate())


def _count_frames(reader: wave.Wave_read) -> int:
    """Frames really present in the data chunk, read in blocks to bound memory."""
    frame_bytes = reader.getnchannels() * reader.getsampwidth()
    present = 0
    while block := reader.readframes(_BLOCK_FRAMES):
        present += len(block) // frame_bytes
    return present


def _inspect(source: Path | io.BytesIO) -> _WavInfo:
    try:
        with wave.open(source if isinstance(source, io.BytesIO) else str(source), "rb") as r:
            fmt = _format_of(r)
            return _WavInfo(fmt, r.getnframes(), _count_frames(r))
    except (wave.Error, EOFError) as exc:
        raise WavFormatError(f"{_name(source)} is not a readable PCM WAV file: {exc}") from None
    except OSError as exc:
        raise WavFormatError(f"cannot read {_name(source)}: {exc.strerror or exc}") from None


def _name(source: Path | io.BytesIO) -> str:
    return "audio data" if isinstance(source, io.BytesIO) else str(source)


def wav_format(path: Path) -> WavFormat:
    """Channels, sample width and rate of ``path``; raises :class:`WavFormatError`."""
    return _inspect(path).format


def wav_duration_seconds(path: Path) -> float:
    """Seconds of audio actually in ``path`` (frames present divided by the frame rate)."""
    info = _inspect(path)
    if info.format.frame_rate <= 0:
        raise WavFormatError(f"{path} declares a frame rate of {info.format.frame_rate}")
    return info.present_frames / info.format.frame_rate


def is_valid_wav(path: Path) -> bool:
    """True only for a complete, non-empty PCM WAV file.

    "Complete" means the header's frame count matches the frames present, which is what
    tells a finished file from one whose writer died halfway through.
    """
    try:
        if not path.is_file() or path.stat().st_size <= _RIFF_HEADER_BYTES:
            return False
        info = _inspect(path)
    except (WavFormatError, OSError):
        return False
    fmt = info.format
    return (
        fmt.channels >= 1
        and 1 <= fmt.sample_width <= 4
        and fmt.frame_rate > 0
        and info.present_frames > 0
        and info.present_frames == info.declared_frames
    )


def _silence(fmt: WavFormat, seconds: float) -> bytes:
    frames = round(seconds * fmt.frame_rate)
    # 8-bit WAV is unsigned (silence is 0x80); wider samples are signed (silence is 0).
    sample = b"\x80" if fmt.sample_width == 1 else b"\x00" * fmt.sample_width
    return sample * (frames * fmt.channels)


def write_wav(out_path: Path, fmt: WavFormat, chunks: Iterable[bytes]) -> None:
    """Write PCM frames as a WAV whose header matches exactly what was written."""
    with wave.open(str(out_path), "wb") as writer:
        writer.setnchannels(fmt.channels)
        writer.setsampwidth(fmt.sample_width)
        writer.setframerate(fmt.frame_rate)
        for chunk in chunks:
            writer.writeframes(chunk)


def _frames_of(path: Path) -> Iterable[bytes]:
    with wave.open(str(path), "rb") as reader:
        while block := reader.readframes(_BLOCK_FRAMES):
            yield block


def concatenate_wavs(
    paths: Sequence[Path], out_path: Path, *, pause_seconds: float = 0.5
) -> None:
    """Join ``paths`` in order into ``out_path`` with ``pause_seconds`` of silence between.

    All inputs must share one format: silently resampling or remixing would change the
    durations the manifest reports, so a mismatch is an error naming both formats.
    ``out_path`` is written in place; callers that need atomicity pass a temporary path.
    """
    if not paths:
        raise WavFormatError("nothing to concatenate: no WAV files given")
    if pause_seconds < 0:
        raise ValueError("pause_seconds must not be negative")
    formats = [wav_format(path) for path in paths]
    first = formats[0]
    for path, fmt in zip(paths[1:], formats[1:], strict=True):
        if fmt != first:
            raise WavFormatError(
                f"cannot concatenate WAV files of different formats: {paths[0]} is "
                f"{first.describe()} but {path} is {fmt.describe()}"
            )
    pause = _silence(first, pause_seconds)

    def chunks() -> Iterable[bytes]:
        for position, path in enumerate(paths):
            if position and pause:
                yield pause
            yield from _frames_of(path)

    write_wav(out_path, first, chunks())


def decode_wav_bytes(data: bytes) -> tuple[WavFormat, bytes]:
    """The format and sample frames of WAV audio received over the network.

    Servers that stream speech cannot know the length when they send the header, so
    their WAV claims a placeholder size; taking the frames actually present (and writing
    them out again with :func:`write_wav`) keeps stored files honest and lets
    :func:`is_valid_wav` stay strict about truncation.
    """
    if len(data) <= _RIFF_HEADER_BYTES or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        preview = data[:16].decode("ascii", "replace")
        raise WavFormatError(f"expected WAV audio, got {len(data)} bytes starting {preview!r}")
    source = io.BytesIO(data)
    info = _inspect(source)
    if info.present_frames == 0:
        raise WavFormatError("the WAV audio contains no sound frames")
    source.seek(0)
    with wave.open(source, "rb") as reader:
        return info.format, reader.readframes(info.present_frames)
