"""The embedded worker: runs jobs on threads inside the web process (no broker needed).

Same semantics as Celery (202, then poll; at-least-once; exactly-once effect), because it
calls the same :func:`run_job`. A timer runs the sweeper so that jobs left queued or
running by a previous process are finished after a restart.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from shared.db.models import JobKind
from shared.errors import DatabaseUnavailableError
from shared.jobs.runner import db_retry_countdown, run_job
from shared.jobs.runtime import Runtime
from shared.jobs.sweeper import sweep_stuck_jobs
from shared.webhooks.delivery import deliver
from shared.webhooks.sweeper import sweep_outbox

log = logging.getLogger(__name__)


class InProcessWorker:
    """A JobPublisher that executes instead of enqueueing."""

    def __init__(self, max_workers: int, webhook_workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="job")
        # Deliveries wait on receivers: their own threads, like their own queue in Celery.
        self._webhook_pool = ThreadPoolExecutor(max_workers=webhook_workers,
                                                thread_name_prefix="webhook")
        self._runtime: Runtime | None = None
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    def attach(self, runtime: Runtime) -> None:
        """Bind to the runtime (which itself needs this publisher) and start the sweeper."""
        self._runtime = runtime
        self._sweeper = threading.Thread(target=self._sweep_forever, name="sweeper", daemon=True)
        self._sweeper.start()
        self._outbox_sweeper = threading.Thread(target=self._sweep_outbox_forever,
                                                name="outbox-sweeper", daemon=True)
        self._outbox_sweeper.start()

    def publish(self, job_id: uuid.UUID, kind: JobKind) -> None:
        if self._runtime is None:
            raise RuntimeError("in-process worker used before attach()")
        self._pool.submit(self._run, self._runtime, job_id)

    def publish_delivery(self, delivery_id: int, countdown: float = 0.0) -> None:
        if self._runtime is None:
            raise RuntimeError("in-process worker used before attach()")
        if countdown > 0:
            timer = threading.Timer(countdown, self._submit_delivery, args=(delivery_id,))
            timer.daemon = True
            timer.start()
        else:
            self._submit_delivery(delivery_id)

    def _submit_delivery(self, delivery_id: int) -> None:
        if not self._stop.is_set():
            self._webhook_pool.submit(self._deliver, delivery_id)

    def _deliver(self, delivery_id: int) -> None:
        assert self._runtime is not None
        try:
            deliver(self._runtime, delivery_id)
        except Exception:
            # The lease runs out and the outbox sweeper publishes the delivery again.
            log.exception("in-process delivery raised", extra={"delivery_id": delivery_id})

    def _run(self, runtime: Runtime, job_id: uuid.UUID, retries: int = 0,
             outage: DatabaseUnavailableError | None = None) -> None:
        try:
            run_job(runtime, job_id,
                    supersedes_attempt=outage.attempt if outage else None,
                    unrecorded_calls=outage.unrecorded_calls if outage else None)
        except DatabaseUnavailableError as again:
            # Same policy as the Celery tasks: retry with backoff, taking over the attempt.
            if retries >= runtime.settings.job_db_retry_max_retries or self._stop.is_set():
                log.warning("giving up retrying; the sweeper will pick the job up",
                            extra={"job_id": str(job_id)})
                return
            timer = threading.Timer(
                db_retry_countdown(runtime.settings, retries),
                self._resubmit, args=(runtime, job_id, retries + 1, again),
            )
            timer.daemon = True
            timer.start()
        except Exception:
            log.exception("in-process job raised", extra={"job_id": str(job_id)})

    def _resubmit(self, runtime: Runtime, job_id: uuid.UUID, retries: int,
                  outage: DatabaseUnavailableError) -> None:
        if not self._stop.is_set():
            self._pool.submit(self._run, runtime, job_id, retries, outage)

    def _sweep_forever(self) -> None:
        assert self._runtime is not None
        interval = self._runtime.settings.sweeper_interval_seconds
        while not self._stop.wait(interval):
            try:
                sweep_stuck_jobs(self._runtime)
            except Exception:
                log.exception("sweeper failed")

    def _sweep_outbox_forever(self) -> None:
        assert self._runtime is not None
        interval = self._runtime.settings.webhook_sweep_interval_seconds
        while not self._stop.wait(interval):
            try:
                sweep_outbox(self._runtime)
            except Exception:
                log.exception("outbox sweeper failed")

    def shutdown(self, *, wait: bool = True) -> None:
        self._stop.set()
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
        self._webhook_pool.shutdown(wait=wait, cancel_futures=not wait)
