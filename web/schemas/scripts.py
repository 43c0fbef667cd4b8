"""Video script payloads (§3.3)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from shared.db.models import ApprovalStatus, VoiceoverStatus
from shared.script.types import SceneType, Style, Tier
from web.parsing import MAX_INT32
from web.schemas.base import (
    NOT_BLANK,
    PaginationSchema,
    QueryBoolean,
    StrictBoolean,
    StrictSchema,
    id_field,
)


class SectionSchema(ma.Schema):
    title = ma.fields.String()
    content = ma.fields.String(metadata={"description": "Voiceover text."})
    duration_seconds = ma.fields.Integer()
    scene_type = ma.fields.String(
        metadata={"enum": [s.value for s in SceneType]}
    )
    visual_cues = ma.fields.List(ma.fields.String())
    camera_instructions = ma.fields.String(allow_none=True)


class VideoScriptSchema(ma.Schema):
    id = ma.fields.Integer()
    demo_site_id = ma.fields.Integer()
    lead_id = ma.fields.Integer()
    job_id = ma.fields.UUID(allow_none=True)
    script_style = ma.fields.Enum(Style, by_value=True)
    sections = ma.fields.List(ma.fields.Nested(SectionSchema))
    total_duration_seconds = ma.fields.Integer()
    max_duration_seconds = ma.fields.Integer()
    target_audience = ma.fields.String()
    key_messages = ma.fields.List(ma.fields.String())
    ai_model_used = ma.fields.String()
    ai_tier = ma.fields.Enum(Tier, by_value=True, allow_none=True)
    ai_cost = ma.fields.Float(metadata={"description": "USD, the sum of the ledger rows."})
    prompt_tokens = ma.fields.Integer()
    completion_tokens = ma.fields.Integer()
    generation_time_seconds = ma.fields.Float()
    fallback_used = ma.fields.Boolean()
    metadata = ma.fields.Dict(attribute="script_metadata")
    validation_warnings = ma.fields.List(ma.fields.String())
    is_approved = ma.fields.Enum(ApprovalStatus, by_value=True)
    approved_by = ma.fields.String(allow_none=True)
    approved_at = ma.fields.DateTime(allow_none=True)
    approval_notes = ma.fields.String(allow_none=True)
    version = ma.fields.Integer()
    parent_script_id = ma.fields.Integer(allow_none=True)
    voiceover_status = ma.fields.Enum(VoiceoverStatus, by_value=True)
    video_generated = ma.fields.Boolean()
    video_id = ma.fields.String(allow_none=True)
    video_url = ma.fields.String(allow_none=True)
    times_viewed = ma.fields.Integer()
    last_viewed_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    deleted_at = ma.fields.DateTime(allow_none=True)
    is_deleted = ma.fields.Boolean()


class IncludeDeletedQuerySchema(StrictSchema):
    include_deleted = QueryBoolean(
        load_default=False, metadata={"description": "Also return soft-deleted scripts."}
    )


class ScriptListQuerySchema(PaginationSchema):
    lead_id = id_field()
    demo_site_id = id_field()
    style = ma.fields.Enum(Style, by_value=True)
    is_approved = ma.fields.Enum(ApprovalStatus, by_value=True)
    include_deleted = QueryBoolean(load_default=False)


class RegenerateRequestSchema(StrictSchema):
    instructions = ma.fields.String(
        required=True, validate=[validate.Length(min=1, max=2000), NOT_BLANK],
        metadata={"description": "What to change in this section; treated as untrusted data.",
                  "example": "Open with the subscription numbers and keep it under 20 seconds."},
    )
    section_index = ma.fields.Integer(
        strict=True, validate=validate.Range(min=0, max=MAX_INT32),
        metadata={"description": "Optional; must equal the path's index."},
    )
    voiceover = StrictBoolean(load_default=True)


class ApprovalRequestSchema(StrictSchema):
    is_approved = ma.fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in ApprovalStatus if s != ApprovalStatus.PENDING]),
        metadata={"example": "approved"},
    )
    approved_by = ma.fields.String(
        required=True, validate=[validate.Length(min=1, max=255), NOT_BLANK],
        metadata={"example": "maya.reviewer@example.com"},
    )
    approval_notes = ma.fields.String(
        allow_none=True, validate=validate.Length(max=5000),
        metadata={"example": "Version 3 has the strongest opening."},
    )


class ApprovalSchema(ma.Schema):
    id = ma.fields.Integer()
    script_id = ma.fields.Integer(allow_none=True)
    script_version = ma.fields.Integer()
    decision = ma.fields.Enum(ApprovalStatus, by_value=True)
    approved_by = ma.fields.String()
    notes = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class DeleteQuerySchema(StrictSchema):
    hard_delete = QueryBoolean(
        load_default=False,
        metadata={"description": "Remove the row and its audio for good (cost history stays)."},
    )
