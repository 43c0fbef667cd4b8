"""OpenAPI description of the ``X-Total-Count`` header that list endpoints return."""

from __future__ import annotations

from typing import Any


def total_count_header() -> dict[str, Any]:
    return {
        "X-Total-Count": {
            "description": "Rows matching the filters, ignoring limit and offset.",
            "schema": {"type": "integer"},
        }
    }
