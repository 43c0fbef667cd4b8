"""Publish jobs to the broker only after the transaction that created them has committed.

A task published before its row is committed can run before the row exists (and find
nothing), and a task published for a transaction that then rolls back runs for a job that
never existed. So handlers call :func:`publish_after_commit`, which hands the job to the
session's :class:`JobPublisher` once the transaction has committed.

A failed publish is logged, not raised: the job row is committed, the client already has
its 202, and the sweeper re-publishes jobs whose publish was lost.
"""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.db.after_commit import call_after_commit, install_after_commit_hooks
from shared.db.models import Job, JobKind
from shared.db.types import utcnow
from shared.repositories.jobs import clear_published_at

log = logging.getLogger(__name__)

_PUBLISHER = "scriptforge.publisher"


class JobPublisher(Protocol):
    """Sends "run job X" to whatever executes jobs (Celery, or the in-process worker)."""

    def publish(self, job_id: uuid.UUID, kind: JobKind) -> None: ...


def publish_after_commit(session: Session, job: Job) -> None:
    """Mark ``job`` as published in this transaction and publish it once it commits."""
    publisher: JobPublisher = session.info[_PUBLISHER]
    engine = session.get_bind().engine  # an Engine, or the Connection a session is bound to
    job.published_at = utcnow()
    job_id, kind = job.id, job.kind

    def publish() -> None:
        try:
            publisher.publish(job_id, kind)
        except Exception as error:
            log.warning("publish failed; the sweeper will retry",
                        extra={"job_id": str(job_id), "error": f"{type(error).__name__}: {error}"})
            forget_publish(engine, job_id)

    call_after_commit(session, publish)


def session_publisher(session: Session) -> JobPublisher | None:
    """The publisher sessions of this factory hand their work to (None: none installed)."""
    publisher: JobPublisher | None = session.info.get(_PUBLISHER)
    return publisher


def install_publisher(factory: sessionmaker[Session], publisher: JobPublisher) -> None:
    """Give every session ``factory`` makes the publisher and the after-commit hooks."""
    factory.configure(info={_PUBLISHER: publisher})
    install_after_commit_hooks(factory)


def forget_publish(engine: Engine, job_id: uuid.UUID) -> None:
    """Clear ``published_at`` so the sweeper treats the job as never published (it then
    re-publishes it after ``JOB_QUEUED_GRACE_SECONDS`` instead of
    ``JOB_REPUBLISH_AFTER_SECONDS``)."""
    try:
        with engine.begin() as connection:
            clear_published_at(connection, job_id)
    except Exception:
        # The sweeper's republish-after window still covers this job.
        log.warning("could not clear published_at after a failed publish", exc_info=True)
