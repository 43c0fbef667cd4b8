"""README's production setup, verbatim, on a fresh clone (issue 8, defect 1).

A fresh clone has no ``var/``: beat used to die at once opening ``var/celerybeat-schedule``,
and honcho ends the whole group when one process dies. This test clones the committed HEAD
of this checkout into an empty directory, runs ``honcho start release`` and then
``honcho start web worker voiceover beat`` with only documented variables, runs one
generation (and its chained voiceover) over HTTP, and checks that every process was still
up when it stopped them. ``PYTHONPATH`` points at the clone in place of README's
``pip install -e .`` into a second virtualenv, so the clone's code is what runs.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, Stack
from tests.support.fake_openai import FakeOpenAI
from tests.support.keys import TEST_SECRET_KEY
from tests.support.private_services import free_port
from tests.support.services import missing, require_binary, scratch_database
from tests.web.helpers import SAMPLE

pytestmark = pytest.mark.integration

PROCESSES = ("web", "worker", "voiceover", "beat")


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """The committed HEAD of this checkout, cloned into an empty directory."""
    git = require_binary("git")
    head = subprocess.run([git, "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=False)
    if head.returncode != 0:
        missing(f"{ROOT} is not a git checkout")
    target = tmp_path / "clone"
    subprocess.run([git, "clone", "--quiet", str(ROOT), str(target)], check=True)
    subprocess.run([git, "-C", str(target), "checkout", "--quiet", "--detach",
                    head.stdout.strip()], check=True)
    assert not (target / "var").exists()
    return target


@pytest.fixture
def own_database() -> Iterator[str]:
    """An empty Postgres database of this test's own (``release`` migrates it), dropped after."""
    with scratch_database("clone") as url:
        yield url


def _wait_for(log: Path, pattern: str, process: subprocess.Popen[bytes],
              timeout: float = 90) -> re.Match[str]:
    """The first match of ``pattern`` in honcho's output; fails if honcho ends first."""
    deadline = time.monotonic() + timeout
    while True:
        found = re.search(pattern, log.read_text(errors="replace"), re.MULTILINE)
        if found:
            return found
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"no {pattern!r} in honcho output (honcho rc="
                                 f"{process.poll()}):\n{log.read_text(errors='replace')[-6000:]}")
        time.sleep(0.2)


def test_procfile_processes_start_from_a_fresh_clone_and_run_a_job(
    clone: Path, own_database: str, redis_url: str, redis_key_prefix: str,
    fake_llm: FakeOpenAI, tmp_path: Path,
) -> None:
    require_binary("espeak-ng")  # the default voiceover engine, used by the chained job
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(clone),
        "DATABASE_URL": own_database,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": redis_key_prefix,
        "LLM_BASE_URL": fake_llm.base_url,
        "LLM_API_KEY": "test-key",
        "SECRET_KEY": TEST_SECRET_KEY,
        # Documented knob, shortened so beat proves it is alive by dispatching within seconds.
        "SWEEPER_INTERVAL_SECONDS": "1",
    }
    honcho = [sys.executable, "-m", "honcho", "--no-colour"]
    release = subprocess.run([*honcho, "start", "release"], cwd=clone, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    assert release.returncode == 0, release.stdout + release.stderr
    # README's key flow: the `scriptforge` console script is `shared.cli:main`; run from the
    # clone (PYTHONPATH, as above) it talks to the database the processes use.
    created = subprocess.run(
        [sys.executable, "-c", "from shared.cli import main; raise SystemExit(main())",
         "keys", "create", "--tenant", "acme", "--scopes", "read,write", "--name", "clone"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert created.returncode == 0, created.stdout + created.stderr
    key = json.loads(created.stdout)
    assert key["tenant"] == "acme"

    log = tmp_path / "honcho.log"
    with log.open("wb") as out:
        group = subprocess.Popen([*honcho, "start", "-p", str(free_port()), *PROCESSES],
                                 cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    try:
        port = int(_wait_for(log, r"^.*web\.1.*Listening at: http://[^:]+:(\d+)", group)[1])
        _wait_for(log, r"^.*worker\.1 .* ready\.", group)
        _wait_for(log, r"^.*voiceover\.1 .* ready\.", group)
        _wait_for(log, r"^.*beat\.1 .*Sending due task sweep-stuck-jobs", group)

        stack = Stack(env=env, settings=None,  # type: ignore[arg-type]  # HTTP helpers only
                      base_url=f"http://127.0.0.1:{port}", token=key["key"])
        assert stack.call("GET", "/api/v1/leads", headers={"Authorization": ""})[0] == 401
        status, lead, _ = stack.call("POST", "/api/v1/leads", SAMPLE["lead"])
        assert status == 201, lead
        status, site, _ = stack.call("POST", "/api/v1/demo-sites",
                                     {"lead_id": lead["id"], **SAMPLE["demo_site"]})
        assert status == 201, site
        status, job, _ = stack.call("POST", "/api/v1/video-scripts/generate",
                                    {"demo_site_id": site["id"], "style": "sales"})
        assert status == 202, job
        job = stack.wait_for_job(job["id"], timeout=90)
        assert job["status"] == "succeeded", job
        script_id = job["result"]["script_id"]
        deadline = time.monotonic() + 90
        while True:  # the chained voiceover runs on the voiceover process
            status, voiceover, _ = stack.call("GET",
                                              f"/api/v1/video-scripts/{script_id}/voiceover")
            if status == 200 and voiceover["status"] in {"ready", "failed"}:
                break
            assert time.monotonic() < deadline, (status, voiceover)
            time.sleep(0.2)
        assert voiceover["status"] == "ready", voiceover

        output = log.read_text(errors="replace")
        assert group.poll() is None, output[-6000:]
        ended = [line for line in output.splitlines()
                 if re.search(r"system\s*\|.*(stopped|exited)", line)]
        assert ended == [], "\n".join(ended)
    finally:
        if group.poll() is None:
            os.kill(group.pid, signal.SIGTERM)
        try:
            group.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(group.pid, signal.SIGKILL)  # the session this test started
            group.wait(timeout=10)
