"""Concurrent reviewers on Postgres (§3.6): every paid regeneration is stored with its own
version, and the script's decision is always the newest entry of its audit trail."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from shared.config import Settings
from shared.db.models import Job, JobStatus, LLMCall, VideoScript
from shared.jobs.generation import submit_generation
from shared.jobs.regeneration import submit_regeneration
from shared.jobs.runner import run_job
from shared.jobs.runtime import Runtime
from shared.repositories.leads import create_demo_site, create_lead
from tests.support.keys import issue_key
from tests.support.runtime import RecordingPublisher, recording_runtime
from tests.web.helpers import SAMPLE, keyed_client

CONCURRENCY = 20


class _StoreTogether:
    """The real script engine; every regeneration waits for all the others before it stores,
    so the 20 attempts reach version allocation at the same moment (the race under test)."""

    def __init__(self, engine: Any, parties: int) -> None:
        self._engine = engine
        self._barrier = threading.Barrier(parties)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def regenerate_section(self, *args: Any, **kwargs: Any) -> Any:
        generated = self._engine.regenerate_section(*args, **kwargs)
        self._barrier.wait(timeout=60)
        return generated


@pytest.fixture(params=["postgres", "sqlite"])
def runtime(
    request: pytest.FixtureRequest, llm_settings: Callable[..., Settings]
) -> Iterator[Runtime]:
    """Postgres (the issue's setting) and embedded SQLite, whose one writer lock is taken
    by the lineage lock's no-op write."""
    if request.param == "postgres":
        settings = llm_settings(database_url=request.getfixturevalue("postgres_url"),
                                db_pool_size=25)
    else:
        settings = llm_settings()
    rt, _ = recording_runtime(settings)
    yield rt
    rt.db_engine.dispose()


def _first_script(rt: Runtime) -> int:
    with rt.session() as session:
        lead = create_lead(session, **SAMPLE["lead"])
        site = create_demo_site(session, lead_id=lead.id, **SAMPLE["demo_site"])
        job = submit_generation(session, {"demo_site_id": site.id})
    run_job(rt, job.id)
    with rt.session() as session:
        script_id = session.scalar(select(VideoScript.id).where(VideoScript.job_id == job.id))
    assert script_id is not None
    return script_id


def test_twenty_concurrent_regenerations_all_store_with_distinct_versions(
    runtime: Runtime,
) -> None:
    script_id = _first_script(runtime)
    with runtime.session() as session:
        jobs = [submit_regeneration(session, script_id, 0, {"instructions": f"Variant {n}.",
                                                            "voiceover": False}).id
                for n in range(CONCURRENCY)]
    racing = dataclasses.replace(
        runtime, script_engine=_StoreTogether(runtime.script_engine, CONCURRENCY))

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        list(pool.map(lambda job_id: run_job(racing, job_id), jobs))

    with runtime.session() as session:
        finished = session.scalars(select(Job).where(Job.id.in_(jobs))).all()
        assert [(job.status, job.error) for job in finished] == [(JobStatus.SUCCEEDED, None)] * 20
        versions = session.scalars(
            select(VideoScript.version).where(VideoScript.parent_script_id == script_id)
        ).all()
        assert sorted(versions) == list(range(2, CONCURRENCY + 2))
        # Every paid call is on the ledger against the script it produced.
        unassigned = session.scalars(
            select(LLMCall).where(LLMCall.job_id.in_(jobs), LLMCall.script_id.is_(None))
        ).all()
        assert unassigned == []


@pytest.fixture
def web_app(postgres_url: str, make_settings: Callable[..., Settings]) -> Iterator[Flask]:
    from web.app import create_app

    app = create_app(make_settings(database_url=postgres_url, db_pool_size=25),
                     publisher=RecordingPublisher())
    yield app
    app.extensions["scriptforge"].db_engine.dispose()


def test_after_twenty_concurrent_decisions_the_script_matches_the_newest_trail_entry(
    web_app: Flask, make_settings: Callable[..., Settings], postgres_url: str
) -> None:
    rt, _ = recording_runtime(make_settings(database_url=postgres_url))
    try:
        script_id = _first_script(rt)
    finally:
        rt.db_engine.dispose()
    token = issue_key(web_app.extensions["scriptforge"].session_factory)
    decisions = ["approved", "rejected", "needs_revision"]
    start = threading.Barrier(CONCURRENCY)

    def decide(n: int) -> int:
        with keyed_client(web_app, token=token) as client:
            start.wait(timeout=30)
            return client.put(f"/api/v1/video-scripts/{script_id}/approve", json={
                "is_approved": decisions[n % 3], "approved_by": f"r{n}",
                "approval_notes": f"{uuid.uuid4()}",
            }).status_code

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        assert list(pool.map(decide, range(CONCURRENCY))) == [200] * CONCURRENCY

    client = keyed_client(web_app, token=token)
    script = client.get(f"/api/v1/video-scripts/{script_id}").json
    trail = client.get(f"/api/v1/video-scripts/{script_id}/approvals").json
    assert len(trail) == CONCURRENCY
    newest = trail[-1]
    assert (script["is_approved"], script["approved_by"], script["approval_notes"]) == (
        newest["decision"], newest["approved_by"], newest["notes"])
    assert [entry["created_at"] for entry in trail] == sorted(e["created_at"] for e in trail)
