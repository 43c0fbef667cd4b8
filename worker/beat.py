"""Beat's scheduler: Celery's persistent one, made to work from a fresh checkout.

Beat keeps its last-run times in a shelve file (``VAR_DIR/celerybeat-schedule`` unless
``--schedule`` says otherwise). A fresh clone has no ``var/`` yet, and Celery opens the file
without creating its directory, so beat died at start and took a Procfile runner's whole
process group down with it. Creating the directory first is the only change.
"""

from __future__ import annotations

from pathlib import Path

from celery.beat import PersistentScheduler


class Scheduler(PersistentScheduler):
    """``PersistentScheduler`` that creates the directory of its schedule file."""

    def setup_schedule(self) -> None:
        Path(self.schedule_filename).expanduser().parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()
