"""Read rows straight from a database by URL, outside any app or runtime session."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, create_engine, select
from sqlalchemy.orm import Session

M = TypeVar("M")


def rows_of(url: str, model: type[M], *where: ColumnElement[bool]) -> list[M]:
    """``model`` rows matching ``where``, read with a connection of their own."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(model).where(*where)))
    finally:
        engine.dispose()
