"""Pieces every benchmark script shares: ports, HTTP with timings, percentiles, processes.

Benchmarks start real processes (gunicorn, Celery workers, the local LLM server) and must
end exactly those, by PID, however the run ends; :class:`ProcessGroup` tracks them, and
:func:`stop_on_signals` turns SIGTERM/SIGHUP into a normal exit so every ``finally`` and
``atexit`` clean-up runs.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from tests.support.private_services import free_port

ROOT = Path(__file__).resolve().parents[1]
__all__ = ["ROOT", "ProcessGroup", "Response", "bearer", "call", "free_port", "issue_key",
           "percentile", "request", "stop_on_signals", "wait_http"]


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def issue_key(database_url: str, tenant: str = "bench") -> str:
    """An API key with every scope for the benchmark's tenant, made in the database the
    benchmark's services use (the same repository function as ``scriptforge keys create``)."""
    from shared.db.session import make_engine, make_session_factory, session_scope
    from shared.db.tenancy import ALL_TENANTS
    from shared.repositories.api_keys import SCOPES, create_key
    from shared.repositories.tenants import get_or_create_tenant

    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with session_scope(make_session_factory(engine), ALL_TENANTS) as session:
            owner = get_or_create_tenant(session, tenant)
            return create_key(session, owner, scopes=SCOPES, name="bench").token
    finally:
        engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def call(method: str, url: str, body: Any = None, *, key: str) -> Any:
    """JSON request with API key ``key`` that must succeed (raises on any HTTP error)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              **bearer(key)})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@dataclass(frozen=True)
class Response:
    """What a client saw: status (0 = no HTTP answer at all), body, wall-clock seconds."""

    status: int
    body: Any
    seconds: float
    headers: dict[str, str]


def request(method: str, url: str, body: Any = None, *, timeout: float = 30,
            headers: dict[str, str] | None = None) -> Response:
    """One request that never raises: errors become a status, so outages can be counted."""
    data = json.dumps(body).encode() if body is not None else None
    prepared = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as response:
            raw, status, got = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw, status, got = error.read(), error.code, dict(error.headers)
    except OSError:
        return Response(0, None, time.monotonic() - started, {})
    seconds = time.monotonic() - started
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Response(status, parsed, seconds, got)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


class ProcessGroup:
    """Processes one benchmark started, each in its own session, logs under ``log_dir``.

    Each child leads a new session, so stopping it also ends anything it forked (gunicorn's
    workers) without touching any process this run did not start.
    """

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._log_start: dict[str, int] = {}  # a restarted process appends to its log
        atexit.register(self.stop_all)

    def spawn(self, name: str, command: list[str], env: dict[str, str],
              cwd: Path = ROOT) -> subprocess.Popen[bytes]:
        path = self.log_dir / f"{name}.log"
        self._log_start[name] = path.stat().st_size if path.exists() else 0
        with path.open("ab") as out:
            process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        """What the current (latest) run of ``name`` has written."""
        with (self.log_dir / f"{name}.log").open("rb") as log:
            log.seek(self._log_start.get(name, 0))
            return log.read().decode(errors="replace")

    def wait_for_log(self, name: str, needle: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        process = self.processes[name]
        while needle not in self.log(name):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{name} never logged {needle!r} (rc={process.poll()}):\n"
                                 f"{self.log(name)[-3000:]}")
            time.sleep(0.1)

    def kill(self, name: str) -> None:
        """SIGKILL the process (only the process: a crash, not an orderly stop)."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, name: str, timeout: float = 20) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        _signal_group(process.pid, signal.SIGKILL)  # leftovers of its session, if any

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)  # the session this group started (pgid == the child's pid)


def stop_on_signals() -> None:
    """Make SIGTERM and SIGHUP exit like Ctrl-C does, so clean-up code runs."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, handler)
