"""The in-process worker (embedded mode) retries a job the database interrupted, like the
Celery tasks do, instead of leaving it to the sweeper."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from shared.config import Settings
from shared.db.models import Job, JobStatus
from shared.jobs.generation import submit_generation
from shared.jobs.inprocess import InProcessWorker
from shared.jobs.runtime import build_runtime
from shared.repositories.leads import create_demo_site, create_lead
from tests.support.private_services import PrivatePostgres
from tests.support.runtime import recording_runtime

PLAN = {"overall_strategy": "Faster pages", "improvements": [{"title": "Compress images"}]}


class _Signal(logging.Handler):
    """Sets an event when the runner reports a database outage."""

    def __init__(self) -> None:
        super().__init__()
        self.outage = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "database unavailable" in record.getMessage():
            self.outage.set()



def test_a_job_interrupted_by_the_database_is_retried_when_it_returns(
    make_settings: Callable[..., Settings], private_postgres: PrivatePostgres
) -> None:
    settings = make_settings(database_url=private_postgres.url,
                             job_db_retry_initial_seconds=0.1, job_db_retry_max_seconds=0.5)
    worker = InProcessWorker(2)
    runtime = build_runtime(settings, worker)
    worker.attach(runtime)
    signal = _Signal()
    logging.getLogger("shared.jobs.runner").addHandler(signal)
    try:
        creator, _ = recording_runtime(settings)  # creates the job without running it
        with creator.session() as session:
            lead = create_lead(session, company_name="Harbor Lane")
            site = create_demo_site(session, lead_id=lead.id, url="https://harbor.example",
                                    improvement_plan=PLAN)
            job = submit_generation(session, {"demo_site_id": site.id, "voiceover": False})
        creator.db_engine.dispose()
        private_postgres.stop()
        worker.publish(job.id, job.kind)
        assert signal.outage.wait(30), "the job must have met the outage"
        private_postgres.start()

        deadline = time.monotonic() + 30
        while True:
            with runtime.session() as session:
                status = session.get_one(Job, job.id).status
            if status in {JobStatus.SUCCEEDED, JobStatus.FAILED}:
                break
            assert time.monotonic() < deadline, f"job still {status}"
            time.sleep(0.05)
        assert status == JobStatus.SUCCEEDED
    finally:
        logging.getLogger("shared.jobs.runner").removeHandler(signal)
        worker.shutdown(wait=True)
        runtime.db_engine.dispose()
