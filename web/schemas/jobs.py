"""Job payloads (§4) and the generate request (§6)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from shared.db.models import Job, JobKind, JobStatus
from shared.jobs.views import job_document
from shared.script.types import Style
from web.schemas.base import PaginationSchema, StrictBoolean, StrictSchema, id_field


class GenerateRequestSchema(StrictSchema):
    demo_site_id = id_field(required=True, strict=True)
    lead_id = id_field(strict=True, metadata={"description": "Must be the site's lead."})
    style = ma.fields.String(
        load_default=Style.PROFESSIONAL.value, validate=validate.OneOf([s.value for s in Style])
    )
    max_duration_seconds = ma.fields.Integer(
        load_default=120, strict=True, validate=validate.Range(min=30, max=300)
    )
    include_intro = StrictBoolean(load_default=True)
    include_cta = StrictBoolean(load_default=True)
    custom_instructions = ma.fields.String(
        allow_none=True, validate=validate.Length(max=2000),
        metadata={"description": "Tone or emphasis wishes; treated as untrusted data."},
    )
    model = ma.fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Explicit model; only when LLM_ALLOW_MODEL_OVERRIDE is set."},
    )
    voiceover = StrictBoolean(load_default=True)


class JobSchema(ma.Schema):
    """Dumps ``shared.jobs.views.job_document``, which job.* webhook events carry too."""

    id = ma.fields.UUID()
    kind = ma.fields.Enum(JobKind, by_value=True)
    status = ma.fields.Enum(JobStatus, by_value=True)
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)
    attempts = ma.fields.Integer()
    progress = ma.fields.Integer()
    params = ma.fields.Dict()
    result = ma.fields.Dict(allow_none=True)
    error = ma.fields.Dict(allow_none=True)
    links = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                           metadata={"description": "self, and result once there is one."})

    @ma.pre_dump
    def _document(self, job: Job, **_kwargs: Any) -> dict[str, Any]:
        return job_document(job)


class JobListQuerySchema(PaginationSchema):
    status = ma.fields.Enum(JobStatus, by_value=True)
    kind = ma.fields.Enum(JobKind, by_value=True)
