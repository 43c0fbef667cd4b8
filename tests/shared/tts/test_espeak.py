from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from shared.errors import TTSError, TTSUnavailableError
from shared.script.types import Style
from shared.tts.base import TTSEngine
from shared.tts.espeak import RATE_CALIBRATION, EspeakEngine, planned_seconds
from shared.tts.wav import is_valid_wav, wav_duration_seconds
from tests.shared.tts.sample_scripts import SPEC_WPM, build_script

STYLES = list(Style)


def _fake_binary(directory: Path, body: str) -> str:
    """An executable standing in for espeak-ng, to provoke failures the real one won't.

    Written in Python (this interpreter) so it runs even where PATH has no shell tools.
    """
    path = directory / "fake-espeak"
    path.write_text(f"#!{sys.executable}\nimport sys, time\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_missing_binary_says_what_to_install() -> None:
    with pytest.raises(TTSUnavailableError) as caught:
        EspeakEngine(binary="espeak-ng-definitely-not-installed")
    message = str(caught.value)
    assert "espeak-ng is not installed" in message
    assert "apt-get install espeak-ng" in message
    assert "VOICEOVER_ENGINE=openai" in message
    assert "TTS_API_KEY" in message


def test_missing_binary_on_path_is_detected_at_construction(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TTSUnavailableError, match="apt-get install espeak-ng"):
        EspeakEngine()


def test_hung_engine_times_out_and_leaves_no_file(tmp_path: Path) -> None:
    engine = EspeakEngine(binary=_fake_binary(tmp_path, "time.sleep(30)"), timeout_seconds=0.3)
    out = tmp_path / "out.wav"
    with pytest.raises(TTSError, match=r"did not finish within 0\.3 s"):
        engine.synthesize("Hello there.", words_per_minute=150, out_path=out)
    assert not out.exists()


def test_engine_failure_reports_exit_status_and_stderr(tmp_path: Path) -> None:
    engine = EspeakEngine(binary=_fake_binary(tmp_path, "sys.exit('sound card on fire')"))
    with pytest.raises(TTSError, match=r"status 1: sound card on fire"):
        engine.synthesize("Hello.", words_per_minute=150, out_path=tmp_path / "out.wav")


def test_engine_that_writes_nothing_is_an_error(tmp_path: Path) -> None:
    engine = EspeakEngine(binary=_fake_binary(tmp_path, "sys.stdin.read()"))
    out = tmp_path / "out.wav"
    out.write_bytes(b"")  # the caller's temporary file
    with pytest.raises(TTSError, match="no valid WAV"):
        engine.synthesize("Hello.", words_per_minute=150, out_path=out)
    assert not out.exists()


def test_empty_text_is_refused(tmp_path: Path) -> None:
    engine = EspeakEngine(binary=_fake_binary(tmp_path, "pass"))
    with pytest.raises(TTSError, match="empty"):
        engine.synthesize(" \n\t ", words_per_minute=150, out_path=tmp_path / "out.wav")


def test_calibrated_rate_slows_espeak_down_by_the_measured_factor() -> None:
    engine = EspeakEngine(binary=sys.executable)  # any executable: only arithmetic is used
    assert engine.calibrated_rate(150) == round(150 * RATE_CALIBRATION)
    assert engine.calibrated_rate(10) == 80  # espeak-ng's floor
    assert engine.calibrated_rate(1000) == 450


# --- the real binary --------------------------------------------------------------------


@pytest.mark.espeak
def test_engine_satisfies_the_protocol(espeak_binary: str) -> None:
    engine = EspeakEngine(binary=espeak_binary)
    assert isinstance(engine, TTSEngine)
    assert engine.name == "espeak-ng"
    assert engine.voice == "en-us"


@pytest.mark.espeak
def test_unknown_voice_names_the_setting(espeak_binary: str, tmp_path: Path) -> None:
    engine = EspeakEngine("xx-nonexistent", binary=espeak_binary)
    with pytest.raises(TTSUnavailableError, match="VOICEOVER_VOICE"):
        engine.synthesize("Hello.", words_per_minute=150, out_path=tmp_path / "out.wav")


@pytest.mark.espeak
def test_hostile_text_is_spoken_not_executed(
    espeak_binary: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (
        "-w /tmp/hijack.wav --help; touch pwned1 $(touch pwned2) `touch pwned3` "
        "| touch pwned4 && echo 'quoted' \"double\" <speak>ssml</speak> café naïve 😀"
    )
    out = tmp_path / "out.wav"
    EspeakEngine(binary=espeak_binary).synthesize(text, words_per_minute=150, out_path=out)
    assert is_valid_wav(out)
    assert wav_duration_seconds(out) > 3
    assert sorted(os.listdir(tmp_path)) == ["out.wav"]


def _measure(engine: EspeakEngine, text: str, wpm: int, out: Path) -> float:
    engine.synthesize(text, words_per_minute=wpm, out_path=out)
    assert is_valid_wav(out)
    return wav_duration_seconds(out)


@pytest.mark.espeak
@pytest.mark.parametrize("style", STYLES)
def test_every_section_lands_within_20_percent_of_plan(
    espeak_binary: str, tmp_path: Path, style: Style
) -> None:
    engine = EspeakEngine(binary=espeak_binary)
    wpm = SPEC_WPM[style]
    for index, section in enumerate(build_script(style).sections):
        planned = planned_seconds(section.content, wpm)
        measured = _measure(engine, section.content, wpm, tmp_path / f"{index}.wav")
        assert measured == pytest.approx(planned, rel=0.20), (style, index, section.title)


@pytest.mark.espeak
@pytest.mark.parametrize("style", STYLES)
def test_calibration_alone_centres_each_script_on_its_plan(
    espeak_binary: str, tmp_path: Path, style: Style
) -> None:
    """Without per-section fitting, the constant correction must still get a whole script
    close to plan; uncalibrated espeak-ng (``-s wpm``) runs about 6 % short."""
    engine = EspeakEngine(binary=espeak_binary, fit_to_plan=False)
    wpm = SPEC_WPM[style]
    sections = build_script(style).sections
    planned = sum(planned_seconds(s.content, wpm) for s in sections)
    measured = sum(
        _measure(engine, s.content, wpm, tmp_path / f"{i}.wav") for i, s in enumerate(sections)
    )
    assert measured == pytest.approx(planned, rel=0.10)


@pytest.mark.espeak
@pytest.mark.parametrize("words", [20, 60, 150, 300])
def test_long_and_short_texts_fit_their_plan(
    espeak_binary: str, tmp_path: Path, words: int
) -> None:
    """Section sizes across the whole §3.5 range, from a 20-word line to a 300-word block."""
    prose = " ".join(
        section.content for style in STYLES for section in build_script(style).sections
    ).split()
    text = " ".join(prose[:words])
    engine = EspeakEngine(binary=espeak_binary)
    for style in STYLES:
        wpm = SPEC_WPM[style]
        measured = _measure(engine, text, wpm, tmp_path / f"{style}.wav")
        assert measured == pytest.approx(planned_seconds(text, wpm), rel=0.20), style
