"""Job kinds are declared once (shared/jobs/kinds.py) and everything else reads that table."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import uuid

import pytest

from shared.db.models import Job, JobKind, JobStatus
from shared.jobs.kinds import JOB_KINDS, job_queues, job_task_names, spec_for, task_routes
from shared.tasknames import SCRIPTS_QUEUE, VOICEOVER_QUEUE


def test_every_kind_has_one_spec_with_an_importable_handler() -> None:
    assert set(JOB_KINDS) == set(JobKind)
    for kind, spec in JOB_KINDS.items():
        assert spec.kind is kind
        handler = spec.handler_function()
        assert list(inspect.signature(handler).parameters) == ["runtime", "claim", "job"], kind


def test_queues_and_routes_come_from_the_specs() -> None:
    assert job_queues() == (SCRIPTS_QUEUE, VOICEOVER_QUEUE)
    routes = task_routes()
    assert set(routes) == set(job_task_names())
    for spec in JOB_KINDS.values():
        assert routes[spec.task_name] == {"queue": spec.queue}
    assert spec_for("voiceover").queue == VOICEOVER_QUEUE


def test_the_worker_defines_and_routes_a_task_for_every_declared_task_name() -> None:
    # A fresh interpreter, as a worker starts: the Celery app is configured at import.
    probe = (
        "import json; from worker.celery_app import app; import worker.tasks; app.finalize();"
        "print(json.dumps({'tasks': sorted(app.tasks), 'routes': app.conf.task_routes}))"
    )
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/9"}
    completed = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                               text=True, check=True, timeout=60)
    worker = json.loads(completed.stdout.strip().splitlines()[-1])
    for name in job_task_names():
        assert name in worker["tasks"]
        assert worker["routes"][name] == task_routes()[name]


@pytest.mark.parametrize(("kind", "params", "result", "link"), [
    (JobKind.GENERATE_SCRIPT, {"demo_site_id": 3}, None, None),
    (JobKind.GENERATE_SCRIPT, {"demo_site_id": 3}, {"script_id": 9}, "/api/v1/video-scripts/9"),
    (JobKind.REGENERATE_SECTION, {"script_id": 9}, {"script_id": 10},
     "/api/v1/video-scripts/10"),
    (JobKind.VOICEOVER, {"script_id": 9}, None, None),
    (JobKind.VOICEOVER, {"script_id": 9}, {"voiceover_id": 4},
     "/api/v1/video-scripts/9/voiceover"),
    (JobKind.BATCH, {"batch_id": 2}, None, "/api/v1/batches/2"),
])
def test_the_job_payload_links_what_the_kind_produces(
    kind: JobKind, params: dict[str, object], result: dict[str, object] | None,
    link: str | None,
) -> None:
    from web.schemas.jobs import JobSchema

    job = Job(id=uuid.uuid4(), kind=kind, status=JobStatus.SUCCEEDED, params=params,
              result=result, attempts=1, progress=100)
    links = JobSchema().dump(job)["links"]
    assert links["self"] == f"/api/v1/jobs/{job.id}"
    assert links.get("result") == link
