"""A job runtime on SQLite whose publisher only records, for calling job code directly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.config import Settings
from shared.jobs.runtime import Runtime
from tests.support.runtime import RecordingPublisher, recording_runtime

MakeRuntime = Callable[..., tuple[Runtime, RecordingPublisher]]


@pytest.fixture
def make_runtime(make_settings: Callable[..., Settings]) -> Iterator[MakeRuntime]:
    runtimes: list[Runtime] = []

    def build(**overrides: Any) -> tuple[Runtime, RecordingPublisher]:
        rt, publisher = recording_runtime(make_settings(**overrides))
        runtimes.append(rt)
        return rt, publisher

    yield build
    for rt in runtimes:
        rt.db_engine.dispose()
