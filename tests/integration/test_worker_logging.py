"""A real worker process keeps logging after its first task (issue 8, defect 6).

Logging used to be configured lazily from the first task, after Celery had redirected
stderr into a logger; the new handler then wrote into that redirect and every later record
was swallowed. The log file here is the worker process's own stdout/stderr.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import Stack
from tests.web.helpers import SAMPLE

pytestmark = pytest.mark.integration


def _wait_for_lines(path: Path, needles: list[str], timeout: float = 20) -> str:
    """The log text once every needle is in it; fails with the log when one never shows."""
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text(errors="replace")
        if all(needle in text for needle in needles):
            return text
        if time.monotonic() > deadline:
            missing = [needle for needle in needles if needle not in text]
            raise AssertionError(f"worker log lacks {missing}:\n{text[-4000:]}")
        time.sleep(0.1)


def test_worker_logs_every_task_with_its_job_id(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack()
    worker = stack.start_worker(name="logs")
    status, lead, _ = stack.call("POST", "/api/v1/leads", SAMPLE["lead"])
    assert status == 201
    status, site, _ = stack.call("POST", "/api/v1/demo-sites",
                                 {"lead_id": lead["id"], **SAMPLE["demo_site"]})
    assert status == 201

    job_ids = []
    for style in ("professional", "casual", "sales"):  # one after the other: the 2nd+ went silent
        status, job, _ = stack.call("POST", "/api/v1/video-scripts/generate",
                                    {"demo_site_id": site["id"], "style": style,
                                     "voiceover": False})
        assert status == 202
        assert stack.wait_for_job(job["id"])["status"] == "succeeded"
        job_ids.append(job["id"])

    log_path = stack.logs[stack.workers.index(worker)]
    text = _wait_for_lines(log_path, [f"job_id={job_id}" for job_id in job_ids])
    for job_id in job_ids:
        lines = [line for line in text.splitlines() if f"job_id={job_id}" in line]
        assert any("job task started" in line for line in lines), lines
        assert any("job task finished" in line for line in lines), lines
