"""The Procfile's web line in embedded mode: gunicorn with two workers on a fresh var/.

Both workers build the app at once and both migrate the embedded SQLite file; this is the
start-up race of issue 8 (#13), run the way a user runs it. Each gunicorn worker also runs
its own in-process job worker, which is safe because jobs are claimed by conditional update.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.private_services import free_port

ROOT = Path(__file__).resolve().parents[2]


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited ({process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"gunicorn not answering in 60 s:\n{log.read_text()}")


def test_two_gunicorn_workers_start_embedded_on_a_fresh_var_dir(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "OPENROUTER_API_KEY", "LLM_API_KEY",
                          "LLM_BASE_URL", "STORAGE_DIR"}}
    env.update(VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(ROOT), LOG_LEVEL="INFO")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "4", "web.wsgi:app"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            assert _wait_ready(f"http://127.0.0.1:{port}/readyz", process, log) == 200
            # Both workers booted: a worker that dies while booting halts the whole arbiter.
            deadline = time.monotonic() + 30
            while log.read_text().count("Booting worker") < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert log.read_text().count("Booting worker") == 2, log.read_text()
            assert _wait_ready(f"http://127.0.0.1:{port}/readyz", process, log) == 200
            assert process.poll() is None, log.read_text()
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()
