"""``/metrics`` sums the web's processes (prometheus_client multiprocess mode, §13).

prometheus_client picks its storage when it is imported, from ``PROMETHEUS_MULTIPROC_DIR``,
so every case runs in processes of its own: two app processes write to one directory and
a third reports their sum; then gunicorn (``gunicorn.conf.py``) with two workers, which
must start from an emptied directory and answer the same total whichever worker is asked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.support.private_services import free_port

ROOT = Path(__file__).resolve().parents[2]
HEALTHZ = (("method", "GET"), ("route", "/healthz"), ("status", "200"))

# Build the embedded app, answer /healthz N times, optionally print /metrics, and exit.
APP_PROCESS = """
import sys
from web.app import create_app
app = create_app()
client = app.test_client()
for _ in range(int(sys.argv[1])):
    assert client.get("/healthz").status_code == 200
if sys.argv[2:] == ["scrape"]:
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
app.extensions["scriptforge.worker"].shutdown(wait=True)
"""


def _env(tmp_path: Path, multiproc_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "OPENROUTER_API_KEY", "LLM_API_KEY",
                          "LLM_BASE_URL", "STORAGE_DIR", "METRICS_TOKEN"}}
    env.update(VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING",
               PROMETHEUS_MULTIPROC_DIR=str(multiproc_dir), METRICS_CACHE_SECONDS="0")
    return env


def _app_process(env: dict[str, str], requests: int, *, scrape: bool = False) -> str:
    command = [sys.executable, "-c", APP_PROCESS, str(requests), *(["scrape"] if scrape else [])]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _http_requests(body: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(body)
            if family.name == "scriptforge_http_requests"
            for sample in family.samples if sample.name.endswith("_total")}


def test_two_processes_writing_one_directory_are_reported_as_their_sum(tmp_path: Path) -> None:
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    env = _env(tmp_path, multiproc_dir)
    _app_process(env, 3)
    _app_process(env, 5)
    assert len(list(multiproc_dir.glob("counter_*.db"))) >= 2, "one file per process"

    body = _app_process(env, 0, scrape=True)

    assert _http_requests(body)[HEALTHZ] == 8
    assert "scriptforge_jobs_total" in body  # the database figures are there too


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _serve_and_count(env: dict[str, str], tmp_path: Path, requests: int) -> list[float]:
    """Start gunicorn with two workers, send ``requests`` to /healthz, and return what six
    scrapes (answered by either worker) report for them."""
    port = free_port()
    env = {**env, "PORT": str(port), "WEB_CONCURRENCY": "2", "WEB_THREADS": "4"}
    log = tmp_path / "gunicorn.log"
    base = f"http://127.0.0.1:{port}"
    reported: list[float] = []
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c",
                                    str(ROOT / "gunicorn.conf.py")],
                                   cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while log.read_text().count("Booting worker") < 2 or not _answers(f"{base}/readyz"):
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            with ThreadPoolExecutor(max_workers=8) as pool:
                statuses = list(pool.map(lambda _: _get(f"{base}/healthz")[0],
                                         range(requests)))
            assert statuses == [200] * requests
            for _ in range(6):
                status, body = _get(f"{base}/metrics")
                assert status == 200, body
                reported.append(_http_requests(body)[HEALTHZ])
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()
    return reported


def test_gunicorn_workers_are_summed_and_an_earlier_run_is_forgotten(tmp_path: Path) -> None:
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    env = _env(tmp_path, multiproc_dir)
    _app_process(env, 7)  # an earlier run's counts, left in the directory

    # Whichever worker answers a scrape, it reports both workers' requests, and only these.
    assert _serve_and_count(env, tmp_path, 40) == [40] * 6


def test_gunicorn_sums_its_workers_without_being_given_a_directory(tmp_path: Path) -> None:
    env = _env(tmp_path, tmp_path / "unused")
    del env["PROMETHEUS_MULTIPROC_DIR"]
    temp = tmp_path / "tmp"
    temp.mkdir()
    env["TMPDIR"] = str(temp)

    assert _serve_and_count(env, tmp_path, 30) == [30] * 6
    assert list(temp.iterdir()) == [], "the master removes the directory it made"


def _answers(url: str) -> bool:
    try:
        return _get(url)[0] == 200
    except OSError:
        return False
