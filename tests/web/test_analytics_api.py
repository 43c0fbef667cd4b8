"""GET /costs and GET /stats (§6, §13) against figures worked out by hand.

The seeded ledger has two tenants, rows on both sides of both window edges (midnight UTC),
and a script that is hard-deleted through the API before the reports are read: its calls,
its lead and its place in the script count must stay.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db.models import (
    DemoSite,
    Job,
    JobKind,
    JobStatus,
    Lead,
    LLMCall,
    ScriptRecord,
    Tenant,
    VideoScript,
    Voiceover,
    VoiceoverStatus,
)
from shared.db.session import session_scope
from shared.db.tenancy import ALL_TENANTS
from shared.db.types import utcnow
from shared.script.types import Style, Tier
from tests.support.keys import DEFAULT_TENANT_ID, issue_key, tenant_id
from tests.support.runtime import RecordingPublisher
from tests.web.helpers import keyed_client, row_counts

HAIKU, TURBO = "anthropic/claude-3-haiku", "openai/gpt-4-turbo"
WINDOW = "since=2025-03-10&until=2025-03-11"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def analytics_app(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> Iterator[Flask]:
    from web.app import create_app

    if request.param == "sqlite":
        app = create_app(make_settings(), publisher=RecordingPublisher())
    else:
        url = request.getfixturevalue("postgres_url")
        app = create_app(make_settings(database_url=url), publisher=RecordingPublisher())
    yield app
    app.extensions["scriptforge"].db_engine.dispose()


class Seeded:
    def __init__(self, app: Flask) -> None:
        self.factory = app.extensions["scriptforge"].session_factory
        self.other = tenant_id(self.factory, "other")
        self.scripts: dict[str, int] = {}
        self.leads: dict[str, int] = {}


def _script(session: Session, seeded: Seeded, name: str, lead: str, *, created: datetime,
            fallback: bool, seconds: float, total: int, views: int = 0,
            soft_deleted: bool = False) -> None:
    lead_id = seeded.leads[lead]
    site = session.scalar(select(DemoSite.id).where(DemoSite.lead_id == lead_id))
    row = VideoScript(
        demo_site_id=site, lead_id=lead_id, script_style=Style.SALES, sections=[],
        total_duration_seconds=total, max_duration_seconds=120, ai_model_used=HAIKU,
        ai_tier=Tier.BUDGET, fallback_used=fallback, generation_time_seconds=seconds,
        times_viewed=views, is_deleted=soft_deleted, created_at=created, updated_at=created)
    session.add(row)
    session.flush()
    session.add(ScriptRecord(
        script_id=row.id, lead_id=lead_id, script_style=Style.SALES, fallback_used=fallback,
        generation_time_seconds=seconds, total_duration_seconds=total,
        max_duration_seconds=120, created_at=created))
    seeded.scripts[name] = row.id


def _call(session: Session, seeded: Seeded, *, created: datetime, model: str, tier: Tier,
          style: Style, lead: str, cost: str, tokens: tuple[int, int],
          script: str | None = None) -> None:
    session.add(LLMCall(
        job_id=None, script_id=seeded.scripts[script] if script else None, attempt=1,
        sequence=0, model=model, tier=tier, script_style=style, lead_id=seeded.leads[lead],
        purpose="generate", outcome="ok", prompt_tokens=tokens[0],
        completion_tokens=tokens[1], cost_usd=Decimal(cost), cost_source="provider",
        created_at=created))


def _job(session: Session, kind: JobKind, status: JobStatus, created: datetime) -> None:
    session.add(Job(id=uuid.uuid4(), kind=kind, status=status, params={},
                    created_at=created, updated_at=created))


def _leads(session: Session, seeded: Seeded, *names: str) -> None:
    for name in names:
        lead = Lead(company_name=name)
        session.add(lead)
        session.flush()
        session.add(DemoSite(lead_id=lead.id, url="https://x.example", improvement_plan={}))
        seeded.leads[name] = lead.id
    session.flush()


@pytest.fixture
def seeded(analytics_app: Flask) -> Seeded:
    seeded = Seeded(analytics_app)
    with session_scope(seeded.factory, DEFAULT_TENANT_ID) as session:
        _leads(session, seeded, "harbor", "quay")
        # Scripts: s1 (hard-deleted below), s2, s5 (soft-deleted) in the window; s3 just after.
        _script(session, seeded, "s1", "harbor", created=at("2025-03-10T00:00:00"),
                fallback=False, seconds=2.0, total=110)
        _script(session, seeded, "s2", "quay", created=at("2025-03-11T23:59:59.999999"),
                fallback=True, seconds=4.0, total=100, views=7)
        _script(session, seeded, "s5", "quay", created=at("2025-03-11T08:00:00"),
                fallback=False, seconds=6.0, total=120, views=3, soft_deleted=True)
        _script(session, seeded, "s3", "quay", created=at("2025-03-12T00:00:00"),
                fallback=True, seconds=60.0, total=50, views=50)
        budget = {"model": HAIKU, "tier": Tier.BUDGET, "style": Style.SALES, "lead": "harbor"}
        _call(session, seeded, created=at("2025-03-10T00:00:00"), cost="0.10",
              tokens=(100, 50), script="s1", **budget)
        _call(session, seeded, created=at("2025-03-10T12:00:00"), cost="0.20",
              tokens=(200, 100), script="s1", **budget)
        _call(session, seeded, created=at("2025-03-11T23:59:59.999999"), model=TURBO,
              tier=Tier.MID, style=Style.CASUAL, lead="quay", cost="0.35", tokens=(300, 150),
              script="s2")
        # Outside the window by a microsecond on each side.
        _call(session, seeded, created=at("2025-03-09T23:59:59.999999"), cost="5.00",
              tokens=(1, 1), **budget)
        _call(session, seeded, created=at("2025-03-12T00:00:00"), cost="7.00",
              tokens=(1, 1), **budget)
        # This month (whatever today is): only month_to_date_usd sees it.
        _call(session, seeded, created=utcnow(), cost="0.01", tokens=(1, 1), **budget)
        for kind, status in ((JobKind.GENERATE_SCRIPT, JobStatus.SUCCEEDED),
                             (JobKind.GENERATE_SCRIPT, JobStatus.SUCCEEDED),
                             (JobKind.REGENERATE_SECTION, JobStatus.FAILED),
                             (JobKind.VOICEOVER, JobStatus.QUEUED)):
            _job(session, kind, status, at("2025-03-10T09:00:00"))
        _job(session, JobKind.GENERATE_SCRIPT, JobStatus.FAILED, at("2025-03-12T00:00:00"))
        for error, status, created in ((-5.0, VoiceoverStatus.READY, "2025-03-11T10:00:00"),
                                       (10.0, VoiceoverStatus.READY, "2025-03-11T11:00:00"),
                                       (None, VoiceoverStatus.FAILED, "2025-03-11T12:00:00"),
                                       (40.0, VoiceoverStatus.READY, "2025-03-12T00:00:00")):
            session.add(Voiceover(script_id=seeded.scripts["s2"], status=status,
                                  engine="espeak-ng", voice="en-us", timing_error_pct=error,
                                  created_at=at(created), updated_at=at(created)))
    with session_scope(seeded.factory, ALL_TENANTS) as session:
        session.get_one(Tenant, DEFAULT_TENANT_ID).monthly_budget_usd = Decimal("25.00")
    with session_scope(seeded.factory, seeded.other) as session:
        _leads(session, seeded, "other-lead")
        _script(session, seeded, "s4", "other-lead", created=at("2025-03-10T12:00:00"),
                fallback=False, seconds=1.0, total=120, views=1000)
        _call(session, seeded, created=at("2025-03-10T12:00:00"), model=HAIKU,
              tier=Tier.BUDGET, style=Style.SALES, lead="other-lead", cost="100.00",
              tokens=(9, 9), script="s4")
        _call(session, seeded, created=utcnow(), model=HAIKU, tier=Tier.BUDGET,
              style=Style.SALES, lead="other-lead", cost="1.00", tokens=(9, 9))
        _job(session, JobKind.GENERATE_SCRIPT, JobStatus.FAILED, at("2025-03-10T12:00:00"))
    return seeded


@pytest.fixture
def api(analytics_app: Flask, seeded: Seeded) -> FlaskClient:
    """Tenant default's client, after s1 was hard-deleted through the API."""
    client = keyed_client(analytics_app)
    s1 = seeded.scripts["s1"]
    assert client.delete(f"/api/v1/video-scripts/{s1}?hard_delete=true").status_code == 204
    assert client.get(f"/api/v1/video-scripts/{s1}?include_deleted=true").status_code == 404
    return client


def _groups(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(g["key"], g["cost_usd"], g["calls"], g["prompt_tokens"], g["completion_tokens"])
            for g in body["groups"]]


def test_costs_count_a_hard_deleted_scripts_calls_inside_the_midnight_edges(
    api: FlaskClient, seeded: Seeded
) -> None:
    body = api.get(f"/api/v1/costs?{WINDOW}&group_by=model").json
    assert body["total_cost_usd"] == pytest.approx(0.65)
    assert body["total_calls"] == 3
    assert body["total_scripts"] == 3  # s1 (hard-deleted), s2, s5 (soft-deleted)
    assert body["avg_cost_per_script_usd"] == pytest.approx(0.21666667)
    assert body["fallback_rate"] == pytest.approx(1 / 3)
    assert body["budget_usd"] == 25.0
    assert body["month_to_date_usd"] == pytest.approx(0.01)
    assert (body["since"], body["until"], body["group_by"]) == ("2025-03-10", "2025-03-11",
                                                                 "model")
    assert _groups(body) == [(TURBO, 0.35, 1, 300, 150), (HAIKU, 0.3, 2, 300, 150)]

    harbor, quay = str(seeded.leads["harbor"]), str(seeded.leads["quay"])
    expected = {
        "tier": [("mid", 0.35, 1, 300, 150), ("budget", 0.3, 2, 300, 150)],
        "style": [("casual", 0.35, 1, 300, 150), ("sales", 0.3, 2, 300, 150)],
        "lead": [(quay, 0.35, 1, 300, 150), (harbor, 0.3, 2, 300, 150)],
        "day": [("2025-03-10", 0.3, 2, 300, 150), ("2025-03-11", 0.35, 1, 300, 150)],
    }
    for group_by, groups in expected.items():
        grouped = api.get(f"/api/v1/costs?{WINDOW}&group_by={group_by}").json
        assert _groups(grouped) == groups, group_by
        assert grouped["total_cost_usd"] == pytest.approx(0.65), group_by


def test_costs_window_ends_are_whole_utc_days(api: FlaskClient) -> None:
    one_day = api.get("/api/v1/costs?since=2025-03-11&until=2025-03-11").json
    assert (one_day["total_calls"], one_day["total_cost_usd"]) == (1, 0.35)
    after = api.get("/api/v1/costs?since=2025-03-12&until=2025-03-12").json
    assert (after["total_calls"], after["total_cost_usd"]) == (1, 7.0)
    assert after["total_scripts"] == 1
    assert after["fallback_rate"] == 1.0
    open_ended = api.get("/api/v1/costs?until=2025-03-11").json
    assert open_ended["total_cost_usd"] == pytest.approx(5.65)
    everything = api.get("/api/v1/costs").json
    assert everything["total_cost_usd"] == pytest.approx(12.66)
    assert everything["group_by"] == "model"
    empty = api.get("/api/v1/costs?since=2020-01-01&until=2020-01-31").json
    assert empty["total_calls"] == 0
    assert empty["groups"] == []
    assert empty["avg_cost_per_script_usd"] is None
    assert empty["fallback_rate"] is None


def test_another_tenant_sees_only_its_own_costs_and_stats(
    analytics_app: Flask, api: FlaskClient, seeded: Seeded
) -> None:
    other = keyed_client(analytics_app, tenant="other", scopes=["read"])
    body = other.get(f"/api/v1/costs?{WINDOW}&group_by=lead").json
    assert _groups(body) == [(str(seeded.leads["other-lead"]), 100.0, 1, 9, 9)]
    assert (body["total_scripts"], body["fallback_rate"], body["budget_usd"]) == (1, 0.0, None)
    assert body["month_to_date_usd"] == pytest.approx(1.0)
    stats = other.get(f"/api/v1/stats?{WINDOW}").json
    assert stats["jobs"] == [{"kind": "generate_script", "status": "failed", "count": 1}]
    assert stats["total_views"] == 1000
    assert [s["id"] for s in stats["most_viewed"]] == [seeded.scripts["s4"]]
    assert stats["voiceovers_measured"] == 0
    assert stats["voiceover_timing_error_pct"] == {"p50": None, "p95": None}


def test_stats_by_hand(api: FlaskClient, seeded: Seeded) -> None:
    body = api.get(f"/api/v1/stats?{WINDOW}").json
    assert body["jobs"] == [
        {"kind": "generate_script", "status": "succeeded", "count": 2},
        {"kind": "regenerate_section", "status": "failed", "count": 1},
        {"kind": "voiceover", "status": "queued", "count": 1},
    ]
    assert body["success_rate"] == pytest.approx(2 / 3)
    assert body["scripts"] == 3
    assert body["fallback_rate"] == pytest.approx(1 / 3)
    # generation seconds 2, 4, 6: p50 4; p95 at rank 1.9 = 4 + 0.9 x 2
    assert body["generation_seconds"] == {"p50": pytest.approx(4.0), "p95": pytest.approx(5.8)}
    assert body["timing_window_share"] == pytest.approx(2 / 3)  # 110 and 120 of 120; not 100
    # |-5| and |10|: p50 7.5; p95 = 5 + 0.95 x 5
    assert body["voiceovers_measured"] == 2
    assert body["voiceover_timing_error_pct"] == {"p50": pytest.approx(7.5),
                                                  "p95": pytest.approx(9.75)}
    assert body["total_views"] == 10  # s2 7 + s5 3 (soft-deleted); s3 is outside
    assert [(s["id"], s["times_viewed"]) for s in body["most_viewed"]] == [
        (seeded.scripts["s2"], 7)]


def test_the_hard_deleted_scripts_calls_keep_their_cost_and_lead(
    api: FlaskClient, seeded: Seeded
) -> None:
    with session_scope(seeded.factory, DEFAULT_TENANT_ID) as session:
        kept = session.execute(select(LLMCall.script_id, LLMCall.lead_id).where(
            LLMCall.lead_id == seeded.leads["harbor"], LLMCall.cost_usd < 1)).all()
    assert sorted(kept) == [(None, seeded.leads["harbor"])] * 3  # two of s1's, this month's


@pytest.mark.parametrize(("query", "named"), [
    ("group_by=vendor", "group_by"),
    ("since=2025-02-30", "since"),
    ("until=yesterday", "until"),
    ("since=2025-03-10T00:00:00", "since"),
    ("since=2025-03-12&until=2025-03-11", "since"),
    ("sinse=2025-03-10", "sinse"),
])
def test_bad_parameters_are_422_naming_them_and_write_nothing(
    analytics_app: Flask, query: str, named: str
) -> None:
    client = keyed_client(analytics_app)
    before = row_counts(client)
    for path in ("/api/v1/costs", "/api/v1/stats"):  # /stats has no group_by: unknown
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422, (path, query, response.json)
        assert named in response.json["message"], response.json
    assert row_counts(client) == before


def test_reports_need_the_read_scope(analytics_app: Flask) -> None:
    token = issue_key(analytics_app.extensions["scriptforge"].session_factory,
                      scopes=["write"])
    client = keyed_client(analytics_app, token=token)
    for path in ("/api/v1/costs", "/api/v1/stats"):
        response = client.get(path)
        assert response.status_code == 403
        assert "'read'" in response.json["message"]


def test_a_generated_script_is_counted_after_its_hard_delete(client: FlaskClient) -> None:
    """End to end on the embedded app: the storing function writes the script's record."""
    from tests.web.helpers import create_lead_and_site, wait_for_job

    _, site = create_lead_and_site(client)
    job = client.post("/api/v1/video-scripts/generate",
                      json={"demo_site_id": site, "voiceover": False}).json
    script_id = wait_for_job(client, job["id"])["result"]["script_id"]
    today = utcnow().date().isoformat()
    assert client.get(f"/api/v1/costs?since={today}").json["total_scripts"] == 1
    assert client.delete(f"/api/v1/video-scripts/{script_id}?hard_delete=true"
                         ).status_code == 204
    body = client.get(f"/api/v1/costs?since={today}").json
    assert (body["total_scripts"], body["fallback_rate"]) == (1, 0.0)
    assert body["avg_cost_per_script_usd"] == 0.0  # the offline engine costs nothing
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert client.get(f"/api/v1/costs?since={tomorrow}").json["total_scripts"] == 0


def test_the_widest_dates_are_an_open_window_not_an_error(api: FlaskClient) -> None:
    for path in ("/api/v1/costs", "/api/v1/stats"):
        response = api.get(f"{path}?since=0001-01-01&until=9999-12-31")
        assert response.status_code == 200, response.json
    assert api.get("/api/v1/costs?since=0001-01-01&until=9999-12-31"
                   ).json["total_cost_usd"] == pytest.approx(12.66)
