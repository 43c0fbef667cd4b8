"""Voice a whole script: one WAV per section, then one full track (§7).

The result is the voiceover manifest's content. ``planned_seconds`` is each section's
declared ``duration_seconds`` (what the video is cut to, and what the contract's example shows
as ``planned_seconds: 12``); ``measured_seconds`` is read from the audio written. Their
comparison is the real check of the script's timing, so nothing here adjusts either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from shared.errors import TTSError
from shared.script.measure import SECTION_TOLERANCE
from shared.script.styles import style_guide
from shared.script.types import Script, Section, Style
from shared.tts.base import TTSEngine
from shared.tts.storage import AudioStorage
from shared.tts.wav import concatenate_wavs, is_valid_wav, wav_duration_seconds

DEFAULT_PAUSE_SECONDS = 0.5
# §7 / issue 9: a voiceover whose measured total is more than 10 % off the plan says so.
TOTAL_TOLERANCE = 0.10


def words_per_minute(style: Style) -> int:
    """The style's §3.4 rate, from the same table the script engine sizes sections with."""
    return style_guide(style).words_per_minute


@dataclass(frozen=True, slots=True)
class SectionAudio:
    index: int
    path: Path
    planned_seconds: float
    measured_seconds: float


@dataclass(frozen=True, slots=True)
class VoiceoverRender:
    """What a finished voiceover produced.

    ``total_measured_seconds`` is the sum of the sections' measured durations, i.e. the
    full track minus the pauses inserted between sections: pauses are an editing choice,
    not part of the script's timing, and leaving them out makes it comparable with
    ``total_planned_seconds`` (the script's ``total_duration_seconds``).
    ``full_track_seconds`` is the real length of ``full_path``, pauses included.

    ``timing_error_pct`` is signed, ``(measured - planned) / planned x 100`` rounded to
    one decimal: positive means the voiceover runs long, negative short, which is what an
    editor needs to know to fix it (the contract example's 2.9 is 121.4 s against 118 s).
    """

    engine: str
    voice: str
    sections: tuple[SectionAudio, ...]
    full_path: Path
    pause_seconds: float
    total_planned_seconds: float
    total_measured_seconds: float
    full_track_seconds: float
    timing_error_pct: float
    timing: TimingVerdict


@dataclass(frozen=True, slots=True)
class TimingOffender:
    """A section whose audio is more than §3.5's 15 % off the seconds it was planned for."""

    index: int
    planned_seconds: float
    measured_seconds: float
    error_pct: float

    def as_dict(self) -> dict[str, float | int]:
        return {"index": self.index, "planned_seconds": self.planned_seconds,
                "measured_seconds": self.measured_seconds, "error_pct": self.error_pct}


@dataclass(frozen=True, slots=True)
class TimingVerdict:
    """Whether a voiceover keeps the script's timing promise, judged on measured audio.

    ``ok`` is about the total (within :data:`TOTAL_TOLERANCE` of the plan); ``offenders``
    lists every section more than 15 % off, so an editor knows where the time went.
    """

    ok: bool
    error_pct: float
    offenders: tuple[TimingOffender, ...]

    def warning(self, planned: float, measured: float) -> str | None:
        """The job warning for a voiceover that does not keep time, else None."""
        if self.ok:
            return None
        direction = "longer" if measured > planned else "shorter"
        text = (
            f"The voiceover runs {abs(self.error_pct):.1f}% {direction} than planned: "
            f"{measured:.1f}s measured against {planned:g}s (tolerance "
            f"{TOTAL_TOLERANCE:.0%})."
        )
        if self.offenders:
            text += " Sections off by more than 15%: " + ", ".join(
                f"{o.index} ({o.planned_seconds:g}s planned, {o.measured_seconds:.1f}s measured)"
                for o in self.offenders
            ) + "."
        return text


def judge_timing(
    planned_total: float,
    measured_total: float,
    sections: Sequence[tuple[int, float, float]],
) -> TimingVerdict:
    """The verdict for a voiceover from its (index, planned, measured) section seconds.

    Pure, so the render, the job and the manifest (reading stored rows) always agree.
    """
    offenders = tuple(
        TimingOffender(index, planned, measured, timing_error_pct(measured, planned))
        for index, planned, measured in sections
        if planned > 0 and abs(measured - planned) > SECTION_TOLERANCE * planned
    )
    error = timing_error_pct(measured_total, planned_total)
    ok = planned_total > 0 and abs(measured_total - planned_total) <= (
        TOTAL_TOLERANCE * planned_total)
    return TimingVerdict(ok=ok, error_pct=error, offenders=offenders)


def timing_error_pct(measured: float, planned: float) -> float:
    if planned <= 0:
        return 0.0
    return round((measured - planned) / planned * 100, 1)


def render_voiceover(
    script: Script,
    *,
    engine: TTSEngine,
    storage: AudioStorage,
    script_id: int,
    voiceover_id: int,
    pause_seconds: float = DEFAULT_PAUSE_SECONDS,
) -> VoiceoverRender:
    """Synthesize every section and the full track under the voiceover's directory.

    Starts by removing whatever an earlier attempt of the same voiceover left behind, so
    a redelivered job (worker killed, broker restarted) renders from scratch rather than
    mixing old and new files. Each file appears atomically; the full track is written
    last, so its presence means the whole render finished. On any failure the
    voiceover's directory is removed and the error propagates: :class:`TTSError` (with
    :class:`TTSUnavailableError` for a missing engine) from the engines.
    """
    wpm = words_per_minute(script.style)
    storage.delete_voiceover(script_id, voiceover_id)
    try:
        sections = [
            _render_section(storage, engine, script_id, voiceover_id, index, section, wpm)
            for index, section in enumerate(script.sections)
        ]
        full = _render_full_track(storage, script_id, voiceover_id, sections, pause_seconds)
        full_seconds = wav_duration_seconds(full)
    except BaseException:
        # A failed voiceover keeps no audio: half a set of sections is useless, and the
        # job's failed status is the only record that it was attempted.
        storage.delete_voiceover(script_id, voiceover_id)
        raise
    planned = float(script.total_duration_seconds)
    measured = round(sum(section.measured_seconds for section in sections), 3)
    return VoiceoverRender(
        engine=engine.name,
        voice=engine.voice,
        sections=tuple(sections),
        full_path=full,
        pause_seconds=pause_seconds,
        total_planned_seconds=planned,
        total_measured_seconds=measured,
        full_track_seconds=round(full_seconds, 3),
        timing_error_pct=timing_error_pct(measured, planned),
        timing=judge_timing(
            planned, measured,
            [(s.index, s.planned_seconds, s.measured_seconds) for s in sections],
        ),
    )


def _render_section(
    storage: AudioStorage,
    engine: TTSEngine,
    script_id: int,
    voiceover_id: int,
    index: int,
    section: Section,
    wpm: int,
) -> SectionAudio:
    final = storage.section_path(script_id, voiceover_id, index)
    with storage.atomic_write(final) as temp:
        engine.synthesize(section.content, words_per_minute=wpm, out_path=temp)
        # Engines promise a complete WAV; checking here means a misbehaving engine fails
        # the voiceover instead of publishing silence or a truncated file.
        if not is_valid_wav(temp):
            raise TTSError(f"{engine.name} produced no valid WAV for section {index}")
    return SectionAudio(
        index=index,
        path=final,
        planned_seconds=float(section.duration_seconds),
        measured_seconds=round(wav_duration_seconds(final), 3),
    )


def _render_full_track(
    storage: AudioStorage,
    script_id: int,
    voiceover_id: int,
    sections: Sequence[SectionAudio],
    pause_seconds: float,
) -> Path:
    full = storage.full_path(script_id, voiceover_id)
    with storage.atomic_write(full) as temp:
        concatenate_wavs([s.path for s in sections], temp, pause_seconds=pause_seconds)
    return full
