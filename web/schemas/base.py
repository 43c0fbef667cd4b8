"""Schema building blocks: strict about unknown fields, types, ranges and text (§6).

Input is validated once, here, with limits that match the columns it is stored in, and
the same limits are what the OpenAPI document says (a request the document calls valid
is accepted; one it calls invalid is a 4xx naming the field).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, cast

import marshmallow as ma
from marshmallow import validate

from web.parsing import MAX_ID, MAX_INT32


class StrictSchema(ma.Schema):
    """Rejects unknown fields and text Postgres cannot store (NUL, lone surrogates)."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _reject_unstorable_text(self, data: Any, **_kwargs: Any) -> Any:
        errors: dict[str, Any] = {}
        if isinstance(data, dict):
            for name, value in data.items():
                problem = unstorable_text(value)
                if problem:
                    errors[str(name)] = [problem]
        if errors:
            raise ma.ValidationError(errors)
        return data


def unstorable_text(value: Any) -> str | None:
    """Why a string somewhere in ``value`` (keys included) cannot be stored, or None.

    Iterative, so a deeply nested document cannot exhaust the stack here. A lone surrogate
    (JSON ``"\\ud800"``) decodes to a Python string that no UTF-8 database can store.
    """
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return "Must not contain NUL characters."
            if _SURROGATE.search(node):
                return "Must not contain unpaired surrogates (not valid Unicode text)."
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")

# "Blank" is what the domain's whitespace stripping (pydantic: Unicode White_Space) would
# leave empty, so a title of spaces is refused here, not by the job that later uses it.
# The class is spelled out because Python's ``\s`` and JSON Schema's (ECMA) ``\s`` differ,
# and this pattern is also the OpenAPI document's.
_BLANK = (r"\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
          r"\u3000\ufeff")
NOT_BLANK = validate.Regexp(f"^[{_BLANK}]*[^{_BLANK}]", error="Must not be blank.")

# http(s), a host name or address, an optional port, then anything without whitespace.
# Also the OpenAPI pattern, so what the document calls a URL is what is accepted.
HTTP_URL_PATTERN = (
    r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?"
    f"(?:[/?#][^{_BLANK}]*)?$"
)


class _FullMatch(validate.Regexp):
    """``validate.Regexp`` anchored at both ends (``$`` alone also matches before a
    trailing newline in Python)."""

    def __call__(self, value: Any) -> Any:
        regex = cast("re.Pattern[str]", self.regex)
        if not isinstance(value, str) or regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


# The same, also taking a bracketed IPv6 address as the host (webhook destinations, which
# the SSRF guard then judges by address).
HTTP_URL_PATTERN_WITH_IPV6 = (
    r"^https?://(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
    f"(?::[0-9]{{1,5}})?(?:[/?#][^{_BLANK}]*)?$"
)


def http_url(*, max_length: int = 2048, ipv6: bool = False) -> list[validate.Validator]:
    pattern = HTTP_URL_PATTERN_WITH_IPV6 if ipv6 else HTTP_URL_PATTERN
    return [validate.Length(min=1, max=max_length),
            _FullMatch(pattern, error="Not a valid http(s) URL.")]


def id_field(**kwargs: Any) -> ma.fields.Integer:
    """An id as it may appear in a body (strict JSON integer) or a query (a string)."""
    kwargs.setdefault("validate", validate.Range(min=1, max=MAX_ID))
    return ma.fields.Integer(**kwargs)


class StrictBoolean(ma.fields.Boolean):
    """A JSON ``true``/``false`` only (marshmallow also takes 1, "yes", "on", …)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class QueryBoolean(ma.fields.Boolean):
    """A query flag: exactly ``true`` or ``false``, as the OpenAPI document says."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(truthy={"true"}, falsy={"false"}, **kwargs)


class StrictDecimal(ma.fields.Decimal):
    """A JSON number only (not a numeric string), loaded exactly as a Decimal."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise self.make_error("invalid", input=value)
        # Ranges apply to the number as sent, before rounding to ``places``: the document's
        # maximum 999999999999.99 must refuse 999999999999.9901, not round it into range.
        exact = Decimal(str(value))
        if exact.is_finite():
            for validator in self.validators:
                if isinstance(validator, validate.Range):
                    validator(exact)
        return super()._deserialize(value, attr, data, **kwargs)


class PaginationSchema(StrictSchema):
    limit = ma.fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=100),
        metadata={"description": "Page size, 1–100."},
    )
    offset = ma.fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=MAX_ID),
        metadata={"description": "Rows to skip."},
    )


__all__ = [
    "MAX_ID", "MAX_INT32", "NOT_BLANK", "PaginationSchema", "QueryBoolean", "StrictBoolean",
    "StrictDecimal", "StrictSchema", "http_url", "id_field",
]
