"""The real stack: Postgres, Redis, Celery worker processes, the API over HTTP.

Workers are separate ``celery`` processes started from the project's own Celery app, so
what is tested is what runs in production (acks, redelivery, the sweeper in beat).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
import redis
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from shared.config import Settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.keys import issue_key
from tests.support.services import require_redis
from tests.web.helpers import SAMPLE

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


@pytest.fixture
def redis_url() -> str:
    """``TEST_REDIS_URL`` as given; tests keep to their own prefix (``redis_key_prefix``)."""
    return require_redis()


@pytest.fixture
def redis_key_prefix(redis_url: str) -> Iterator[str]:
    """A broker key prefix of this test's own; only its keys are deleted afterwards.

    The machine's Redis is shared with other stacks and test runs, so a test never flushes a
    database: it isolates every Celery key under a unique prefix and removes just those.
    """
    prefix = f"sf-test-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@dataclass
class Stack:
    """Environment shared by the API and the workers of one test."""

    env: dict[str, str]
    settings: Settings
    base_url: str = ""
    # An API key sent on every call (a tenant "default" key with every scope by default).
    token: str = ""
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    _log_files: list[IO[bytes]] = field(default_factory=list)

    def call(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method,
            headers={"Content-Type": "application/json",
                     **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
                     **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null"), dict(
                    response.headers)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null"), dict(error.headers)

    def create_site(self) -> int:
        """A lead and its demo site from the sample plan, over the API; the site's id."""
        status, lead, _ = self.call("POST", "/api/v1/leads", {**SAMPLE["lead"], "value": 100})
        assert status == 201, lead
        status, site, _ = self.call("POST", "/api/v1/demo-sites",
                                    {"lead_id": lead["id"], **SAMPLE["demo_site"]})
        assert status == 201, site
        return int(site["id"])

    def start_generation(self, site_id: int) -> str:
        """Queue a generation (no voiceover) for ``site_id``; the job's id."""
        status, job, _ = self.call("POST", "/api/v1/video-scripts/generate",
                                   {"demo_site_id": site_id, "voiceover": False})
        assert status == 202, job
        return str(job["id"])

    def wait_for_job(self, job_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            _, job, _ = self.call("GET", f"/api/v1/jobs/{job_id}")
            if job["status"] in {"succeeded", "failed"}:
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} still {job['status']}:\n{self.tail_logs()}")
            time.sleep(0.1)

    def start_worker(self, *, queues: str = "scripts,voiceover", concurrency: int = 8,
                     beat: bool = False, name: str = "w") -> subprocess.Popen[bytes]:
        log_path = Path(self.env["VAR_DIR"]) / f"worker-{name}-{len(self.workers)}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "worker.celery_app", "worker",
            "--queues", queues, "--pool", "threads", "--concurrency", str(concurrency),
            "--hostname", f"{name}{len(self.workers)}@%h", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle",
        ]
        if beat:
            command += ["--beat", "--schedule", str(Path(self.env["VAR_DIR"]) / "beat.db")]
        log_file = log_path.open("wb")
        self._log_files.append(log_file)
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log_file,
                                   stderr=subprocess.STDOUT)
        self.workers.append(process)
        self.logs.append(log_path)
        self._wait_ready(log_path, process)
        return process

    @staticmethod
    def _wait_ready(log_path: Path, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{log_path.read_text()}")
            if b" ready." in log_path.read_bytes():
                return
            time.sleep(0.1)
        raise AssertionError(f"worker not ready in 30 s:\n{log_path.read_text()}")

    def kill_worker(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_workers(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for log_file in self._log_files:
            log_file.close()

    def tail_logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text()[-3000:]}" for path in self.logs)


@pytest.fixture
def make_stack(
    postgres_url: str, redis_url: str, redis_key_prefix: str, fake_llm: FakeOpenAI,
    tmp_path: Path,
    make_settings: Callable[..., Settings],
) -> Iterator[Callable[..., Stack]]:
    """Build the API (in this process, over real HTTP) plus worker processes on demand."""
    servers: list[BaseWSGIServer] = []
    apps: list[Flask] = []
    stacks: list[Stack] = []

    def build(**overrides: str) -> Stack:
        env = {
            **os.environ,
            "DATABASE_URL": postgres_url,
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": redis_key_prefix,
            "LLM_BASE_URL": fake_llm.base_url,
            "LLM_API_KEY": "test-key",
            "LLM_TIMEOUT_SECONDS": "5",
            "LLM_BACKOFF_INITIAL_SECONDS": "0",
            "LLM_BACKOFF_MAX_SECONDS": "0",
            "VAR_DIR": str(tmp_path / "var"),
            "STORAGE_DIR": str(tmp_path / "audio"),
            "SWEEPER_INTERVAL_SECONDS": "1",
            "JOB_QUEUED_GRACE_SECONDS": "2",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
            **overrides,
        }
        Path(env["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
        settings = make_settings(**{key.lower(): value for key, value in env.items()
                                    if key.lower() in Settings.model_fields})
        from web.app import create_app

        app = create_app(settings)
        apps.append(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        stack = Stack(env=env, settings=settings,
                      base_url=f"http://127.0.0.1:{server.server_port}",
                      token=issue_key(app.extensions["scriptforge"].session_factory))
        stacks.append(stack)
        return stack

    yield build
    for stack in stacks:
        stack.stop_workers()
    for server in servers:
        server.shutdown()
        server.server_close()
    for app in apps:
        app.extensions["scriptforge"].db_engine.dispose()
