"""Batch benchmark: enqueue the new-leads batch for 10,000 demo sites (not a test).

Seeds N leads and demo sites in a fresh Postgres database, then runs the batch job code
in this process with a publisher that only counts (the broker is not what is measured),
and reports time and memory: the Python heap peak while enqueueing (tracemalloc) and the
process's peak RSS growth. Chunked keyset enqueueing should keep both flat in N.

    .venv/bin/python bench/batch.py --sites 10000 --chunk 500
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import create_engine, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_database  # noqa: E402
from shared.config import load_settings  # noqa: E402
from shared.db.models import Batch, DemoSite, Lead, Tenant  # noqa: E402
from shared.db.tenancy import ALL_TENANTS  # noqa: E402
from shared.db.types import utcnow  # noqa: E402
from shared.jobs.batch import start_nightly_batch  # noqa: E402
from shared.jobs.runner import run_job  # noqa: E402
from shared.repositories.tenants import DEFAULT_TENANT_SLUG  # noqa: E402
from tests.support.runtime import recording_runtime  # noqa: E402

BENCH_DB = "scriptforge_batch_bench"
PLAN = {"overall_strategy": "Faster pages and a clearer checkout",
        "improvements": [{"title": "Compress hero images", "impact": "high",
                          "metrics": {"before": "4.8s LCP", "after": "1.9s LCP"}},
                         {"title": "One-page checkout", "impact": "medium"}]}


def seed(sites: int) -> str:
    url = fresh_database(BENCH_DB)
    engine = create_engine(url)
    now = utcnow()
    with engine.begin() as connection:
        # The migration's tenant "default" owns the seeded rows (one tenant, one batch).
        tenant = connection.execute(
            select(Tenant.id).where(Tenant.slug == DEFAULT_TENANT_SLUG)).scalar_one()
        connection.execute(insert(Lead), [
            {"company_name": f"Lead {i}", "value": i % 70_000, "created_at": now,
             "tenant_id": tenant} for i in range(sites)])
        connection.execute(insert(DemoSite), [
            {"lead_id": i + 1, "url": f"https://lead{i}.example", "improvement_plan": PLAN,
             "created_at": now, "tenant_id": tenant} for i in range(sites)])
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=500)
    args = parser.parse_args()

    started = time.monotonic()
    bench_url = seed(args.sites)
    print(f"seeded {args.sites} leads and demo sites in {time.monotonic() - started:.1f}s")

    settings = load_settings(database_url=bench_url, batch_chunk_size=args.chunk,
                             log_level="WARNING")
    runtime, publisher = recording_runtime(settings)
    [batch_job] = start_nightly_batch(runtime)  # one tenant
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.monotonic()
    run_job(runtime, batch_job)
    elapsed = time.monotonic() - started
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    with runtime.session(ALL_TENANTS) as session:  # a look across the deployment
        batch = session.query(Batch).one()
        found, enqueued = batch.found, batch.enqueued
    runtime.db_engine.dispose()
    print(f"batch: found={found} enqueued={enqueued} published={len(publisher.published) - 1} "
          f"chunk={args.chunk}")
    print(f"enqueue time: {elapsed:.1f}s ({enqueued / elapsed:.0f} jobs/s)")
    print(f"python heap peak while enqueueing: {heap_peak / 2**20:.1f} MiB "
          f"(tracemalloc; includes the recording publisher's list of {enqueued} ids)")
    print(f"peak RSS growth: {rss_growth / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
