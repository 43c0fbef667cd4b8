"""Pipeline benchmark: N generation jobs through the real stack (not a test).

Starts the local OpenAI-compatible server with a fixed latency, gunicorn serving the API,
and Celery worker processes on Postgres + Redis; submits N jobs over HTTP; waits until all
are terminal; then reads timings from the database, where they are exact:

- end-to-end latency per job = finished_at - created_at (job row),
- LLM time per job = the sum of its ledger rows' latencies,
- pipeline overhead per job = (finished_at - started_at) - LLM time, and the queue wait
  (started_at - created_at) separately, since with N far above the worker slots most of the
  end-to-end time is backlog, not overhead,
- throughput = N / (last finished_at - first created_at).

    .venv/bin/python bench/pipeline.py --jobs 1000 --latency 2.0 --workers 2 --concurrency 64

Needs Postgres on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (it uses its own database and
Redis db 8, and ends only the processes it started).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_database  # noqa: E402
from bench.harness import call, free_port, issue_key, percentile, wait_http  # noqa: E402
from shared.db.models import Job, JobStatus, LLMCall  # noqa: E402

BENCH_DB = "scriptforge_bench"
REDIS_URL = "redis://127.0.0.1:6379/8"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=2.0, help="simulated LLM seconds")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--concurrency", type=int, default=64, help="threads per worker")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--submitters", type=int, default=16)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="submit at this many jobs/s (open loop); 0 = as fast as possible")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    bench_url = fresh_database(BENCH_DB)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    llm_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "REDIS_URL": REDIS_URL,
        "LLM_BASE_URL": f"http://127.0.0.1:{llm_port}/v1",
        "LLM_API_KEY": "bench",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "LLM_TIMEOUT_SECONDS": str(max(10.0, args.latency * 5)),
        "WORKER_CONCURRENCY": str(args.concurrency),
        "BROKER_MAX_CONNECTIONS": str(max(200, args.concurrency * 3)),
        "LOG_LEVEL": "WARNING",
        # Measures the pipeline, not the per-key limits (one key submits every job).
        "RATE_LIMIT": "1000000/minute",
        "RATE_LIMIT_JOBS": "1000000/minute",
        "PYTHONPATH": str(ROOT),
    }
    processes: list[subprocess.Popen[bytes]] = []
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)

    def spawn(name: str, command: list[str]) -> None:
        out = (logs / f"{name}.log").open("wb")
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                          stderr=subprocess.STDOUT))

    try:
        spawn("llm", [sys.executable, "-m", "tests.support.fake_openai", "--port", str(llm_port),
                      "--latency", str(args.latency)])
        spawn("web", [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{web_port}",
                      "--workers", str(args.web_workers), "--threads", "8", "web.wsgi:app"])
        for index in range(args.workers):
            spawn(f"worker{index}", [
                sys.executable, "-m", "celery", "-A", "worker.celery_app", "worker",
                "--queues", "scripts", "--pool", "threads",
                "--concurrency", str(args.concurrency), "--hostname", f"bench{index}@%h",
                "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
            ])
        base = f"http://127.0.0.1:{web_port}"
        wait_http(f"{base}/healthz")
        time.sleep(3)  # let the workers connect to the broker
        key = issue_key(bench_url)

        lead = call("POST", f"{base}/api/v1/leads",
                    {"company_name": "Bench Co", "industry": "retail", "value": 100}, key=key)
        site = call("POST", f"{base}/api/v1/demo-sites", {
            "lead_id": lead["id"], "url": "https://bench.example",
            "improvement_plan": json.loads((ROOT / "samples" / "harbor-coffee.json")
                                           .read_text())["demo_site"]["improvement_plan"],
        }, key=key)
        styles = ["professional", "casual", "technical", "sales"]
        started = time.monotonic()
        def submit(index: int) -> None:
            if args.rate > 0:  # open loop: job i is due at i / rate, whatever came before
                time.sleep(max(0.0, started + index / args.rate - time.monotonic()))
            call("POST", f"{base}/api/v1/video-scripts/generate", {
                "demo_site_id": site["id"], "style": styles[index % 4], "voiceover": False,
            }, key=key)

        with ThreadPoolExecutor(args.submitters) as pool:
            list(pool.map(submit, range(args.jobs)))
        submitted = time.monotonic() - started
        engine = create_engine(bench_url)
        deadline = time.monotonic() + args.timeout
        with engine.connect() as connection:
            while True:
                open_jobs = connection.scalar(select(func.count()).select_from(Job).where(
                    Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))) or 0
                connection.rollback()
                if open_jobs == 0:
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"{open_jobs} jobs still open after {args.timeout}s")
                time.sleep(0.5)
            report(connection, args, submitted)
        engine.dispose()
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def report(connection: Any, args: argparse.Namespace, submitted: float) -> None:
    jobs = connection.execute(
        select(Job.id, Job.status, Job.created_at, Job.started_at, Job.finished_at)).all()
    llm = dict(connection.execute(
        select(LLMCall.job_id, func.sum(LLMCall.latency_seconds)).group_by(LLMCall.job_id)
    ).all())
    failed = sum(1 for job in jobs if job.status != JobStatus.SUCCEEDED)
    e2e = [(job.finished_at - job.created_at).total_seconds() for job in jobs]
    # Time in the worker that was not spent waiting for the LLM: claim, prompt building,
    # parsing, validation, storing. Queue wait (backlog) is reported separately.
    overhead = [(job.finished_at - job.started_at).total_seconds() - float(llm.get(job.id) or 0)
                for job in jobs]
    queue_wait = [(job.started_at - job.created_at).total_seconds() for job in jobs]
    span = (max(j.finished_at for j in jobs) - min(j.created_at for j in jobs)).total_seconds()
    throughput = len(jobs) / span
    slots = args.workers * args.concurrency
    ideal = slots / args.latency if args.latency > 0 else float("inf")
    print(f"jobs={len(jobs)} failed={failed} latency={args.latency}s rate={args.rate or 'max'} "
          f"workers={args.workers}x{args.concurrency} threads, web={args.web_workers} gunicorn")
    print(f"submit: {len(jobs) / submitted:.1f} req/s over HTTP")
    print(f"throughput: {throughput:.2f} jobs/s = {throughput * 60:.0f} jobs/min"
          + (f" ({throughput / ideal:.0%} of ideal {ideal:.1f} jobs/s = slots/latency)"
             if args.latency > 0 else ""))
    def spread(values: list[float], scale: float = 1.0, digits: int = 3) -> str:
        return " ".join(f"p{p}={percentile(values, p) * scale:.{digits}f}" for p in (50, 95, 99))

    mean_llm = statistics.mean(float(v or 0) for v in llm.values()) if llm else 0.0
    print(f"end-to-end latency s: {spread(e2e)}")
    print(f"LLM time per job s: mean={mean_llm:.3f}")
    print(f"queue wait s: {spread(queue_wait)}")
    print(f"pipeline overhead ms (in worker, minus LLM): {spread(overhead, 1000, 1)}")


if __name__ == "__main__":
    main()
