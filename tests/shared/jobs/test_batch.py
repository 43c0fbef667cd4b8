"""The new-leads batch, run by calling the job code directly (§8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from shared.db.models import Batch, BatchStatus, DemoSite, Job, JobKind, JobStatus
from shared.db.tenancy import ALL_TENANTS, tenant_context
from shared.db.types import utcnow
from shared.jobs.batch import start_nightly_batch
from shared.jobs.generation import submit_generation
from shared.jobs.runner import run_job
from shared.jobs.runtime import Runtime
from shared.repositories.leads import create_demo_site, create_lead
from shared.repositories.tenants import create_tenant
from tests.shared.jobs.conftest import MakeRuntime
from tests.support.keys import DEFAULT_TENANT_ID
from tests.support.runtime import RecordingPublisher

PLAN = {"overall_strategy": "Faster pages", "improvements": [{"title": "Compress images"}]}


@pytest.fixture
def runtime(make_runtime: MakeRuntime) -> tuple[Runtime, RecordingPublisher]:
    return make_runtime(batch_chunk_size=2)


def _site(rt: Runtime, name: str) -> int:
    with rt.session() as session:
        lead = create_lead(session, company_name=name)
        return create_demo_site(session, lead_id=lead.id, url=f"https://{name}.example",
                                improvement_plan=PLAN).id


def _run_published(rt: Runtime, publisher: RecordingPublisher, kind: JobKind) -> None:
    for job_id in publisher.of_kind(kind):
        run_job(rt, job_id)


def _batch(rt: Runtime) -> Batch:
    with rt.session() as session:
        return session.scalars(select(Batch).order_by(Batch.id.desc())).first()  # type: ignore[return-value]


def test_nightly_batch_scripts_new_leads_once(runtime: tuple[Runtime, RecordingPublisher]) -> None:
    rt, publisher = runtime
    scripted = _site(rt, "already")
    with rt.session() as session:
        submit_generation(session, {"demo_site_id": scripted, "voiceover": False})
    _run_published(rt, publisher, JobKind.GENERATE_SCRIPT)
    new_sites = {_site(rt, name) for name in ("alpha", "beta", "gamma", "delta", "epsilon")}
    publisher.published.clear()

    tonight = utcnow()
    [first] = start_nightly_batch(rt, tonight)  # one tenant ("default"), one batch
    assert start_nightly_batch(rt, tonight + timedelta(minutes=5)) == []  # same night
    run_job(rt, first)
    run_job(rt, first)  # a redelivery is a no-op

    generation_jobs = publisher.of_kind(JobKind.GENERATE_SCRIPT)
    with rt.session() as session:
        sites = {session.get_one(Job, job_id).demo_site_id for job_id in generation_jobs}
    assert sites == new_sites  # the lead that had a script is skipped, chunks of 2 walk all 5
    batch = _batch(rt)
    assert (batch.found, batch.enqueued, batch.status) == (5, 5, BatchStatus.RUNNING)

    _run_published(rt, publisher, JobKind.GENERATE_SCRIPT)
    batch = _batch(rt)
    assert (batch.succeeded, batch.failed, batch.status) == (5, 0, BatchStatus.SUCCEEDED)
    assert batch.finished_at is not None

    # The next night only sites created since the last successful batch are candidates.
    latecomer = _site(rt, "zeta")
    publisher.published.clear()
    [second] = start_nightly_batch(rt, tonight + timedelta(days=1))
    run_job(rt, second)
    with rt.session() as session:
        enqueued = [session.get_one(Job, job_id).demo_site_id
                    for job_id in publisher.of_kind(JobKind.GENERATE_SCRIPT)]
    assert enqueued == [latecomer]


def test_failed_jobs_are_counted_and_the_batch_still_finishes(
    runtime: tuple[Runtime, RecordingPublisher],
) -> None:
    rt, publisher = runtime
    keep, drop = _site(rt, "keep"), _site(rt, "drop")
    [batch_job] = start_nightly_batch(rt)
    run_job(rt, batch_job)
    with rt.session() as session:
        session.execute(delete(DemoSite).where(DemoSite.id == drop))
    _run_published(rt, publisher, JobKind.GENERATE_SCRIPT)
    batch = _batch(rt)
    assert (batch.enqueued, batch.succeeded, batch.failed) == (2, 1, 1)
    assert batch.status == BatchStatus.SUCCEEDED
    with rt.session() as session:
        statuses = {job.demo_site_id: job.status for job in session.scalars(
            select(Job).where(Job.kind == JobKind.GENERATE_SCRIPT))}
    assert statuses == {keep: JobStatus.SUCCEEDED, None: JobStatus.FAILED}


def test_empty_batch_finishes_at_once(runtime: tuple[Runtime, RecordingPublisher]) -> None:
    rt, _ = runtime
    [batch_job] = start_nightly_batch(rt)
    run_job(rt, batch_job)
    batch = _batch(rt)
    assert (batch.found, batch.status) == (0, BatchStatus.SUCCEEDED)


def test_the_nightly_batch_runs_per_tenant_and_jobs_belong_to_the_sites_tenant(
    runtime: tuple[Runtime, RecordingPublisher],
) -> None:
    rt, publisher = runtime
    default_site = _site(rt, "ours")
    with rt.session(ALL_TENANTS) as session:
        other = create_tenant(session, "night-owl").id
    with tenant_context(other):
        other_site = _site(rt, "theirs")
    batch_jobs = start_nightly_batch(rt)
    assert len(batch_jobs) == 2
    for job_id in batch_jobs:
        run_job(rt, job_id)
    with rt.session(ALL_TENANTS) as session:
        owners = {session.get_one(Job, job_id).demo_site_id: session.get_one(Job, job_id).tenant_id
                  for job_id in publisher.of_kind(JobKind.GENERATE_SCRIPT)}
        batches = {batch.tenant_id: batch.found for batch in session.scalars(select(Batch))}
    assert owners == {default_site: DEFAULT_TENANT_ID, other_site: other}
    assert batches == {DEFAULT_TENANT_ID: 1, other: 1}
