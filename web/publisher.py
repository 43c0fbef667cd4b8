"""Publishes jobs to Celery by task name, so the web never imports the worker's code.

A request must never wait on a broker that is down (§4: the job row is committed, the
client gets its 202, and the sweeper re-publishes anything whose publish was lost). Two
layers keep it so:

- :class:`CeleryPublisher` fails fast: kombu's connection retries are off
  (``max_retries=0``) and redis-py's socket connect/read timeouts are short, so one
  publish to a dead broker raises within about a second instead of retrying for 6-12 s.
- :class:`BackgroundPublisher` runs publishes on a small thread pool and waits at most
  ``PUBLISH_WAIT_SECONDS`` for each; after a failure it stops trying for
  ``PUBLISH_BREAKER_SECONDS`` (a circuit breaker), so while the broker is known to be down
  a publish is refused at once and the job is left to the sweeper.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from celery import Celery

from shared.config import Settings
from shared.db.models import JobKind
from shared.jobs.kinds import DELIVER_WEBHOOK, spec_for
from shared.jobs.publishing import JobPublisher
from shared.tasknames import WEBHOOKS_QUEUE
from shared.webhooks.publishing import DeliveryPublisher

log = logging.getLogger(__name__)


class BrokerUnavailableError(ConnectionError):
    """The broker is known to be down (or the publish backlog is full): not even tried."""


class CeleryPublisher:
    """A JobPublisher backed by the broker, failing fast when it is unreachable."""

    def __init__(self, settings: Settings) -> None:
        timeout = settings.broker_publish_timeout_seconds
        self._celery = Celery("scriptforge-web", broker=settings.redis_url)
        self._celery.conf.update(
            broker_connection_retry_on_startup=False,
            broker_connection_timeout=timeout,
            broker_transport_options={
                **settings.broker_transport_options,
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
                # kombu's ensure_connection retries (with backoff) unless told otherwise,
                # even when send_task is called with retry=False.
                "max_retries": 0,
            },
        )

    def publish_delivery(self, delivery_id: int, countdown: float = 0.0) -> None:
        self._celery.send_task(DELIVER_WEBHOOK, args=[delivery_id], queue=WEBHOOKS_QUEUE,
                               countdown=countdown or None, retry=False)

    def publish(self, job_id: uuid.UUID, kind: JobKind) -> None:
        spec = spec_for(kind)
        self._celery.send_task(spec.task_name, args=[str(job_id)], queue=spec.queue, retry=False)


class BackgroundPublisher:
    """Runs ``inner.publish`` off the request thread, waiting at most ``wait_seconds``.

    Outcomes for the caller (``publish_after_commit``): returns when the publish succeeded
    or is still in flight after ``wait_seconds``; raises when it failed within the wait or
    was refused (breaker open, backlog full), so the caller clears ``published_at`` and
    the sweeper takes the job. A publish that fails after the wait calls
    ``on_late_failure(job_id)``, which does the same from the pool thread.
    """

    def __init__(
        self,
        inner: JobPublisher,
        *,
        on_late_failure: Callable[[uuid.UUID], None],
        wait_seconds: float,
        breaker_seconds: float,
        max_pending: int = 256,
        threads: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._on_late_failure = on_late_failure
        self._wait_seconds = wait_seconds
        self._breaker_seconds = breaker_seconds
        self._threads = threads
        self._clock = clock
        self._pending = threading.BoundedSemaphore(max_pending)
        self._lock = threading.Lock()
        self._open_until = 0.0  # the breaker refuses publishes until this clock value
        self._executor: ThreadPoolExecutor | None = None
        self._executor_pid = 0

    def publish(self, job_id: uuid.UUID, kind: JobKind) -> None:
        self._submit(lambda: self._inner.publish(job_id, kind),
                     on_late=lambda done: self._settle_late(done, job_id))

    def publish_delivery(self, delivery_id: int, countdown: float = 0.0) -> None:
        """Same breaker and wait as jobs; a failure raises so the caller leaves the
        delivery to the outbox sweeper at once (a late one is only logged: the sweeper
        republishes it after WEBHOOK_REPUBLISH_AFTER_SECONDS)."""
        inner = self._inner
        if not isinstance(inner, DeliveryPublisher):
            raise BrokerUnavailableError("this publisher does not send deliveries")
        self._submit(lambda: inner.publish_delivery(delivery_id, countdown),
                     on_late=lambda done: self._log_late_delivery_failure(done, delivery_id))

    def _submit(self, send: Callable[[], None],
                on_late: Callable[[Future[None]], None]) -> None:
        """Run ``send`` on the pool, waiting at most ``wait_seconds``; past that, answer
        now and let ``on_late`` settle the outcome."""
        if self.broker_known_down():
            raise BrokerUnavailableError("broker down (recent publish failed); left to sweeper")
        if not self._pending.acquire(blocking=False):
            raise BrokerUnavailableError("publish backlog full; left to the sweeper")
        try:
            future = self._pool().submit(self._guarded, send)
        except BaseException:
            self._pending.release()
            raise
        try:
            future.result(timeout=self._wait_seconds)
        except FutureTimeout:
            # Still trying (a slow or blackholed broker): answer now, settle it later.
            future.add_done_callback(on_late)

    @staticmethod
    def _log_late_delivery_failure(done: Future[None], delivery_id: int) -> None:
        if done.exception() is not None:
            log.warning("delivery publish failed after the request returned; the sweeper "
                        "will send it", extra={"delivery_id": delivery_id})

    def broker_known_down(self) -> bool:
        with self._lock:
            return self._clock() < self._open_until

    def shutdown(self, *, wait: bool = True) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait)

    def _guarded(self, send: Callable[[], None]) -> None:
        """Run one publish, opening the breaker when it fails."""
        try:
            send()
        except Exception:
            with self._lock:
                self._open_until = self._clock() + self._breaker_seconds
            raise
        else:
            with self._lock:
                self._open_until = 0.0
        finally:
            self._pending.release()

    def _settle_late(self, done: Future[None], job_id: uuid.UUID) -> None:
        error = done.exception()
        if error is None:
            return
        log.warning("publish failed after the request returned; the sweeper will retry",
                    extra={"job_id": str(job_id), "error": type(error).__name__})
        try:
            self._on_late_failure(job_id)
        except Exception:
            log.warning("could not record a failed publish", exc_info=True)

    def _pool(self) -> ThreadPoolExecutor:
        # Built lazily and again after a fork (gunicorn): a pool's threads do not survive it.
        with self._lock:
            if self._executor is None or self._executor_pid != os.getpid():
                self._executor = ThreadPoolExecutor(self._threads,
                                                    thread_name_prefix="publish")
                self._executor_pid = os.getpid()
            return self._executor
