"""Analytics benchmark: GET /costs and /stats queries over 1,000,000 ledger rows (not a test).

Seeds a fresh Postgres database with five tenants sharing N ledger rows (50 %, 20 %, 15 %,
10 %, 5 %) spread over the last 365 days, one script record per three calls, as many
jobs, scripts with view counts, and voiceovers; runs ``VACUUM ANALYZE`` (what autovacuum
does to a live ledger); then times each query shape of the reports for the largest tenant
through the repository functions the endpoints call, in a tenant-scoped session, and
prints p50/p95 per shape. ``--plain-index`` rebuilds the ledger's (tenant_id, created_at)
index without its covering columns, to compare.

GET /costs runs with the daily rollup of settled days (``LEDGER_SETTLE_SECONDS``' default),
as the endpoint does: the first request of a window sums its settled days (timed apart,
"fill"), the runs after read the sums. ``--live`` times the ledger-only query instead.

    .venv/bin/python bench/analytics.py --rows 1000000 --runs 30
    .venv/bin/python bench/analytics.py --reuse --live --runs 30
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_database  # noqa: E402
from bench.harness import percentile  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.db.session import make_engine, make_session_factory, session_scope  # noqa: E402
from shared.db.types import utcnow  # noqa: E402
from shared.repositories.analytics import (  # noqa: E402
    GROUP_BYS,
    Window,
    cost_report,
    stats_report,
)

BENCH_DB = "scriptforge_analytics_bench"
SHARES = (0.5, 0.2, 0.15, 0.1, 0.05)
LEADS_PER_TENANT = 2000

SEED_SQL = [
    # Tenants 2..6 ("default" is 1 and stays empty).
    """INSERT INTO tenants (slug, name, monthly_budget_usd, created_at)
       SELECT 'bench-' || t, 'Bench ' || t, 500, now() FROM generate_series(1, :tenants) t""",
    """INSERT INTO leads (tenant_id, company_name, value, created_at)
       SELECT t.id, 'Lead ' || i, i * 37 % 70000, now() - interval '400 days'
       FROM tenants t, generate_series(1, :leads) i WHERE t.slug LIKE 'bench-%'""",
    """INSERT INTO demo_sites (tenant_id, lead_id, url, improvement_plan, created_at)
       SELECT tenant_id, id, 'https://lead' || id || '.example', '{"improvements": []}',
              created_at FROM leads""",
    # Ledger: tenant by share, a random moment in the last 365 days.
    """CREATE TEMP TABLE shares AS
       SELECT t.id AS tenant_id, s.share, sum(s.share) OVER (ORDER BY t.id) AS upto
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM tenants
             WHERE slug LIKE 'bench-%') t
       JOIN unnest(CAST(:shares AS float8[])) WITH ORDINALITY AS s(share, n) ON s.n = t.n""",
    """INSERT INTO llm_calls (tenant_id, attempt, sequence, model, tier, script_style, lead_id,
           purpose, outcome, prompt_tokens, completion_tokens, cost_usd, cost_source,
           latency_seconds, created_at)
       SELECT (SELECT tenant_id FROM shares WHERE upto >= r.u ORDER BY upto LIMIT 1),
              1, i,
              (ARRAY['anthropic/claude-sonnet-4', 'openai/gpt-4-turbo',
                     'anthropic/claude-3-haiku', 'openai/gpt-4o-mini',
                     'meta/llama-3-70b'])[1 + i % 5],
              (ARRAY['premium', 'mid', 'budget'])[1 + i % 3],
              (ARRAY['professional', 'casual', 'technical', 'sales'])[1 + i % 4],
              1 + (i::bigint * 7919) % :leads,
              'generate', CASE WHEN i % 50 = 0 THEN 'error' ELSE 'ok' END,
              900 + i % 700, 400 + i % 300, (i % 1000) / 100000.0, 'provider', 1.5,
              now() - random() * interval '365 days'
       FROM generate_series(1, :rows) i, LATERAL (SELECT random() + 0 * i AS u) r""",
    # Lead ids above are per-tenant positions: map them onto each tenant's real leads.
    """UPDATE llm_calls c SET lead_id = l.id FROM
       (SELECT id, tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS n
        FROM leads) l WHERE l.tenant_id = c.tenant_id AND l.n = c.lead_id""",
    """INSERT INTO jobs (id, tenant_id, kind, status, params, attempts, progress, created_at,
           updated_at, started_at, finished_at)
       SELECT gen_random_uuid(), tenant_id,
              CASE WHEN id % 10 = 0 THEN 'regenerate_section' ELSE 'generate_script' END,
              CASE WHEN id % 40 = 0 THEN 'failed' ELSE 'succeeded' END,
              '{}', 1, 100, created_at, created_at, created_at, created_at
       FROM llm_calls WHERE id % 3 = 0""",
    """INSERT INTO video_scripts (tenant_id, demo_site_id, lead_id, lineage_id, version,
           script_style, sections, total_duration_seconds, max_duration_seconds,
           target_audience, key_messages, ai_model_used, ai_tier, ai_cost, prompt_tokens,
           completion_tokens, generation_time_seconds, fallback_used, metadata,
           validation_warnings, is_approved, voiceover_status, video_generated, times_viewed,
           created_at, updated_at, is_deleted)
       SELECT c.tenant_id, c.lead_id, c.lead_id, gen_random_uuid(), 1, c.script_style, '[]',
              110 + c.id % 11, 120, '', '[]', c.model, c.tier, c.cost_usd, c.prompt_tokens,
              c.completion_tokens, 2 + (c.id % 97) / 10.0, c.id % 200 = 0, '{}', '[]',
              'pending', 'none', false, (c.id * 31) % 50, c.created_at, c.created_at, false
       FROM llm_calls c WHERE c.id % 3 = 0""",
    """INSERT INTO script_records (tenant_id, script_id, lead_id, script_style, fallback_used,
           generation_time_seconds, total_duration_seconds, max_duration_seconds, created_at)
       SELECT tenant_id, id, lead_id, script_style, fallback_used, generation_time_seconds,
              total_duration_seconds, max_duration_seconds, created_at FROM video_scripts""",
    """INSERT INTO voiceovers (tenant_id, script_id, status, engine, voice, sections,
           total_planned_seconds, total_measured_seconds, timing_error_pct, created_at,
           updated_at)
       SELECT tenant_id, id, 'ready', 'espeak-ng', 'en-us', '[]', 120,
              120 + (id % 21 - 10), (id % 21 - 10) / 1.2, created_at, created_at
       FROM video_scripts WHERE id % 3 = 0""",
]


def seed(rows: int, database: str) -> str:
    url = fresh_database(database)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    started = time.monotonic()
    with engine.connect() as connection:
        params = {"tenants": len(SHARES), "leads": LEADS_PER_TENANT, "rows": rows,
                  "shares": list(SHARES)}
        for statement in SEED_SQL:
            connection.execute(text(statement), params)
        connection.execute(text("VACUUM ANALYZE"))
        counts = {table: connection.scalar(text(f"SELECT count(*) FROM {table}"))
                  for table in ("llm_calls", "script_records", "jobs", "voiceovers")}
    engine.dispose()
    print(f"seeded in {time.monotonic() - started:.0f} s: {counts}")
    return url


def plain_index(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP INDEX ix_llm_calls_tenant_created"))
        connection.execute(text(
            "CREATE INDEX ix_llm_calls_tenant_created ON llm_calls (tenant_id, created_at)"))
        connection.execute(text("ANALYZE llm_calls"))
    engine.dispose()


def clear_rollup(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("TRUNCATE ledger_daily, ledger_days"))
    engine.dispose()


def measure(url: str, runs: int, live: bool) -> None:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    factory = make_session_factory(engine)
    with engine.connect() as connection:
        tenant, calls = connection.execute(text(
            "SELECT tenant_id, count(*) FROM llm_calls GROUP BY tenant_id "
            "ORDER BY count(*) DESC LIMIT 1")).one()
    today = utcnow().date()
    windows = {
        "30 days": Window(since=today - timedelta(days=29), until=today),
        "365 days": Window(since=today - timedelta(days=364), until=today),
        "all time": Window(),
        "one day": Window(since=today - timedelta(days=7), until=today - timedelta(days=7)),
    }
    margin = None if live else timedelta(seconds=Settings().ledger_settle_seconds)
    print(f"largest tenant {tenant}: {calls:,} ledger rows; {runs} runs per shape "
          f"(after 3 warm-up runs); {'ledger only' if live else 'rollup of settled days'}; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    if not live:
        clear_rollup(url)
        for name, window in windows.items():
            with session_scope(factory, tenant) as session:
                started = time.perf_counter()
                cost_report(session, tenant_id=tenant, window=window, group_by="model",
                            settle_margin=margin)
                print(f"fill {name}: {(time.perf_counter() - started) * 1000:.0f} ms "
                      "(first request, sums the settled days not summed yet)")
        print()
    print("| query | window | p50 ms | p95 ms | groups |")
    print("|---|---|---|---|---|")
    shapes: list[tuple[str, str, object]] = []
    for group_by in GROUP_BYS:
        for name, window in windows.items():
            shapes.append((f"costs group_by={group_by}", name,
                           lambda s, w=window, g=group_by: len(
                               cost_report(s, tenant_id=tenant, window=w, group_by=g,
                                           settle_margin=margin).groups)))
    for name, window in windows.items():
        shapes.append(("stats", name, lambda s, w=window: len(
            stats_report(s, window=w).jobs)))
    for label, window_name, run in shapes:
        timings: list[float] = []
        size = 0
        for attempt in range(runs + 3):
            with session_scope(factory, tenant) as session:
                started = time.perf_counter()
                size = run(session)  # type: ignore[operator]
                elapsed = (time.perf_counter() - started) * 1000
            if attempt >= 3:
                timings.append(elapsed)
        print(f"| {label} | {window_name} | {statistics.median(timings):.1f} | "
              f"{percentile(timings, 95):.1f} | {size} |", flush=True)
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"now {datetime.now().astimezone().isoformat(timespec='seconds')}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--plain-index", action="store_true",
                        help="index (tenant_id, created_at) without covering columns")
    parser.add_argument("--live", action="store_true",
                        help="GET /costs from the ledger alone, without the daily rollup")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database a previous run seeded")
    parser.add_argument("--database", default=BENCH_DB,
                        help="scratch database name (dropped and recreated unless --reuse)")
    args = parser.parse_args()
    if args.reuse:
        from sqlalchemy.engine import make_url

        from bench.databases import ADMIN_URL
        url = make_url(ADMIN_URL).set(database=args.database).render_as_string(hide_password=False)
    else:
        url = seed(args.rows, args.database)
    if args.plain_index:
        plain_index(url)
    measure(url, args.runs, args.live)
    print(f"\nmeasured on {date.today().isoformat()}")


if __name__ == "__main__":
    main()
