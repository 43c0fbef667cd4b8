"""Shapes the templates draw from: numbers for the timeline, labels for badges.

Presentation only: what a script *is* comes from the repositories and the domain
(``shared.script.diff`` decides what changed between versions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.db.models import ApprovalStatus, VideoScript, Voiceover, VoiceoverStatus
from web.schemas.voiceovers import VoiceoverManifestSchema

DECISION_LABELS = {
    ApprovalStatus.PENDING: "Pending review",
    ApprovalStatus.APPROVED: "Approved",
    ApprovalStatus.REJECTED: "Rejected",
    ApprovalStatus.NEEDS_REVISION: "Needs revision",
}
VOICEOVER_LABELS = {
    VoiceoverStatus.NONE: "No voiceover",
    VoiceoverStatus.QUEUED: "Voiceover queued",
    VoiceoverStatus.READY: "Voiceover ready",
    VoiceoverStatus.FAILED: "Voiceover failed",
}


@dataclass(frozen=True)
class Segment:
    """One section on the timeline, as a share of the script's length (to scale)."""

    index: int
    title: str
    scene_type: str
    seconds: int
    start_pct: float
    width_pct: float


def timeline(sections: list[dict[str, Any]]) -> list[Segment]:
    total = sum(int(section["duration_seconds"]) for section in sections) or 1
    segments, start = [], 0
    for index, section in enumerate(sections):
        seconds = int(section["duration_seconds"])
        segments.append(Segment(index=index, title=section["title"],
                                scene_type=section["scene_type"], seconds=seconds,
                                start_pct=round(100 * start / total, 3),
                                width_pct=round(100 * seconds / total, 3)))
        start += seconds
    return segments


def warnings_of(script: VideoScript) -> list[str]:
    """Everything a reviewer should know before approving, in one list."""
    found = list(script.validation_warnings)
    found.extend(script.script_metadata.get("instruction_warnings") or [])
    reason = script.script_metadata.get("fallback_reason")
    if script.fallback_used:
        found.insert(0, "Written by the offline fallback, not the LLM"
                        + (f" ({reason})." if reason else "."))
    return found


def voiceover_view(voiceover: Voiceover | None) -> dict[str, Any] | None:
    """The API's manifest of the voiceover, plus its offenders by section index."""
    if voiceover is None:
        return None
    manifest: dict[str, Any] = VoiceoverManifestSchema().dump(voiceover)
    manifest["offenders_by_index"] = {o["index"]: o for o in manifest["timing_offenders"]}
    manifest["measured_by_index"] = {s["index"]: s["measured_seconds"]
                                     for s in manifest["sections"]}
    manifest["ready"] = voiceover.status == VoiceoverStatus.READY and bool(voiceover.full_path)
    return manifest
