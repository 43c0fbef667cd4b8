from __future__ import annotations

import struct
import wave
from pathlib import Path

import pytest

from shared.errors import WavFormatError
from shared.tts.wav import (
    WavFormat,
    concatenate_wavs,
    decode_wav_bytes,
    is_valid_wav,
    wav_duration_seconds,
    wav_format,
    write_wav,
)
from tests.shared.tts.helpers import read_frames, tone_frames, write_tone


def _truncate(path: Path, keep_fraction: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep_fraction)])


def test_duration_is_frames_over_rate(tmp_path: Path) -> None:
    path = write_tone(tmp_path / "a.wav", 1.5, rate=16_000)
    assert wav_duration_seconds(path) == pytest.approx(1.5, abs=1 / 16_000)
    assert wav_format(path) == WavFormat(channels=1, sample_width=2, frame_rate=16_000)


def test_complete_file_is_valid(tmp_path: Path) -> None:
    assert is_valid_wav(write_tone(tmp_path / "a.wav", 0.3))


def test_truncated_file_is_invalid_and_its_duration_counts_only_present_frames(
    tmp_path: Path,
) -> None:
    path = write_tone(tmp_path / "a.wav", 2.0)
    _truncate(path, 0.5)
    assert not is_valid_wav(path)
    assert wav_duration_seconds(path) == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize(
    "content",
    [b"", b"RIFF", b"not a wav file at all, just some text" * 4, b"RIFF\x00\x00\x00\x00WAVE"],
)
def test_garbage_is_invalid(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    assert not is_valid_wav(path)
    with pytest.raises(WavFormatError):
        wav_duration_seconds(path)


def test_missing_file_and_directory_are_invalid(tmp_path: Path) -> None:
    assert not is_valid_wav(tmp_path / "absent.wav")
    assert not is_valid_wav(tmp_path)
    with pytest.raises(WavFormatError, match="cannot read"):
        wav_duration_seconds(tmp_path / "absent.wav")


def test_header_without_frames_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    write_wav(path, WavFormat(1, 2, 22_050), [])
    assert wav_duration_seconds(path) == 0
    assert not is_valid_wav(path)


def test_concatenation_inserts_exact_pauses_between_sections(tmp_path: Path) -> None:
    parts = [
        write_tone(tmp_path / "0.wav", 1.0),
        write_tone(tmp_path / "1.wav", 2.5),
        write_tone(tmp_path / "2.wav", 0.75),
    ]
    out = tmp_path / "full.wav"
    concatenate_wavs(parts, out, pause_seconds=0.5)

    assert is_valid_wav(out)
    # Exact to the frame: each part and pause is a whole number of 1/22050 s frames.
    assert wav_duration_seconds(out) == pytest.approx(1.0 + 2.5 + 0.75 + 2 * 0.5, abs=3 / 22_050)
    frames = read_frames(out)
    first, second = read_frames(parts[0]), read_frames(parts[1])
    pause = b"\x00" * (round(0.5 * 22_050) * 2)
    assert frames.startswith(first + pause + second + pause)
    assert frames.endswith(read_frames(parts[2]))  # no trailing pause after the last one


def test_concatenation_without_pause_is_plain_join(tmp_path: Path) -> None:
    parts = [write_tone(tmp_path / "0.wav", 0.2), write_tone(tmp_path / "1.wav", 0.3)]
    out = tmp_path / "full.wav"
    concatenate_wavs(parts, out, pause_seconds=0)
    assert read_frames(out) == read_frames(parts[0]) + read_frames(parts[1])


def test_eight_bit_pause_is_unsigned_silence(tmp_path: Path) -> None:
    parts = [
        write_tone(tmp_path / "0.wav", 0.1, rate=8_000, width=1),
        write_tone(tmp_path / "1.wav", 0.1, rate=8_000, width=1),
    ]
    out = tmp_path / "full.wav"
    concatenate_wavs(parts, out, pause_seconds=0.25)
    frames = read_frames(out)
    assert frames[800:2800] == b"\x80" * 2000


@pytest.mark.parametrize(
    ("other", "described"),
    [
        ({"rate": 16_000}, "16000 Hz"),
        ({"channels": 2}, "2 channel"),
        ({"width": 1}, "8-bit"),
    ],
)
def test_concatenation_rejects_mismatched_formats(
    tmp_path: Path, other: dict[str, int], described: str
) -> None:
    first = write_tone(tmp_path / "0.wav", 0.2)
    second = write_tone(tmp_path / "1.wav", 0.2, **other)
    with pytest.raises(WavFormatError, match="different formats") as caught:
        concatenate_wavs([first, second], tmp_path / "full.wav")
    assert "22050 Hz, 16-bit, 1 channel" in str(caught.value)
    assert described in str(caught.value)
    assert not (tmp_path / "full.wav").exists()


def test_concatenating_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WavFormatError, match="no WAV files"):
        concatenate_wavs([], tmp_path / "full.wav")


def _streaming_wav(frames: bytes, rate: int = 24_000) -> bytes:
    """A WAV as streaming speech servers send it: sizes set to the 0xFFFFFFFF placeholder."""
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    return (
        b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + b"data" + struct.pack("<I", 0xFFFFFFFF) + frames
    )


def test_streaming_header_is_decoded_from_the_frames_present(tmp_path: Path) -> None:
    frames = tone_frames(0.5, rate=24_000)
    raw = tmp_path / "raw.wav"
    raw.write_bytes(_streaming_wav(frames))
    assert not is_valid_wav(raw)  # the header promises far more than is there

    fmt, decoded = decode_wav_bytes(raw.read_bytes())
    assert fmt == WavFormat(1, 2, 24_000)
    assert decoded == frames
    fixed = tmp_path / "fixed.wav"
    write_wav(fixed, fmt, [decoded])
    assert is_valid_wav(fixed)
    assert wav_duration_seconds(fixed) == pytest.approx(0.5, abs=1e-6)
    with wave.open(str(fixed)) as reader:
        assert reader.getnframes() == len(frames) // 2


@pytest.mark.parametrize(
    "data", [b"", b'{"error": {"message": "quota exceeded"}}', b"ID3\x03\x00mp3 data" * 10]
)
def test_decoding_rejects_non_wav_answers(data: bytes) -> None:
    with pytest.raises(WavFormatError, match="expected WAV audio"):
        decode_wav_bytes(data)
