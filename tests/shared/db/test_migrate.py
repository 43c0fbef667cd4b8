"""Embedded start-up migrates safely when several processes start at once (issue 8, #13).

gunicorn's default two workers each build the app, and each migrates the embedded SQLite
file on start; without a lock both create the tables and one dies ("table jobs already
exists"). These are real processes released together by a barrier.
"""

from __future__ import annotations

import multiprocessing
import traceback
from multiprocessing.synchronize import Barrier
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

PROCESSES = 6


def _migrate_when_released(url: str, barrier: Barrier, results: multiprocessing.Queue) -> None:
    from shared.db.migrate import upgrade_to_head

    barrier.wait(timeout=60)
    try:
        upgrade_to_head(url)
        results.put("ok")
    except Exception:
        results.put(traceback.format_exc())


def test_processes_starting_together_all_migrate_one_sqlite_file(tmp_path: Path) -> None:
    database = tmp_path / "var" / "scriptforge.db"  # var/ does not exist yet either
    url = f"sqlite:///{database}"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results: multiprocessing.Queue = context.Queue()
    processes = [context.Process(target=_migrate_when_released, args=(url, barrier, results))
                 for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)

    assert outcomes == ["ok"] * PROCESSES, "\n".join(o for o in outcomes if o != "ok")
    assert all(process.exitcode == 0 for process in processes)
    engine = create_engine(url)
    try:
        assert "jobs" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert len(versions) == 1
    finally:
        engine.dispose()
