"""Voiceover manifest (§6, §7)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from shared.db.models import Voiceover, VoiceoverStatus
from shared.tts.voiceover import TimingVerdict, judge_timing


class VoiceoverSectionSchema(ma.Schema):
    index = ma.fields.Integer()
    audio_url = ma.fields.String()
    planned_seconds = ma.fields.Float()
    measured_seconds = ma.fields.Float()


class TimingOffenderSchema(ma.Schema):
    index = ma.fields.Integer()
    planned_seconds = ma.fields.Float()
    measured_seconds = ma.fields.Float()
    error_pct = ma.fields.Float(metadata={"description": "Signed, like timing_error_pct."})


class VoiceoverManifestSchema(ma.Schema):
    id = ma.fields.Integer()
    script_id = ma.fields.Integer()
    status = ma.fields.Enum(VoiceoverStatus, by_value=True)
    engine = ma.fields.String()
    voice = ma.fields.String()
    audio_url = ma.fields.Method("_audio_url", allow_none=True)
    total_planned_seconds = ma.fields.Float(allow_none=True)
    total_measured_seconds = ma.fields.Float(allow_none=True)
    full_track_seconds = ma.fields.Float(
        allow_none=True,
        metadata={"description": "The full track, pauses between sections included."},
    )
    timing_error_pct = ma.fields.Float(
        allow_none=True, metadata={"description": "(measured - planned) / planned x 100, signed."}
    )
    timing_ok = ma.fields.Method(
        "_timing_ok", allow_none=True,
        metadata={"description": "Whether the measured total is within 10 % of the plan "
                                 "(null until the voiceover is ready)."},
    )
    timing_offenders = ma.fields.Method(
        "_timing_offenders",
        metadata={"description": "Sections whose audio is more than 15 % off their planned "
                                 "seconds, with both numbers."},
    )
    error = ma.fields.String(allow_none=True)
    sections = ma.fields.Method("_sections")
    created_at = ma.fields.DateTime()

    def _audio_url(self, voiceover: Voiceover) -> str | None:
        if voiceover.full_path is None:
            return None
        return f"/api/v1/voiceovers/{voiceover.id}/audio"

    def _verdict(self, voiceover: Voiceover) -> TimingVerdict | None:
        if voiceover.status != VoiceoverStatus.READY or voiceover.total_planned_seconds is None:
            return None
        return judge_timing(
            voiceover.total_planned_seconds, voiceover.total_measured_seconds or 0.0,
            [(e["index"], e["planned_seconds"], e["measured_seconds"])
             for e in voiceover.sections],
        )

    def _timing_ok(self, voiceover: Voiceover) -> bool | None:
        verdict = self._verdict(voiceover)
        return None if verdict is None else verdict.ok

    def _timing_offenders(self, voiceover: Voiceover) -> list[dict[str, Any]]:
        verdict = self._verdict(voiceover)
        if verdict is None:
            return []
        return [TimingOffenderSchema().dump(o.as_dict()) for o in verdict.offenders]

    def _sections(self, voiceover: Voiceover) -> list[dict[str, Any]]:
        return [
            {
                "index": entry["index"],
                "audio_url": f"/api/v1/voiceovers/{voiceover.id}/audio/{entry['index']}",
                "planned_seconds": entry["planned_seconds"],
                "measured_seconds": entry["measured_seconds"],
            }
            for entry in voiceover.sections
        ]
