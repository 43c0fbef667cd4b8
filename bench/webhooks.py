"""Webhook delivery benchmark (not a test): throughput and latency through the real
``webhooks`` worker, and whether one hanging receiver delays another's deliveries.

Starts a Celery worker on the ``webhooks`` queue (threads pool) against a fresh Postgres
database and the local Redis, two receivers on loopback (one answers at once, one never
answers), and measures, for pings emitted in bulk, the time from the event's commit
(``timestamp`` in its body) to its arrival at the receiver.

    .venv/bin/python bench/webhooks.py --events 1000 --slow 200 --concurrency 16
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_database  # noqa: E402
from bench.harness import ProcessGroup, percentile, stop_on_signals  # noqa: E402
from shared.config import load_settings  # noqa: E402
from shared.db.tenancy import tenant_context  # noqa: E402
from shared.jobs.runtime import build_runtime  # noqa: E402
from shared.repositories.tenants import DEFAULT_TENANT_SLUG  # noqa: E402
from shared.webhooks.endpoints import ping, register  # noqa: E402
from tests.support.webhook_receiver import HANG, WebhookReceiver, webhook_receiver  # noqa: E402
from web.publisher import CeleryPublisher  # noqa: E402

BENCH_DB = "scriptforge_webhooks_bench"


def latencies(receiver: WebhookReceiver, count: int) -> list[float]:
    arrived = receiver.wait_for(count, timeout=600)
    return [
        (request.arrived_at - datetime.fromisoformat(request.event["timestamp"])).total_seconds()
        for request in arrived[:count]
    ]


def summary(label: str, values: list[float], elapsed: float | None = None) -> str:
    rate = f", {len(values) / elapsed:.0f}/s" if elapsed else ""
    return (f"{label}: n={len(values)}{rate}, latency p50 {percentile(values, 50):.3f} s, "
            f"p95 {percentile(values, 95):.3f} s, p99 {percentile(values, 99):.3f} s, "
            f"max {max(values):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--slow", type=int, default=200, help="pings to the hanging receiver")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--redis-url", default=os.environ.get("TEST_REDIS_URL",
                                                              "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    stop_on_signals()
    database_url = fresh_database(BENCH_DB)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": args.redis_url,
           "REDIS_KEY_PREFIX": f"webhooks-bench-{uuid.uuid4().hex[:8]}:",
           "WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_TIMEOUT_SECONDS": "3",
           "WEBHOOK_SECRET_KEY": "bench", "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT)}
    settings = load_settings(**{k.lower(): v for k, v in env.items()
                                if k.lower() in {"database_url", "redis_url", "redis_key_prefix",
                                                 "webhook_allow_private",
                                                 "webhook_timeout_seconds",
                                                 "webhook_secret_key"}}, log_level="WARNING")
    group = ProcessGroup(ROOT / "var" / "bench-webhooks")
    group.spawn("webhooks", [sys.executable, "-m", "celery", "-A", "worker.celery_app", "worker",
                             "--queues", "webhooks", "--pool", "threads", "--concurrency",
                             str(args.concurrency), "--without-gossip", "--without-mingle",
                             "--loglevel", "INFO"],
                env)
    group.wait_for_log("webhooks", " ready.")
    runtime = build_runtime(settings, CeleryPublisher(settings))
    try:
        with webhook_receiver() as fast, webhook_receiver(default=HANG) as slow:
            with tenant_context(1), runtime.session() as session:
                fast_id = register(session, settings, url=fast.url, events=["ping"],
                                   description="fast").row.id
                slow_id = register(session, settings, url=slow.url, events=["ping"],
                                   description="slow").row.id
            print(f"tenant {DEFAULT_TENANT_SLUG}, worker threads {args.concurrency}, "
                  f"cap {settings.webhook_max_in_flight_per_endpoint} per endpoint")

            started = time.monotonic()
            for _ in range(args.events):
                with tenant_context(1), runtime.session() as session:
                    ping(session, fast_id)
            print(f"emitted {args.events} events in {time.monotonic() - started:.1f} s")
            alone = latencies(fast, args.events)
            print(summary("fast receiver alone", alone, time.monotonic() - started))

            for _ in range(args.slow):
                with tenant_context(1), runtime.session() as session:
                    ping(session, slow_id)
            slow.wait_for(settings.webhook_max_in_flight_per_endpoint, timeout=60)
            started = time.monotonic()
            for _ in range(args.events):
                with tenant_context(1), runtime.session() as session:
                    ping(session, fast_id)
            beside = latencies(fast, 2 * args.events)[args.events:]
            print(summary(f"fast receiver beside a hanging one ({args.slow} pending)", beside,
                          time.monotonic() - started))
            print(f"requests that reached the hanging receiver meanwhile: {len(slow.received)}")
    finally:
        runtime.db_engine.dispose()
        group.stop_all()


if __name__ == "__main__":
    main()
