"""Jobs: poll what was accepted with 202."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from shared.db.models import Job
from shared.errors import NotFoundError
from shared.repositories import jobs as store
from web.auth import requires_scope
from web.db import get_session
from web.pagination import total_count_header
from web.parsing import Blueprint
from web.schemas.jobs import JobListQuerySchema, JobSchema

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs", description="Asynchronous jobs.")


@blp.route("")
class JobCollection(MethodView):
    @requires_scope("read")
    @blp.arguments(JobListQuerySchema, location="query")
    @blp.response(200, JobSchema(many=True), headers=total_count_header())
    def get(self, query: dict[str, Any]) -> tuple[list[Job], dict[str, str]]:
        """List jobs, newest first; filter by status and kind."""
        jobs, total = store.list_jobs(get_session(), **query)
        return jobs, {"X-Total-Count": str(total)}


@blp.route("/<uuid:job_id>")
class JobItem(MethodView):
    @requires_scope("read")
    @blp.response(200, JobSchema)
    def get(self, job_id: uuid.UUID) -> Job:
        """Poll a job."""
        job = store.get_job(get_session(), job_id)
        if job is None:
            raise NotFoundError("job", job_id)
        return job
