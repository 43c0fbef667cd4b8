"""Schema base class: strict about unknown fields and NUL characters (§6)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma


class StrictSchema(ma.Schema):
    """Rejects unknown fields and any string holding a NUL (Postgres cannot store one)."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _reject_nul(self, data: Any, **_kwargs: Any) -> Any:
        errors: dict[str, Any] = {}
        if isinstance(data, dict):
            for name, value in data.items():
                if _contains_nul(value):
                    errors[str(name)] = ["Must not contain NUL characters."]
        if errors:
            raise ma.ValidationError(errors)
        return data


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


class PaginationSchema(StrictSchema):
    limit = ma.fields.Integer(
        load_default=20, validate=ma.validate.Range(min=1, max=100),
        metadata={"description": "Page size, 1–100."},
    )
    offset = ma.fields.Integer(
        load_default=0, validate=ma.validate.Range(min=0),
        metadata={"description": "Rows to skip."},
    )
