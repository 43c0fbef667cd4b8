"""A job as the API shows it (§4, ``GET /jobs/{id}``), in one place.

The web's ``JobSchema`` dumps this document, and ``job.*`` webhook events (§12) carry it as
their data, so a receiver sees exactly what polling would have shown. Values are Python
types (datetimes, UUIDs, enums); the schema and the event encoder turn them into the same
JSON.
"""

from __future__ import annotations

from typing import Any

from shared.db.models import Job
from shared.jobs.kinds import spec_for


def job_links(job: Job) -> dict[str, str]:
    links = {"self": f"/api/v1/jobs/{job.id}"}
    result_link = spec_for(job.kind).result_link(job.params, job.result)
    if result_link is not None:
        links["result"] = result_link
    return links


def job_document(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "attempts": job.attempts,
        "progress": job.progress,
        "params": job.params,
        "result": job.result,
        "error": job.error,
        "links": job_links(job),
    }
