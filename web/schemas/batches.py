"""Batch progress (§6, §8)."""

from __future__ import annotations

import marshmallow as ma

from shared.db.models import BatchStatus


class BatchSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.Enum(BatchStatus, by_value=True)
    trigger = ma.fields.String(metadata={"description": "nightly or manual"})
    since = ma.fields.DateTime(
        allow_none=True,
        metadata={"description": "Demo sites created from here on were candidates (null: all)."},
    )
    started_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)
    found = ma.fields.Integer()
    enqueued = ma.fields.Integer()
    succeeded = ma.fields.Integer()
    failed = ma.fields.Integer()
    error = ma.fields.String(allow_none=True)
