"""Chaos suite: faults against the real stack, measured (not a test; §4, §10).

Everything runs on private instances this script starts in a temporary directory and stops
at exit: a Redis server and a PostgreSQL cluster on free ports (never the machine's own), the
local OpenAI-compatible server (tests/support/fake_openai.py), gunicorn serving the API,
Celery worker processes and beat (for the sweeper). Scenarios:

- ``worker-kill``: a worker is SIGKILLed with 100 jobs in flight; a fresh worker takes over.
- ``redis-outage``: Redis is stopped while 50 jobs are POSTed, then restarted (empty).
- ``postgres-outage``: Postgres is stopped for 10 s with 50 jobs in flight, then started.
- ``provider-faults``: the LLM provider fails 30 % of calls (500, 503, 429, dropped).

Each prints: jobs terminal / succeeded / duplicated (more than one script for a job), lost
ledger rows (LLM calls the provider answered minus ledger rows), recovery seconds, and the
HTTP statuses and latencies (p50/p99) the API gave during the outage, then checks them
against the goals: 100 % terminal, 0 duplicated, 0 lost ledger rows, POST p99 < 500 ms
during a broker outage, no 500 during a database outage, every job terminal within 60 s of
the database's return.

    .venv/bin/python -m bench.chaos                       # every scenario, a few minutes
    .venv/bin/python bench/chaos.py --scenario redis-outage --scenario postgres-outage

Needs ``redis-server`` and PostgreSQL's server binaries (``/usr/lib/postgresql/*/bin`` or on
PATH); the private instances are tests/support/private_services.py's, which run Postgres as
the ``postgres`` OS user via ``runuser`` when started as root. Timings are short
where a scenario would otherwise wait on a production timer (see each scenario's notes).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402  (only for the private services' skip signal)
from sqlalchemy import Engine, create_engine, func, select  # noqa: E402
from sqlalchemy.exc import DBAPIError  # noqa: E402

from bench.databases import fresh_database  # noqa: E402
from bench.harness import (  # noqa: E402
    ProcessGroup,
    Response,
    bearer,
    free_port,
    issue_key,
    percentile,
    request,
    stop_on_signals,
    wait_http,
)
from shared.db.models import Job, JobStatus, LLMCall, VideoScript  # noqa: E402
from tests.support.private_services import PrivatePostgres, PrivateRedis  # noqa: E402

SAMPLE = json.loads((ROOT / "samples" / "harbor-coffee.json").read_text())
TERMINAL = (JobStatus.SUCCEEDED, JobStatus.FAILED)
POST_P99_GOAL_SECONDS = 0.5
DB_RECOVERY_GOAL_SECONDS = 60.0


# --- private services -------------------------------------------------------------------------


class FakeLLM:
    """The local OpenAI-compatible server in its own process, scripted over HTTP."""

    def __init__(self, group: ProcessGroup) -> None:
        self.port = free_port()
        group.spawn("llm", [sys.executable, "-m", "tests.support.fake_openai",
                            "--port", str(self.port)], env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.url = f"http://127.0.0.1:{self.port}"
        wait_http(f"{self.url}/healthz")

    def configure(self, **settings: Any) -> None:
        assert request("POST", f"{self.url}/_reset").status == 200
        if settings:
            answer = request("POST", f"{self.url}/_control", settings)
            assert answer.status == 200, answer

    def _chat_calls(self) -> list[dict[str, Any]]:
        requests = request("GET", f"{self.url}/_requests", timeout=60).body or []
        return [entry for entry in requests if entry["path"].endswith("/chat/completions")]

    def calls_received(self) -> int:
        """Chat calls the provider received, answered or not: each one may be billed, so
        each one must be a ledger row (a call cut off by a SIGKILL as ``interrupted``)."""
        return len(self._chat_calls())

    def calls_in_flight(self) -> set[int]:
        """Calls received but not yet answered, by sequence number (at a SIGKILL: calls the
        dead worker can never record; the server still answers them, to a closed socket)."""
        return {int(entry["seq"]) for entry in self._chat_calls() if "status" not in entry}


@dataclass
class Services:
    workdir: Path
    group: ProcessGroup
    redis: PrivateRedis
    postgres: PrivatePostgres
    llm: FakeLLM


# --- one stack per scenario -------------------------------------------------------------------


@dataclass
class Stack:
    """Web, workers and beat of one scenario, on a database of its own."""

    name: str
    services: Services
    env: dict[str, str]
    db_url: str
    base_url: str
    engine: Engine
    process_names: list[str] = field(default_factory=list)
    token: str = ""  # an API key of the scenario's database, made on first use

    def start_worker(self, name: str, concurrency: int) -> None:
        self.services.group.spawn(name, [
            sys.executable, "-m", "celery", "-A", "worker.celery_app", "worker",
            "--queues", "scripts", "--pool", "threads", "--concurrency", str(concurrency),
            "--hostname", f"{self.name}-{name}@%h", "--without-gossip", "--without-mingle",
            "--loglevel", "INFO",
        ], env=self.env)
        self.process_names.append(name)
        self.services.group.wait_for_log(name, " ready.")

    def call(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Response:
        if not self.token:
            self.token = issue_key(self.db_url)
        return request(method, self.base_url + path, body, timeout=timeout,
                       headers=bearer(self.token))

    def seed_site(self) -> int:
        lead = self.call("POST", "/api/v1/leads", {**SAMPLE["lead"], "value": 20_000})
        assert lead.status == 201, lead
        site = self.call("POST", "/api/v1/demo-sites",
                         {"lead_id": lead.body["id"], **SAMPLE["demo_site"]})
        assert site.status == 201, site
        return int(site.body["id"])

    def submit(self, site_id: int, count: int, threads: int = 10) -> list[Response]:
        styles = ["professional", "casual", "technical", "sales"]

        def one(index: int) -> Response:
            return self.call("POST", "/api/v1/video-scripts/generate", {
                "demo_site_id": site_id, "style": styles[index % 4], "voiceover": False})

        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(one, range(count)))

    def count(self, *where: Any) -> int | None:
        """Jobs matching ``where``; None while the database cannot be reached."""
        try:
            with self.engine.connect() as connection:
                return int(connection.scalar(
                    select(func.count()).select_from(Job).where(*where)) or 0)
        except DBAPIError:
            return None

    def wait_terminal(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count(Job.status.not_in(TERMINAL)) == 0:
                return True
            time.sleep(0.5)
        return False

    def wait_running(self, at_least: int, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        running = 0
        while time.monotonic() < deadline:
            running = self.count(Job.status == JobStatus.RUNNING) or 0
            if running >= at_least:
                break
            time.sleep(0.2)
        return running

    def stop(self) -> None:
        for name in reversed(self.process_names):
            if name in self.services.group.processes:
                self.services.group.stop(name)
        self.engine.dispose()


def start_stack(services: Services, name: str, settings: dict[str, str], *,
                worker_concurrency: int) -> Stack:
    db_url = fresh_database(f"chaos_{name.replace('-', '_')}", services.postgres.url)
    web_port = free_port()
    var_dir = services.workdir / f"var-{name}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": db_url,
        "REDIS_URL": services.redis.url,
        "REDIS_KEY_PREFIX": f"chaos-{name}:",
        "LLM_BASE_URL": f"{services.llm.url}/v1",
        "LLM_API_KEY": "chaos",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "VAR_DIR": str(var_dir),
        "STORAGE_DIR": str(var_dir / "audio"),
        "LOG_LEVEL": "INFO",
        # The private cluster allows 100 connections; 15 per process is plenty (a task holds
        # one only while it touches the database) and keeps web, workers and beat under it.
        "DB_POOL_SIZE": "5",
        "DB_MAX_OVERFLOW": "10",
        "SWEEPER_INTERVAL_SECONDS": "2",
        "JOB_QUEUED_GRACE_SECONDS": "5",
        "LLM_TIMEOUT_SECONDS": "10",
        "LLM_BACKOFF_INITIAL_SECONDS": "0.2",
        "LLM_BACKOFF_MAX_SECONDS": "2",
        # Measures outages, not the per-key limits (one key submits every job).
        "RATE_LIMIT": "1000000/minute",
        "RATE_LIMIT_JOBS": "1000000/minute",
        **settings,
    }
    for key in ("OPENROUTER_API_KEY", "TTS_BASE_URL", "TTS_API_KEY"):
        env.pop(key, None)
    stack = Stack(name, services, env, db_url, f"http://127.0.0.1:{web_port}",
                  create_engine(db_url, pool_pre_ping=True))
    group = services.group
    group.spawn(f"{name}-web", [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{web_port}", "--workers", "2",
        "--threads", "8", "--access-logfile", "-", "web.wsgi:app"], env=env)
    stack.process_names.append(f"{name}-web")
    group.spawn(f"{name}-beat", [sys.executable, "-m", "celery", "-A", "worker.celery_app",
                                 "beat", "--loglevel", "INFO"], env=env)
    stack.process_names.append(f"{name}-beat")
    stack.start_worker(f"{name}-worker", worker_concurrency)
    wait_http(f"{stack.base_url}/healthz")
    group.wait_for_log(f"{name}-beat", "Sending due task")
    return stack


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    jobs: int = 0
    terminal: int = 0
    succeeded: int = 0
    failed: int = 0
    fallback: int = 0
    duplicated: int = 0
    calls_received: int = 0
    ledger_rows: int = 0
    # Calls a SIGKILLed worker was waiting on: their rows were written before they went out
    # (in flight) and the next attempt marks them interrupted; reported, not excused.
    calls_in_flight_at_kill: int = 0
    interrupted_rows: int = 0
    recovery_seconds: float | None = None
    recovery_from: str = ""
    http: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    goals: dict[str, bool] = field(default_factory=dict)

    @property
    def lost_ledger_rows(self) -> int:
        return max(0, self.calls_received - self.ledger_rows)


def summarize(responses: list[Response]) -> dict[str, Any]:
    if not responses:
        return {"count": 0}
    seconds = [response.seconds for response in responses]
    statuses = Counter(response.status for response in responses)
    # An outage answer is a 503 that tells the client when to come back.
    no_retry_after = sum(1 for response in responses if response.status == 503
                         and not any(k.lower() == "retry-after" for k in response.headers))
    return {"count": len(responses), "statuses": dict(sorted(statuses.items())),
            "503_without_retry_after": no_retry_after,
            "p50_ms": round(percentile(seconds, 50) * 1000, 1),
            "p99_ms": round(percentile(seconds, 99) * 1000, 1),
            "max_ms": round(max(seconds) * 1000, 1)}


def measure(stack: Stack, result: Result, since: float | None) -> Result:
    """Fill the job, script and ledger figures; recovery is measured from ``since``."""
    with stack.engine.connect() as connection:
        statuses = dict(connection.execute(
            select(Job.status, func.count()).group_by(Job.status)).all())
        result.jobs = sum(statuses.values())
        result.succeeded = statuses.get(JobStatus.SUCCEEDED, 0)
        result.failed = statuses.get(JobStatus.FAILED, 0)
        result.terminal = result.succeeded + result.failed
        per_job = select(VideoScript.job_id, func.count().label("n")).where(
            VideoScript.job_id.is_not(None)).group_by(VideoScript.job_id).subquery()
        result.duplicated = int(connection.scalar(
            select(func.count()).select_from(per_job).where(per_job.c.n > 1)) or 0)
        result.fallback = int(connection.scalar(
            select(func.count()).select_from(VideoScript).where(
                VideoScript.fallback_used.is_(True))) or 0)
        result.ledger_rows = int(connection.scalar(
            select(func.count()).select_from(LLMCall)) or 0)
        result.interrupted_rows = int(connection.scalar(
            select(func.count()).select_from(LLMCall).where(
                LLMCall.outcome.in_(["in_flight", "interrupted"]))) or 0)
        last = connection.scalar(select(func.max(Job.finished_at)).where(
            Job.status.in_(TERMINAL)))
    result.calls_received = stack.services.llm.calls_received()
    if since is not None and last is not None and result.terminal == result.jobs:
        result.recovery_seconds = round(max(0.0, _epoch(last) - since), 1)
    result.goals["100% terminal"] = result.jobs > 0 and result.terminal == result.jobs
    result.goals["0 duplicated"] = result.duplicated == 0
    result.goals["0 lost ledger rows"] = result.lost_ledger_rows == 0
    return result


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class Prober:
    """Calls endpoints in a loop from a few threads while an outage lasts."""

    def __init__(self, stack: Stack, probes: dict[str, Callable[[], Response]],
                 threads: int = 1) -> None:
        self.results: dict[str, list[Response]] = {name: [] for name in probes}
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(probes,), daemon=True)
                         for _ in range(threads)]

    def _loop(self, probes: dict[str, Callable[[], Response]]) -> None:
        while not self._stop.is_set():
            for name, probe in probes.items():
                if self._stop.is_set():
                    return
                self.results[name].append(probe())
            self._stop.wait(0.2)

    def __enter__(self) -> Prober:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


# --- scenarios ----------------------------------------------------------------------------------


def worker_kill(services: Services, args: argparse.Namespace) -> Result:
    """SIGKILL a worker holding ``--kill-jobs`` running jobs; a new worker must finish them.

    A killed worker's jobs come back through their lease (the sweeper re-publishes a running
    job whose lease expired) and, for messages it had reserved but not yet started, the
    broker's visibility timeout; both are shortened (task limit 60 s, lease 70 s,
    visibility 75 s) so the run takes minutes, not the production 11 min and 1 hour.
    """
    jobs = args.kill_jobs
    # A few transient provider errors mean some attempts die holding calls that already
    # returned (a failed call and its pending retry): those rows must not die with them.
    services.llm.configure(latency=args.latency, fail_rate=args.kill_fail_rate, seed=3)
    stack = start_stack(services, "worker-kill", {
        "TASK_TIME_LIMIT_SECONDS": "60", "JOB_LEASE_SECONDS": "70",
        "BROKER_VISIBILITY_TIMEOUT_SECONDS": "75",
    }, worker_concurrency=jobs)
    result = Result("worker-kill")
    try:
        site_id = stack.seed_site()
        posts = stack.submit(site_id, jobs, threads=16)
        result.http["POST generate"] = summarize(posts)
        running = stack.wait_running(int(jobs * 0.9), timeout=60)
        stack.services.group.kill(f"{stack.name}-worker")
        killed_at = time.time()
        result.calls_in_flight_at_kill = len(services.llm.calls_in_flight())
        result.notes.append(f"SIGKILLed the worker with {running} jobs running")
        stack.start_worker(f"{stack.name}-worker-2", 32)
        if not stack.wait_terminal(args.settle + 90):
            result.notes.append(f"not all terminal {args.settle + 90:.0f} s after the kill")
        result.recovery_from = "the SIGKILL"
        return measure(stack, result, killed_at)
    finally:
        stack.stop()


def redis_outage(services: Services, args: argparse.Namespace) -> Result:
    """Stop Redis, POST ``--redis-jobs`` jobs, start it again (empty: no persistence).

    Jobs accepted while the broker is down were never published; the sweeper publishes
    them once they are ``JOB_QUEUED_GRACE_SECONDS`` (5 s here) old.
    """
    services.llm.configure(latency=0.2)
    stack = start_stack(services, "redis-outage", {}, worker_concurrency=32)
    result = Result("redis-outage")
    try:
        site_id = stack.seed_site()
        services.redis.stop()
        down_at = time.monotonic()
        with Prober(stack, {
            "GET /healthz": lambda: stack.call("GET", "/healthz"),
            "GET /readyz": lambda: stack.call("GET", "/readyz"),
        }) as prober:
            posts = stack.submit(site_id, args.redis_jobs, threads=10)
            remaining = args.outage - (time.monotonic() - down_at)
            if remaining > 0:
                time.sleep(remaining)  # hold the outage for its full length
        services.redis.start()
        up_at = time.time()
        result.notes.append(f"Redis down {time.monotonic() - down_at:.1f} s")
        result.http["POST generate"] = summarize(posts)
        for name, responses in prober.results.items():
            result.http[name] = summarize(responses)
        accepted = sum(1 for post in posts if post.status == 202)
        result.notes.append(f"{accepted}/{len(posts)} POSTs accepted (202) during the outage")
        if not stack.wait_terminal(args.settle):
            result.notes.append(f"not all terminal {args.settle:.0f} s after Redis returned")
        result.recovery_from = "Redis's return"
        measure(stack, result, up_at)
        p99 = result.http["POST generate"].get("p99_ms", 0) / 1000
        result.goals["POST p99 < 500 ms in broker outage"] = p99 < POST_P99_GOAL_SECONDS
        return result
    finally:
        stack.stop()


def postgres_outage(services: Services, args: argparse.Namespace) -> Result:
    """Stop Postgres for ``--outage`` seconds with ``--postgres-jobs`` jobs in flight.

    Lease, republish and task limits stay at their production defaults (660 s, 900 s,
    600 s): recovering within 60 s must come from the workers, not from those timers.
    """
    services.llm.configure(latency=args.latency)
    stack = start_stack(services, "postgres-outage", {}, worker_concurrency=32)
    result = Result("postgres-outage")
    try:
        site_id = stack.seed_site()
        posts = stack.submit(site_id, args.postgres_jobs, threads=10)
        known_job = next(post.body["id"] for post in posts if post.status == 202)
        running = stack.wait_running(10, timeout=60)
        services.postgres.stop()
        down_at = time.monotonic()
        with Prober(stack, {
            "POST generate": lambda: stack.call("POST", "/api/v1/video-scripts/generate", {
                "demo_site_id": site_id, "style": "casual", "voiceover": False}),
            "GET job": lambda: stack.call("GET", f"/api/v1/jobs/{known_job}"),
            "POST lead": lambda: stack.call("POST", "/api/v1/leads", SAMPLE["lead"]),
            "GET /healthz": lambda: stack.call("GET", "/healthz"),
            "GET /readyz": lambda: stack.call("GET", "/readyz"),
        }, threads=2) as prober:
            time.sleep(args.outage)
        services.postgres.start()  # probes above saw only the outage
        up_at = time.time()
        result.notes.append(f"Postgres down {time.monotonic() - down_at:.1f} s with "
                            f"{running} jobs running")
        for name, responses in prober.results.items():
            result.http[name] = summarize(responses)
        if not stack.wait_terminal(args.settle):
            open_jobs = stack.count(Job.status.not_in(TERMINAL))
            result.notes.append(f"{open_jobs} jobs not terminal {args.settle:.0f} s after "
                                "Postgres returned")
        result.recovery_from = "Postgres's return"
        measure(stack, result, up_at)
        server_errors = sum(count for summary in result.http.values()
                            for status, count in summary.get("statuses", {}).items()
                            if status == 500)
        result.goals["no 500 in database outage"] = server_errors == 0
        result.goals["terminal within 60 s of return"] = (
            result.recovery_seconds is not None
            and result.recovery_seconds <= DB_RECOVERY_GOAL_SECONDS)
        return result
    finally:
        stack.stop()


def provider_faults(services: Services, args: argparse.Namespace) -> Result:
    """``--fault-jobs`` jobs against a provider failing ``--fail-rate`` of calls."""
    services.llm.configure(latency=0.2, fail_rate=args.fail_rate, seed=7)
    stack = start_stack(services, "provider-faults", {}, worker_concurrency=32)
    result = Result("provider-faults")
    try:
        site_id = stack.seed_site()
        started = time.time()
        posts = stack.submit(site_id, args.fault_jobs, threads=10)
        result.http["POST generate"] = summarize(posts)
        if not stack.wait_terminal(args.settle + 180):
            result.notes.append("not all terminal")
        result.recovery_from = "the first POST (no outage: time to drain)"
        measure(stack, result, started)
        result.notes.append(f"fallback scripts: {result.fallback} of {result.succeeded}")
        return result
    finally:
        stack.stop()


SCENARIOS: dict[str, Callable[[Services, argparse.Namespace], Result]] = {
    "worker-kill": worker_kill,
    "redis-outage": redis_outage,
    "postgres-outage": postgres_outage,
    "provider-faults": provider_faults,
}


# --- report ---------------------------------------------------------------------------------------


def report(result: Result) -> None:
    print(f"\n== {result.scenario}")
    print(f"jobs: {result.jobs}  terminal: {result.terminal}  succeeded: {result.succeeded}  "
          f"failed: {result.failed}  duplicated: {result.duplicated}  "
          f"fallback: {result.fallback}")
    cut_off = (f" (in flight at the kill {result.calls_in_flight_at_kill}, rows interrupted "
               f"{result.interrupted_rows})" if result.calls_in_flight_at_kill else "")
    print(f"ledger: calls received {result.calls_received}, rows {result.ledger_rows}"
          f"{cut_off}, lost {result.lost_ledger_rows}")
    recovery = ("n/a (not all terminal)" if result.recovery_seconds is None
                else f"{result.recovery_seconds:.1f} s")
    print(f"recovery: last job terminal {recovery} after {result.recovery_from}")
    for name, summary in result.http.items():
        if summary["count"]:
            print(f"http {name}: n={summary['count']} statuses={summary['statuses']} "
                  f"p50={summary['p50_ms']} ms p99={summary['p99_ms']} ms "
                  f"max={summary['max_ms']} ms"
                  + (f" (503 without Retry-After: {summary['503_without_retry_after']})"
                     if summary["503_without_retry_after"] and "readyz" not in name else ""))
    for note in result.notes:
        print(f"note: {note}")
    for goal, met in result.goals.items():
        print(f"goal {'MET   ' if met else 'MISSED'} {goal}")


def _private(factory: Callable[[], Any]) -> Any:
    """Start a private service; its missing-binary report (meant for pytest) exits here."""
    try:
        return factory()
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        raise SystemExit(f"cannot run the chaos suite: {exc}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=[*SCENARIOS, "all"],
                        help="repeat to run several; default: all")
    parser.add_argument("--kill-jobs", type=int, default=100)
    parser.add_argument("--redis-jobs", type=int, default=50)
    parser.add_argument("--postgres-jobs", type=int, default=50)
    parser.add_argument("--fault-jobs", type=int, default=100)
    parser.add_argument("--fail-rate", type=float, default=0.3)
    parser.add_argument("--kill-fail-rate", type=float, default=0.2,
                        help="provider failures during worker-kill (calls done before death)")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds a service is down")
    parser.add_argument("--latency", type=float, default=2.0,
                        help="seconds per LLM call where jobs must be in flight")
    parser.add_argument("--settle", type=float, default=120.0,
                        help="seconds to wait for every job to end after a fault")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    args = parser.parse_args()
    chosen = [name for name in SCENARIOS
              if not args.scenario or "all" in args.scenario or name in args.scenario]

    stop_on_signals()
    workdir = Path(tempfile.mkdtemp(prefix="scriptforge-chaos-"))
    group = ProcessGroup(workdir / "logs")
    redis: PrivateRedis | None = None
    postgres: PrivatePostgres | None = None
    results: list[Result] = []
    try:
        redis, postgres = _private(PrivateRedis), _private(PrivatePostgres)
        redis.start()
        postgres.start()
        services = Services(workdir, group, redis, postgres, FakeLLM(group))
        print(f"private services: redis :{redis.port}, postgres :{postgres.port}, "
              f"llm :{services.llm.port}; logs in {group.log_dir}", flush=True)
        for name in chosen:
            started = time.monotonic()
            result = SCENARIOS[name](services, args)
            result.notes.append(f"scenario took {time.monotonic() - started:.0f} s")
            results.append(result)
            report(result)
            sys.stdout.flush()
    finally:
        group.stop_all()
        for service in (postgres, redis):
            if service is not None:
                service.close()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps([
            {**vars(result),
             "lost_ledger_rows": result.lost_ledger_rows} for result in results],
            indent=2, default=str))
    missed = [f"{result.scenario}: {goal}" for result in results
              for goal, met in result.goals.items() if not met]
    print("\nall goals met" if not missed else "\nmissed: " + "; ".join(missed))


if __name__ == "__main__":
    main()
