"""Lookups shared by the repositories."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from shared.db.models import Base
from shared.errors import NotFoundError

M = TypeVar("M", bound=Base)


def get_or_raise(session: Session, model: type[M], ident: int, kind: str) -> M:
    """The row with primary key ``ident``, or NotFoundError naming ``kind`` (an API 404)."""
    row = session.get(model, ident)
    if row is None:
        raise NotFoundError(kind, ident)
    return row
