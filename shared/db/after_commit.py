"""Run side effects (publishing a job, deleting files) only once a transaction has committed.

Doing them earlier risks acting on work that is then rolled back: a task running for a job
row that never existed, audio deleted for a script that still exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

log = logging.getLogger(__name__)

_CALLBACKS = "scriptforge.after_commit"


def call_after_commit(session: Session, callback: Callable[[], object]) -> None:
    """Queue ``callback`` to run after this session's transaction commits (dropped on rollback)."""
    session.info.setdefault(_CALLBACKS, []).append(callback)


def install_after_commit_hooks(factory: sessionmaker[Session]) -> None:
    def _run(session: Session) -> None:
        for callback in session.info.pop(_CALLBACKS, []):
            try:
                callback()
            except Exception:
                # The transaction is committed; a failed side effect is logged, and each
                # caller has its own recovery (the sweeper re-publishes, for instance).
                log.exception("after-commit callback failed")

    def _drop(session: Session, previous: SessionTransaction) -> None:
        if previous.parent is None:  # the outermost transaction rolled back
            session.info.pop(_CALLBACKS, None)

    event.listen(factory, "after_commit", _run)
    event.listen(factory, "after_soft_rollback", _drop)
