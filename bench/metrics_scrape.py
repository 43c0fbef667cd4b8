"""Cost of one ``/metrics`` scrape's database and broker reads at scale (not a test).

Seeds a fresh Postgres database with N jobs (four kinds, finished and unfinished) and M
ledger rows (three models, several outcomes) with ``generate_series``, then times the
deployment collector's uncached read (three aggregate queries plus one Redis pipeline of
queue lengths) R times, and reports p50 / p95 / max. The cache (``METRICS_CACHE_SECONDS``)
only bounds how often this cost is paid.

    .venv/bin/python bench/metrics_scrape.py --jobs 200000 --calls 1000000 --runs 20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import ADMIN_URL, fresh_database  # noqa: E402
from shared.db.session import make_engine, make_session_factory  # noqa: E402
from shared.db.tenancy import ALL_TENANTS, scope_session  # noqa: E402
from shared.observability.collector import (  # noqa: E402
    JOB_DURATION_BUCKETS,
    DeploymentCollector,
    celery_queues,
)
from shared.repositories import metrics as repository  # noqa: E402

BENCH_DB = "scriptforge_metrics_bench"
MODELS = ("anthropic/claude-sonnet-4", "openai/gpt-4-turbo", "anthropic/claude-3-haiku")


def seed(url: str, jobs: int, calls: int) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("""
            INSERT INTO jobs (id, tenant_id, kind, status, params, attempts, progress,
                              created_at, started_at, finished_at, updated_at)
            SELECT gen_random_uuid(), 1,
                   (ARRAY['generate_script','regenerate_section','voiceover','batch'])[1 + i % 4],
                   (ARRAY['succeeded','succeeded','succeeded','failed','queued','running'])
                       [1 + i % 6],
                   '{}'::jsonb, 1, 100,
                   now() - make_interval(secs => i),
                   CASE WHEN i % 6 < 4 OR i % 6 = 5
                        THEN now() - make_interval(secs => i) END,
                   CASE WHEN i % 6 < 4
                        THEN now() - make_interval(secs => i) + make_interval(secs => i % 700)
                   END,
                   now()
            FROM generate_series(1, :jobs) AS i
        """), {"jobs": jobs})
        connection.execute(text("""
            INSERT INTO llm_calls (tenant_id, attempt, sequence, model, tier, purpose, outcome,
                                   prompt_tokens, completion_tokens, cost_usd, cost_source,
                                   latency_seconds, created_at)
            SELECT 1, 1, i, (CAST(:models AS text[]))[1 + i % 3],
                   (ARRAY['premium','mid','budget'])[1 + i % 3], 'generate',
                   (ARRAY['success','success','success','success','transient_error',
                          'invalid_reply','interrupted','in_flight'])[1 + i % 8],
                   1200, 900, 0.0123, 'computed', 2.5,
                   now() - make_interval(secs => i)
            FROM generate_series(1, :calls) AS i
        """), {"calls": calls, "models": list(MODELS)})
        connection.execute(text("ANALYZE jobs"))
        connection.execute(text("ANALYZE llm_calls"))
    engine.dispose()


def report(what: str, timings: list[float]) -> None:
    timings = sorted(timings)
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    print(f"{what}: p50 {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms, "
          f"max {timings[-1]:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=200_000)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    url = fresh_database(BENCH_DB)
    started = time.perf_counter()
    seed(url, args.jobs, args.calls)
    print(f"seeded {args.jobs:,} jobs and {args.calls:,} ledger rows in "
          f"{time.perf_counter() - started:.1f} s")

    engine = make_engine(url, pool_size=2, max_overflow=0, connect_timeout_seconds=5)
    broker = redis.Redis.from_url(args.redis, socket_timeout=1, socket_connect_timeout=1)
    collector = DeploymentCollector(
        session_factory=make_session_factory(engine), broker=broker,
        key_prefix="sf-metrics-bench:", queues=celery_queues(), models=MODELS,
        cache_seconds=0)
    list(collector.collect())  # warm the connection and the caches once
    timings = []
    for _ in range(args.runs):
        began = time.perf_counter()
        families = list(collector.collect())
        timings.append((time.perf_counter() - began) * 1000)
    samples = sum(len(family.samples) for family in families)
    report(f"{args.runs} uncached reads, {samples} samples each", timings)
    factory = make_session_factory(engine)
    queries = {
        "job_counts": repository.job_counts,
        "job_duration_histograms": lambda s: repository.job_duration_histograms(
            s, JOB_DURATION_BUCKETS),
        "llm_call_totals": repository.llm_call_totals,
    }
    for name, query in queries.items():
        each = []
        for _ in range(args.runs):
            session = scope_session(factory(), ALL_TENANTS)
            began = time.perf_counter()
            query(session)
            each.append((time.perf_counter() - began) * 1000)
            session.close()
        report(f"  {name}", each)
    engine.dispose()
    broker.close()
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
