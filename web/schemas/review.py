"""Review desk forms and query strings (§14), validated here once like the API's bodies.

Form posts carry ``csrf_token`` (checked by Flask-WTF before a view runs); views pick
their own fields out of the form and load them with these schemas, or with the API's
(:class:`~web.schemas.scripts.RegenerateRequestSchema`, :class:`ApprovalRequestSchema`),
so a form and the matching API call accept exactly the same values.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from shared.db.models import ApprovalStatus
from shared.script.types import Style
from web.schemas.base import NOT_BLANK, StrictSchema, id_field

# Longer than any key (sf_ + 43), short enough that a pasted novel is refused at once.
KEY_MAX_CHARS = 200
MAX_PAGE = 10**6


class _DropEmpty(StrictSchema):
    """An HTML form sends ``style=`` for "any style": an empty value means not given."""

    @ma.pre_load
    def _drop_empty(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, dict):
            return {name: value for name, value in data.items() if value != ""}
        return data


class SignInSchema(StrictSchema):
    key = ma.fields.String(required=True,
                           validate=[validate.Length(min=1, max=KEY_MAX_CHARS), NOT_BLANK])
    next = ma.fields.String(load_default=None, validate=validate.Length(max=2000))


class ScriptFilterSchema(_DropEmpty):
    style = ma.fields.Enum(Style, by_value=True, load_default=None)
    status = ma.fields.Enum(ApprovalStatus, by_value=True, load_default=None)
    lead_id = id_field(load_default=None)
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


class CompareQuerySchema(StrictSchema):
    other = id_field(required=True)

