from __future__ import annotations

from pathlib import Path

import pytest

from shared.errors import TTSError
from shared.script.types import Style
from shared.tts.espeak import EspeakEngine
from shared.tts.storage import AudioStorage
from shared.tts.voiceover import (
    VoiceoverRender,
    judge_timing,
    render_voiceover,
    timing_error_pct,
    words_per_minute,
)
from shared.tts.wav import is_valid_wav, wav_duration_seconds
from tests.shared.tts.helpers import ToneEngine
from tests.shared.tts.sample_scripts import SPEC_WPM, build_script, word_count

ONE_FRAME = 1 / 22_050


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _check_render(render: VoiceoverRender, storage: AudioStorage, sections: int) -> None:
    """Everything the manifest will claim is true of the files on disk."""
    assert [s.index for s in render.sections] == list(range(sections))
    for section in render.sections:
        assert section.path == storage.section_path(42, 7, section.index)
        assert is_valid_wav(section.path)
        assert section.path.stat().st_size > 1000
        assert section.measured_seconds == pytest.approx(
            wav_duration_seconds(section.path), abs=0.001
        )
    assert render.full_path == storage.full_path(42, 7)
    assert is_valid_wav(render.full_path)
    pauses = (sections - 1) * render.pause_seconds
    assert render.full_track_seconds == pytest.approx(
        render.total_measured_seconds + pauses, abs=sections * ONE_FRAME + 0.002
    )
    assert render.total_measured_seconds == pytest.approx(
        sum(s.measured_seconds for s in render.sections), abs=0.002
    )
    assert render.timing_error_pct == timing_error_pct(
        render.total_measured_seconds, render.total_planned_seconds
    )


@pytest.mark.parametrize(("style", "wpm"), list(SPEC_WPM.items()))
def test_speaking_rates_follow_the_spec(style: Style, wpm: int) -> None:
    assert words_per_minute(style) == wpm


@pytest.mark.parametrize(
    ("measured", "planned", "expected"),
    [(121.4, 118, 2.9), (100.0, 120, -16.7), (60.0, 60, 0.0), (5.0, 0, 0.0)],
)
def test_timing_error_is_signed_percent_with_one_decimal(
    measured: float, planned: float, expected: float
) -> None:
    assert timing_error_pct(measured, planned) == expected


@pytest.mark.espeak
@pytest.mark.parametrize("style", list(Style))
def test_espeak_voices_a_realistic_script_on_time(
    espeak_binary: str, storage: AudioStorage, style: Style
) -> None:
    script = build_script(style)
    engine = EspeakEngine(binary=espeak_binary)

    render = render_voiceover(script, engine=engine, storage=storage, script_id=42, voiceover_id=7)

    _check_render(render, storage, len(script.sections))
    assert (render.engine, render.voice) == ("espeak-ng", "en-us")
    for section, audio in zip(script.sections, render.sections, strict=True):
        assert 9 <= audio.planned_seconds <= 40  # realistic section lengths
        assert audio.planned_seconds == section.duration_seconds
        assert audio.measured_seconds == pytest.approx(audio.planned_seconds, rel=0.20), (
            style,
            audio.index,
        )
    assert render.total_planned_seconds == script.total_duration_seconds
    assert abs(render.timing_error_pct) <= 10
    assert _files(storage.root) == [
        "42/7/full.wav",
        *(f"42/7/section-{i}.wav" for i in range(len(script.sections))),
    ]


def test_render_uses_the_style_rate_and_reports_exact_timing(storage: AudioStorage) -> None:
    script = build_script(Style.TECHNICAL)
    engine = ToneEngine()
    render = render_voiceover(
        script, engine=engine, storage=storage, script_id=42, voiceover_id=7, pause_seconds=0.25
    )
    assert [wpm for _, wpm in engine.calls] == [130] * len(script.sections)
    assert [text for text, _ in engine.calls] == [s.content for s in script.sections]
    _check_render(render, storage, len(script.sections))
    words = sum(word_count(s.content) for s in script.sections)
    assert render.total_measured_seconds == pytest.approx(words / 130 * 60, abs=0.01)


def test_rerender_of_the_same_voiceover_replaces_stale_files(storage: AudioStorage) -> None:
    stale = storage.section_path(42, 7, 9)
    storage.write_bytes(stale, b"left by an earlier attempt")
    render_voiceover(
        build_script(Style.SALES), engine=ToneEngine(), storage=storage,
        script_id=42, voiceover_id=7,
    )
    assert not stale.exists()
    other = storage.full_path(42, 6)
    assert not other.exists()


def test_engine_crash_mid_section_leaves_no_audio_behind(storage: AudioStorage) -> None:
    storage.write_bytes(storage.full_path(42, 6), b"an older, finished voiceover")
    with pytest.raises(RuntimeError, match="mid-synthesis"):
        render_voiceover(
            build_script(Style.CASUAL), engine=ToneEngine(fail_on=2), storage=storage,
            script_id=42, voiceover_id=7,
        )
    assert _files(storage.root) == ["42/6/full.wav"]


def test_engine_writing_an_invalid_wav_fails_the_voiceover(storage: AudioStorage) -> None:
    with pytest.raises(TTSError, match="tone produced no valid WAV for section 1"):
        render_voiceover(
            build_script(Style.CASUAL), engine=ToneEngine(invalid_on=1), storage=storage,
            script_id=42, voiceover_id=7,
        )
    assert not storage.voiceover_dir(42, 7).exists()


def test_the_timing_verdict_names_each_section_off_by_more_than_fifteen_percent() -> None:
    verdict = judge_timing(60.0, 68.0, [(0, 10.0, 10.5), (1, 30.0, 36.0), (2, 20.0, 21.5)])
    assert verdict.ok is False  # 13.3 % long
    assert verdict.error_pct == 13.3
    assert [(o.index, o.planned_seconds, o.measured_seconds) for o in verdict.offenders] == [
        (1, 30.0, 36.0)]
    warning = verdict.warning(60.0, 68.0)
    assert warning is not None
    assert "13.3% longer" in warning
    assert "1 (30s planned, 36.0s measured)" in warning
    within = judge_timing(60.0, 65.9, [(0, 60.0, 65.9)])
    assert within.ok is True
    assert within.warning(60.0, 65.9) is None
    assert judge_timing(60.0, 53.9, [(0, 60.0, 53.9)]).ok is False
