"""Voiceover manifest (§6, §7)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from shared.db.models import Voiceover, VoiceoverStatus


class VoiceoverSectionSchema(ma.Schema):
    index = ma.fields.Integer()
    audio_url = ma.fields.String()
    planned_seconds = ma.fields.Float()
    measured_seconds = ma.fields.Float()


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
    error = ma.fields.String(allow_none=True)
    sections = ma.fields.Method("_sections")
    created_at = ma.fields.DateTime()

    def _audio_url(self, voiceover: Voiceover) -> str | None:
        if voiceover.full_path is None:
            return None
        return f"/api/v1/voiceovers/{voiceover.id}/audio"

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
