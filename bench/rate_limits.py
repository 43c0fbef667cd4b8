"""Rate-limit overhead benchmark (not a test): what counting each request costs, per storage.

Builds the real app (embedded SQLite in a temporary directory, jobs recorded instead of
run) and sends sequential authenticated requests through Flask's test client, so the
figures are the app's own time with no HTTP server around it:

- ``memory``: no REDIS_URL (embedded);
- ``redis``: the machine's Redis (``TEST_REDIS_URL`` or 127.0.0.1:6379), under a key
  prefix of this run's own, deleted afterwards;
- ``redis-down``: REDIS_URL pointing at a port where nothing listens, so the limiter
  falls back to memory after the first request and re-checks Redis with its backoff.

Reads are ``GET /api/v1/jobs`` (RATE_LIMIT: one count), job requests ``POST
/api/v1/batches`` (RATE_LIMIT and RATE_LIMIT_JOBS: two counts). Limits are raised so
nothing is refused.

Then, for the choice of window (web/rate_limits.py), per ``limits`` strategy: one count on
the real Redis, and in the memory storage with ``--keys`` live keys the cost of one count
and of one pass of the storage's expiry sweep (its timer runs it 10 ms after counts).

    .venv/bin/python bench/rate_limits.py --requests 2000 --keys 3000
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.harness import percentile  # noqa: E402
from shared.config import load_settings  # noqa: E402
from shared.db.session import session_scope  # noqa: E402
from shared.db.tenancy import ALL_TENANTS  # noqa: E402
from shared.repositories import api_keys  # noqa: E402
from shared.repositories.tenants import get_or_create_tenant  # noqa: E402
from tests.support.runtime import RecordingPublisher  # noqa: E402
from web.app import create_app  # noqa: E402


def _refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


def run(storage: str, requests: int, redis_url: str, prefix: str) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        overrides: dict[str, object] = {
            "var_dir": Path(tmp) / "var", "storage_dir": Path(tmp) / "audio",
            "log_level": "ERROR", "rate_limit": "1000000/minute",
            "rate_limit_jobs": "1000000/minute",
        }
        if storage == "redis":
            overrides |= {"redis_url": redis_url, "redis_key_prefix": prefix}
        elif storage == "redis-down":
            overrides |= {"redis_url": _refused_url()}
        app = create_app(load_settings(**overrides), publisher=RecordingPublisher())
        factory = app.extensions["scriptforge"].session_factory
        with session_scope(factory, ALL_TENANTS) as session:
            tenant = get_or_create_tenant(session, "bench")
            token = api_keys.create_key(session, tenant, scopes=["read", "write"],
                                        name="bench").token
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        samples: dict[str, list[float]] = {"GET /api/v1/jobs": [], "POST /api/v1/batches": []}
        for index in range(requests):
            method, path = ("POST", "/api/v1/batches") if index % 4 == 0 else (
                "GET", "/api/v1/jobs?limit=1")
            started = time.perf_counter()
            response = client.open(path, method=method)
            elapsed = time.perf_counter() - started
            assert response.status_code in {200, 202}, (response.status_code, response.json)
            samples[f"{method} {path.split('?')[0]}"].append(elapsed)
        app.extensions["scriptforge"].db_engine.dispose()
    return samples


def strategies(keys: int, redis_url: str, prefix: str) -> None:
    from limits import parse
    from limits.storage import MemoryStorage, RedisStorage
    from limits.strategies import STRATEGIES

    item = parse("600/minute")
    for name in ("fixed-window", "sliding-window-counter", "moving-window"):
        strategy = STRATEGIES[name](RedisStorage(redis_url, key_prefix=prefix + name))
        samples = []
        for index in range(2000):
            started = time.perf_counter()
            strategy.hit(item, f"key-{index % 20}", "api")
            samples.append(time.perf_counter() - started)
        print(f"{name:22} Redis count  p50 {percentile(samples, 50) * 1000:5.2f} ms  "
              f"p99 {percentile(samples, 99) * 1000:5.2f} ms")
    for name in ("fixed-window", "sliding-window-counter", "moving-window"):
        storage = MemoryStorage()
        strategy = STRATEGIES[name](storage)
        started = time.perf_counter()
        for key in range(keys):
            for _ in range(3):
                strategy.hit(item, f"key-{key}", "api")
        count_us = (time.perf_counter() - started) / (3 * keys) * 1e6
        sweep = storage._MemoryStorage__expire_events  # what its timer runs
        started = time.perf_counter()
        for _ in range(10):
            sweep()
        sweep_ms = (time.perf_counter() - started) / 10 * 1000
        print(f"{name:22} {keys} keys  count {count_us:5.1f} us  sweep {sweep_ms:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=3000)
    args = parser.parse_args()
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"sf-bench-{uuid.uuid4().hex[:8]}:"
    try:
        for storage in ("memory", "redis", "redis-down"):
            for name, samples in run(storage, args.requests, redis_url, prefix).items():
                print(f"{storage:10} {name:22} n={len(samples):5}  "
                      f"p50 {percentile(samples, 50) * 1000:6.2f} ms  "
                      f"p99 {percentile(samples, 99) * 1000:6.2f} ms  "
                      f"max {max(samples) * 1000:7.2f} ms")
        strategies(args.keys, redis_url, prefix)
    finally:
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()


if __name__ == "__main__":
    main()
