"""Apply Alembic migrations from code (embedded start-up and tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from filelock import FileLock
from sqlalchemy.engine import make_url

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
# Generous: a first migration of a fresh file takes well under a second, but a slow disk
# or a busy machine must not make a starting process give up while another one migrates.
MIGRATION_LOCK_TIMEOUT_SECONDS = 120


def alembic_config(database_url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a file-backed SQLite URL; None for other databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def upgrade_to_head(database_url: str) -> None:
    """Migrate to head; safe when several processes start on one SQLite file together.

    Embedded mode migrates on start, and gunicorn starts several workers at once: without
    mutual exclusion each sees an empty file, each creates the tables, and all but one die
    ("table jobs already exists"). An exclusive lock on a file next to the database
    serialises them; whoever comes second finds the file at head and does nothing.
    Postgres is migrated once per deploy by the ``release`` process, not on start; two
    release processes at once are serialised by an advisory lock in ``migrations/env.py``.
    """
    database = sqlite_file(database_url)
    if database is None:
        command.upgrade(alembic_config(database_url), "head")
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(f"{database}.migrate.lock", timeout=MIGRATION_LOCK_TIMEOUT_SECONDS)
    with lock:
        command.upgrade(alembic_config(database_url), "head")
