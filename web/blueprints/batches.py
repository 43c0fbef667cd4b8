"""The new-leads batch: run it now, watch its progress."""

from __future__ import annotations

from flask.views import MethodView

from shared.db.models import Batch, Job
from shared.jobs.batch import submit_manual_batch
from shared.repositories.batches import get_batch
from web.accepted import accept_job
from web.auth import requires_scope
from web.db import get_session
from web.parsing import Blueprint
from web.rate_limits import creates_job
from web.schemas.batches import BatchSchema
from web.schemas.jobs import JobSchema

blp = Blueprint("batches", __name__, url_prefix="/api/v1/batches",
                description="The new-leads batch (also run nightly by beat).")


@blp.route("")
class BatchCollection(MethodView):
    @requires_scope("write")
    @creates_job
    @blp.response(202, JobSchema,
                  headers={"Location": {"description": "The job to poll.",
                                        "schema": {"type": "string"}}})
    def post(self) -> tuple[Job, int, dict[str, str]]:
        """Run the new-leads batch now; the job's links.result is the batch's progress."""
        return accept_job({}, lambda: submit_manual_batch(get_session()))


@blp.route("/<id:batch_id>")
class BatchItem(MethodView):
    @requires_scope("read")
    @blp.response(200, BatchSchema)
    def get(self, batch_id: int) -> Batch:
        """A batch's status and counts: found, enqueued, succeeded, failed."""
        return get_batch(get_session(), batch_id)
