"""Pagination: the API's ``X-Total-Count`` header, and page numbers for the review desk.

The API pages with ``limit``/``offset`` and reports the total in a header; the review
desk's list pages by page number over the same repository call. Both come from here so
there is one idea of a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def total_count_header() -> dict[str, Any]:
    return {
        "X-Total-Count": {
            "description": "Rows matching the filters, ignoring limit and offset.",
            "schema": {"type": "integer"},
        }
    }


@dataclass(frozen=True)
class Page:
    """Page ``number`` (1-based) of ``size`` rows; ``total`` is known after the query."""

    number: int
    size: int
    total: int = 0

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def with_total(self, total: int) -> Page:
        return Page(number=self.number, size=self.size, total=total)
