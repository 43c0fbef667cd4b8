"""Publishes jobs to Celery by task name, so the web never imports the worker's code."""

from __future__ import annotations

import uuid

from celery import Celery

from shared.config import Settings
from shared.db.models import JobKind
from shared.tasknames import TASK_FOR_KIND


class CeleryPublisher:
    """A JobPublisher backed by the broker. Fails fast: the sweeper covers lost publishes."""

    def __init__(self, settings: Settings) -> None:
        self._celery = Celery("scriptforge-web", broker=settings.redis_url)
        self._celery.conf.update(
            broker_connection_retry_on_startup=False,
            broker_transport_options={
                **settings.broker_transport_options,
                "socket_connect_timeout": 2,
                "socket_timeout": 5,
            },
        )

    def publish(self, job_id: uuid.UUID, kind: JobKind) -> None:
        task_name, queue = TASK_FOR_KIND[kind]
        # retry=False: a request thread must not hang on a broker that is down; the job row
        # is committed and the sweeper re-publishes it.
        self._celery.send_task(task_name, args=[str(job_id)], queue=queue, retry=False)
