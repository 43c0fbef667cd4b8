"""The Celery app's delivery policy and beat schedule come from the environment."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

from shared.config import ConfigError
from shared.jobs.kinds import RUN_VOICEOVER_JOB
from shared.tasknames import NIGHTLY_BATCH, SWEEP_STUCK_JOBS, VOICEOVER_QUEUE


def _load(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import worker.celery_app

    return importlib.reload(worker.celery_app)


def test_delivery_policy_and_time_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _load(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/9").app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_pool == "threads"
    assert conf.worker_concurrency >= 32
    assert conf.task_time_limit < conf.broker_transport_options["visibility_timeout"]
    assert conf.broker_transport_options["max_connections"] > conf.worker_concurrency
    assert conf.task_routes[RUN_VOICEOVER_JOB] == {"queue": VOICEOVER_QUEUE}


def test_beat_runs_the_sweeper_and_the_nightly_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _load(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/9",
                 NIGHTLY_BATCH_CRON="30 3 * * 1-5", SWEEPER_INTERVAL_SECONDS="45").app.conf
    nightly = conf.beat_schedule["nightly-new-leads-batch"]
    assert nightly["task"] == NIGHTLY_BATCH
    assert nightly["schedule"].hour == {3}
    assert nightly["schedule"].minute == {30}
    assert nightly["schedule"].day_of_week == {1, 2, 3, 4, 5}
    sweeper = conf.beat_schedule["sweep-stuck-jobs"]
    assert (sweeper["task"], sweeper["schedule"]) == (SWEEP_STUCK_JOBS, 45.0)


def test_worker_refuses_to_start_without_a_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ConfigError, match="REDIS_URL"):
        _load(monkeypatch)
    _load(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/9")  # leave a usable module behind


def test_broker_keys_carry_the_deployment_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _load(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/9",
                 REDIS_KEY_PREFIX="tenant-a:").app.conf
    assert conf.broker_transport_options["global_keyprefix"] == "tenant-a:"
    monkeypatch.delenv("REDIS_KEY_PREFIX")
    conf = _load(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/9").app.conf
    assert "global_keyprefix" not in conf.broker_transport_options
