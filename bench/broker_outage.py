"""Broker-outage latency benchmark (not a test): how long POST /generate and /healthz take
while Redis is down (connections refused) or hung (accepts, never answers).

Runs the real app over real HTTP (a threaded WSGI server with a fixed number of request
threads, like a gunicorn worker) with an embedded SQLite database in a temporary
directory and REDIS_URL pointing at a dead or hung "broker" on a local port, POSTs
concurrently, probes /healthz meanwhile, and prints p50/p99/max per endpoint.

    .venv/bin/python bench/broker_outage.py --requests 50 --mode refused
    .venv/bin/python bench/broker_outage.py --requests 50 --mode hung
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import bearer, issue_key, percentile, request  # noqa: E402
from bench.harness import call as harness_call  # noqa: E402
from shared.config import load_settings  # noqa: E402

SAMPLE = json.loads((ROOT / "samples" / "harbor-coffee.json").read_text())


def dead_broker(mode: str) -> tuple[str, socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    if mode == "hung":
        sock.listen(1024)  # the kernel completes handshakes; nobody ever answers
    return f"redis://127.0.0.1:{sock.getsockname()[1]}/0", sock


def call(base: str, method: str, path: str, body: object = None, key: str = ""
         ) -> tuple[int, float]:
    response = request(method, base + path, body, timeout=120,
                       headers=bearer(key) if key else None)
    return response.status, response.seconds


def percentiles(samples: list[float]) -> str:
    return (f"p50 {percentile(samples, 50) * 1000:7.1f} ms  "
            f"p99 {percentile(samples, 99) * 1000:7.1f} ms  max {max(samples) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--server-threads", type=int, default=8)
    parser.add_argument("--mode", choices=["refused", "hung"], default="refused")
    args = parser.parse_args()

    from werkzeug.serving import make_server

    from web.app import create_app

    broker_url, broker_socket = dead_broker(args.mode)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(load_settings(var_dir=Path(tmp), redis_url=broker_url,
                                       log_level="ERROR"))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        server.daemon_threads = True
        pool = ThreadPoolExecutor(args.server_threads)  # bounded request threads
        server.process_request = lambda request, address: pool.submit(  # type: ignore[method-assign]
            server.process_request_thread, request, address)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        key = issue_key(app.extensions["scriptforge"].settings.resolved_database_url)
        lead = harness_call("POST", base + "/api/v1/leads", SAMPLE["lead"], key=key)
        site = harness_call("POST", base + "/api/v1/demo-sites",
                            {"lead_id": lead["id"], **SAMPLE["demo_site"]}, key=key)

        health: list[float] = []
        done = threading.Event()

        def probe() -> None:
            while not done.is_set():
                health.append(call(base, "GET", "/healthz")[1])
                time.sleep(0.05)

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as clients:
            results = list(clients.map(
                lambda _: call(base, "POST", "/api/v1/video-scripts/generate",
                               {"demo_site_id": site["id"]}, key), range(args.requests)))
        elapsed = time.perf_counter() - started
        done.set()
        prober.join()
        ready_status, ready_seconds = call(base, "GET", "/readyz")
        server.shutdown()
        broker_socket.close()

    statuses = sorted({status for status, _ in results})
    print(f"broker {args.mode}: {args.requests} POSTs in {elapsed:.2f} s, statuses {statuses}")
    print(f"  POST /generate  {percentiles([seconds for _, seconds in results])}")
    print(f"  GET /healthz    {percentiles(health)}  ({len(health)} probes)")
    print(f"  GET /readyz     {ready_status} in {ready_seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
