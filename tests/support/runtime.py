"""A job runtime for calling job code directly, with a publisher that only records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from shared.config import Settings
from shared.db.migrate import upgrade_to_head
from shared.db.models import JobKind
from shared.jobs.runtime import Runtime, build_runtime


@dataclass
class RecordingPublisher:
    published: list[tuple[uuid.UUID, JobKind]] = field(default_factory=list)

    def publish(self, job_id: uuid.UUID, kind: JobKind) -> None:
        self.published.append((job_id, kind))

    def of_kind(self, kind: JobKind) -> list[uuid.UUID]:
        return [job_id for job_id, published_kind in self.published if published_kind == kind]


def recording_runtime(settings: Settings) -> tuple[Runtime, RecordingPublisher]:
    upgrade_to_head(settings.resolved_database_url)
    publisher = RecordingPublisher()
    return build_runtime(settings, publisher), publisher
