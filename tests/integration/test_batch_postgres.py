"""Two beats started by mistake cannot double the nightly batch (Postgres, real threads)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import func, select

from shared.config import Settings
from shared.db.models import Batch, Job, JobKind
from shared.jobs.batch import start_nightly_batch
from tests.support.runtime import recording_runtime


def test_concurrent_nightly_starts_make_one_batch(
    postgres_url: str, make_settings: Callable[..., Settings]
) -> None:
    rt, publisher = recording_runtime(make_settings(database_url=postgres_url))
    try:
        night = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda _: start_nightly_batch(rt, night), range(8)))
        assert sum(len(result) for result in results) == 1  # one tenant, one batch
        with rt.session() as session:
            assert session.scalar(select(func.count()).select_from(Batch)) == 1
            assert session.scalar(select(func.count()).select_from(Job)
                                  .where(Job.kind == JobKind.BATCH)) == 1
        assert len(publisher.of_kind(JobKind.BATCH)) == 1
    finally:
        rt.db_engine.dispose()
