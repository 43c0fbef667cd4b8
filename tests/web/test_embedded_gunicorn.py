"""The Procfile's web line in embedded mode: gunicorn with ``gunicorn.conf.py`` on a fresh var/.

Both workers build the app at once and both migrate the embedded SQLite file; this is the
start-up race of issue 8 (#13), run the way a user runs it. Each gunicorn worker also runs
its own in-process job worker, which is safe because jobs are claimed by conditional update.
The same real server proves the exposure hardening of issue 10: no ``Server`` version, the
security headers, and an access log without keys, e-mail addresses or bodies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

from tests.support.private_services import free_port
from tests.web.helpers import SAMPLE

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "gunicorn.conf.py"


def _request(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
             ) -> tuple[int, Message]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited ({process.returncode}):\n{log.read_text()}")
        try:
            return _request(url)[0]
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"gunicorn not answering in 60 s:\n{log.read_text()}")


@contextmanager
def _gunicorn(tmp_path: Path, *, workers: int, log_json: bool = False,
              ) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """gunicorn started as the Procfile starts it (``-c gunicorn.conf.py``), embedded."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "OPENROUTER_API_KEY", "LLM_API_KEY",
                          "LLM_BASE_URL", "STORAGE_DIR"}}
    env.update(VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(ROOT), LOG_LEVEL="INFO",
               PORT=str(port), WEB_CONCURRENCY=str(workers), WEB_THREADS="4",
               LOG_JSON="true" if log_json else "false")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONFIG)],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            assert _wait_ready(f"{base}/readyz", process, log) == 200
            yield base, process, log
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_two_gunicorn_workers_start_embedded_on_a_fresh_var_dir(tmp_path: Path) -> None:
    with _gunicorn(tmp_path, workers=2) as (base, process, log):
        # Both workers booted: a worker that dies while booting halts the whole arbiter.
        deadline = time.monotonic() + 30
        while log.read_text().count("Booting worker") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert log.read_text().count("Booting worker") == 2, log.read_text()
        assert _wait_ready(f"{base}/readyz", process, log) == 200
        assert process.poll() is None, log.read_text()
        # Both signed review sessions with the one key the first of them generated.
        assert [path.name for path in (tmp_path / "var").glob("*secret_key*")] == ["secret_key"]
    assert "Traceback" not in log.read_text(), log.read_text()


TOKEN = "sf_" + "GunicornSecretTok3n" * 2
EMAIL = "jane.contact" + "@" + "harbor.example"
BODY_MARKER = "Unmistakable" + "LeadBody"


def test_gunicorn_sends_no_server_version_and_logs_no_secrets(tmp_path: Path) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with _gunicorn(tmp_path, workers=1, log_json=True) as (base, _, log):
        lead = json.dumps({**SAMPLE["lead"], "contact_email": EMAIL,
                           "company_name": BODY_MARKER}).encode()
        answers = [
            _request(f"{base}/healthz"),
            _request(f"{base}/api/docs"),
            _request(f"{base}/api/v1/leads", data=lead,
                     headers={**auth, "Content-Type": "application/json"}),
            _request(f"{base}/api/v1/leads?email={EMAIL}", headers=auth),
        ]
        for status, headers in answers:
            assert headers.get_all("Server") == ["gunicorn"], (status, headers.items())
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["X-Frame-Options"] == "DENY"
            assert headers["Cache-Control"] == "no-store"
    text = log.read_text()
    for secret in (TOKEN, EMAIL, BODY_MARKER, "Bearer", "harbor.example"):
        assert secret not in text, secret
    access = [record for record in (json.loads(line) for line in text.splitlines()
                                    if line.startswith("{"))
              if record["logger"] == "web.access" and record["route"] != "/readyz"]
    assert [(line["method"], line["route"]) for line in access] == [
        ("GET", "/healthz"), ("GET", "/api/docs"),
        ("POST", "/api/v1/leads"), ("GET", "/api/v1/leads"),
    ]
    assert [line["status"] for line in access[:2]] == [200, 200]
