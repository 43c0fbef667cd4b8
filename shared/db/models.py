"""SQLAlchemy 2 typed models. Alembic migrations are generated from and checked against these.

Exactly-once effects are enforced here, not hoped for (§4): a script is unique per job,
ledger rows are unique per (job, attempt, sequence), versions are unique per lineage, and
idempotency keys are unique per caller scope.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from shared.db.types import JSONType, UTCDateTime, checked_enum, unchecked_enum, utcnow
from shared.jobs.kinds import JobKind
from shared.script.types import Style, Tier

# Deterministic constraint names so migrations are stable across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY, so ids are BIGINT on Postgres only.
BigId = BigInteger().with_variant(Integer(), "sqlite")

# Ids are never reused: without AUTOINCREMENT, SQLite hands a hard-deleted row's id to the
# next insert, so a job's links.result (or a queued voiceover) would point at another
# lead's script. Postgres sequences never go back, so this only changes SQLite's DDL.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Tenant(Base):
    """A customer of the deployment (§11): every business row belongs to exactly one."""

    __tablename__ = "tenants"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # None: unlimited (§11 budgets).
    monthly_budget_usd: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TenantOwned:
    """Mixin for rows that belong to a tenant.

    Sessions add ``tenant_id = <the caller's tenant>`` to every ORM statement on these
    classes and stamp it on new rows (``shared.db.tenancy``), so no query can forget it.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(
            BigId, ForeignKey("tenants.id", ondelete="RESTRICT"), index=True, nullable=False
        )


class ApiKey(TenantOwned, Base):
    """A bearer key (§11). Only the SHA-256 of the whole token is stored, never the token."""

    __tablename__ = "api_keys"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # "sf_" plus the first characters of the random part: enough to recognise, not to use.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    NEEDS_REVISION = "needs_revision"


class VoiceoverStatus(StrEnum):
    NONE = "none"
    QUEUED = "queued"
    READY = "ready"
    FAILED = "failed"


class Lead(TenantOwned, Base):
    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(200))
    website_url: Mapped[str | None] = mapped_column(String(2048))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (
        CheckConstraint("value >= 0", name="value_non_negative"),
        Index("ix_leads_tenant_created", "tenant_id", "created_at"),
        NEVER_REUSE_IDS,
    )


class DemoSite(TenantOwned, Base):
    __tablename__ = "demo_sites"
    __table_args__ = (
        Index("ix_demo_sites_tenant_created", "tenant_id", "created_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    improvement_plan: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class BatchStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Batch(TenantOwned, Base):
    """One run of the new-leads batch (§8), nightly or on demand.

    ``batch_key`` is unique: the nightly run's key is its date, so a second beat (or a
    second run the same night) cannot create a second batch.
    """

    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("tenant_id", "batch_key", name="uq_batches_tenant_batch_key"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_key: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[BatchStatus] = mapped_column(
        checked_enum(BatchStatus, "batch_status"), default=BatchStatus.RUNNING, index=True
    )
    # Demo sites created at or after this moment are candidates (None: all of them).
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    found: Mapped[int] = mapped_column(Integer, default=0)
    enqueued: Mapped[int] = mapped_column(Integer, default=0)
    succeeded: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    # True once every candidate has been enqueued: only then can the batch finish.
    enqueue_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Job(TenantOwned, Base):
    """A unit of asynchronous work; created (and committed) before anything is published."""

    __tablename__ = "jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Validated in Python, not by a CHECK: a new kind (shared/jobs/kinds.py) needs no migration.
    kind: Mapped[JobKind] = mapped_column(unchecked_enum(JobKind, "job_kind"))
    status: Mapped[JobStatus] = mapped_column(
        checked_enum(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # A running job belongs to its worker until the lease expires; then the sweeper may
    # hand it to another worker (the first one's late result is then refused).
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Natural key for work that must not be enqueued twice (e.g. batch night + demo site).
    dedupe_key: Mapped[str | None] = mapped_column(String(255))
    parent_job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    # Set on generation jobs so the nightly batch can skip sites that already have one open.
    demo_site_id: Mapped[int | None] = mapped_column(
        ForeignKey("demo_sites.id", ondelete="SET NULL"), index=True
    )
    # The batch that enqueued this job; its outcome updates the batch's counters.
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batches.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_jobs_status_kind", "status", "kind"),
        # Also read by GET /stats (§13): jobs by kind and status without a heap visit.
        Index("ix_jobs_tenant_created", "tenant_id", "created_at",
              postgresql_include=["kind", "status"]),
        UniqueConstraint("tenant_id", "dedupe_key", name="uq_jobs_tenant_dedupe_key"),
        Index("ix_jobs_status_lease", "status", "lease_expires_at"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
    )


# The video-script columns GET /stats reads for views (see the covering index below).
VIDEO_SCRIPT_VIEWS_COLUMNS = ("times_viewed", "is_deleted", "id", "lead_id", "script_style",
                              "version", "last_viewed_at")


class VideoScript(TenantOwned, Base):
    __tablename__ = "video_scripts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    demo_site_id: Mapped[int] = mapped_column(
        ForeignKey("demo_sites.id", ondelete="CASCADE"), index=True
    )
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    # The job that produced this script: unique, so one job can never yield two scripts.
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), unique=True
    )
    # All versions of one script share a lineage id (not a foreign key, so the lineage
    # survives a hard delete of its first version).
    lineage_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    parent_script_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_scripts.id", ondelete="SET NULL"), index=True
    )
    script_style: Mapped[Style] = mapped_column(checked_enum(Style, "script_style"), index=True)
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    total_duration_seconds: Mapped[int] = mapped_column(Integer)
    max_duration_seconds: Mapped[int] = mapped_column(Integer)
    target_audience: Mapped[str] = mapped_column(Text, default="")
    key_messages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    ai_model_used: Mapped[str] = mapped_column(String(200))
    ai_tier: Mapped[Tier | None] = mapped_column(checked_enum(Tier, "ai_tier"))
    ai_cost: Mapped[Decimal] = mapped_column(Numeric(14, 8), default=Decimal("0"))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    generation_time_seconds: Mapped[float] = mapped_column(default=0.0)
    fallback_used: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    script_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    validation_warnings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    is_approved: Mapped[ApprovalStatus] = mapped_column(
        checked_enum(ApprovalStatus, "approval_status"),
        default=ApprovalStatus.PENDING,
        index=True,
    )
    approved_by: Mapped[str | None] = mapped_column(String(255))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_notes: Mapped[str | None] = mapped_column(Text)
    voiceover_status: Mapped[VoiceoverStatus] = mapped_column(
        checked_enum(VoiceoverStatus, "voiceover_status"), default=VoiceoverStatus.NONE
    )
    video_generated: Mapped[bool] = mapped_column(Boolean, default=False)
    video_id: Mapped[str | None] = mapped_column(String(255))
    video_url: Mapped[str | None] = mapped_column(String(2048))
    times_viewed: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_deleted: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), index=True
    )

    __table_args__ = (
        UniqueConstraint("lineage_id", "version", name="uq_video_scripts_lineage_version"),
        # Covering on Postgres: GET /stats' total views and most viewed read only these
        # columns of a window, so neither visits the wide script rows.
        Index("ix_video_scripts_tenant_created", "tenant_id", "created_at",
              postgresql_include=list(VIDEO_SCRIPT_VIEWS_COLUMNS)),
        CheckConstraint("version >= 1", name="version_positive"),
        NEVER_REUSE_IDS,
    )


# The ledger columns GET /costs sums or groups by (see the covering index below).
LEDGER_REPORT_COLUMNS = ("model", "tier", "script_style", "lead_id", "cost_usd",
                         "prompt_tokens", "completion_tokens")


class LLMCall(TenantOwned, Base):
    """The cost ledger (§5.4): one row per LLM call, successful or not, kept forever.

    ``script_id`` is nulled when a script is hard-deleted so cost history is never lost;
    ``script_style`` and ``lead_id`` are denormalised for the same reason (grouping by style
    or lead survives the script). ``lead_id`` is deliberately not a foreign key, like a
    lineage id: the ledger outlives every row it describes, and ids are never reused.
    """

    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    script_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_scripts.id", ondelete="SET NULL"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(200), index=True)
    tier: Mapped[Tier] = mapped_column(checked_enum(Tier, "llm_call_tier"), index=True)
    script_style: Mapped[Style | None] = mapped_column(checked_enum(Style, "llm_call_style"))
    lead_id: Mapped[int | None] = mapped_column(BigId)
    purpose: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(14, 8), default=Decimal("0"))
    cost_source: Mapped[str] = mapped_column(String(16), default="none")
    latency_seconds: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (
        UniqueConstraint("job_id", "attempt", "sequence", name="uq_llm_calls_job_attempt_seq"),
        # GET /costs reads one tenant's window (§13) and the budget check (§11) sums a
        # tenant's month: on Postgres the index also carries every column they sum or
        # group by, so both are index-only scans instead of a heap visit per call
        # (docs/benchmarks.md).
        Index("ix_llm_calls_tenant_created", "tenant_id", "created_at",
              postgresql_include=list(LEDGER_REPORT_COLUMNS)),
        NEVER_REUSE_IDS,
    )


class LedgerDaily(TenantOwned, Base):
    """The ledger of one settled UTC day summed per model, tier and style (GET /costs, §13).

    Long windows read these sums instead of every call: a year of a busy tenant is a few
    thousand rows here against hundreds of thousands in ``llm_calls``. Only a day that has
    a :class:`LedgerDay` marker counts as summed; the marker and the rows are written
    together by the report that first needs them and deleted together, in the writer's
    transaction, by anything that changes that day's calls (``shared.repositories.ledger``).
    ``script_style`` is ``""`` for calls without a style, so the key has no NULL (a NULL
    would never collide, and two concurrent fills would both insert).
    """

    __tablename__ = "ledger_daily"

    day: Mapped[date] = mapped_column(Date)
    model: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(32))
    script_style: Mapped[str] = mapped_column(String(32))
    calls: Mapped[int] = mapped_column(BigInteger)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    prompt_tokens: Mapped[int] = mapped_column(BigInteger)
    completion_tokens: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "day", "model", "tier", "script_style",
                             name="pk_ledger_daily"),
    )


class LedgerDay(TenantOwned, Base):
    """Marks one tenant's UTC day as summed into :class:`LedgerDaily` (see there)."""

    __tablename__ = "ledger_days"

    day: Mapped[date] = mapped_column(Date)
    summed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (PrimaryKeyConstraint("tenant_id", "day", name="pk_ledger_days"),)


class ScriptRecord(TenantOwned, Base):
    """What analytics count about a stored script (§13), kept after a hard delete.

    One row per script, written with it by the one function that stores scripts. The
    script row may go (§3.6 hard delete) but the cost ledger keeps its calls, so the
    number of scripts and the share that fell back must stay too, or the average cost per
    script would grow with every deletion. ``script_id`` and ``lead_id`` are not foreign
    keys for the same reason (ids are never reused).
    """

    __tablename__ = "script_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    script_id: Mapped[int] = mapped_column(BigId, unique=True)
    lead_id: Mapped[int] = mapped_column(BigId)
    script_style: Mapped[Style] = mapped_column(checked_enum(Style, "script_record_style"))
    fallback_used: Mapped[bool] = mapped_column(Boolean)
    generation_time_seconds: Mapped[float] = mapped_column()
    total_duration_seconds: Mapped[int] = mapped_column(Integer)
    max_duration_seconds: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # Covering on Postgres: the reports read only these columns of a window.
        Index("ix_script_records_tenant_created", "tenant_id", "created_at",
              postgresql_include=["fallback_used", "generation_time_seconds",
                                  "total_duration_seconds", "max_duration_seconds"]),
        NEVER_REUSE_IDS,
    )


class IdempotencyKey(TenantOwned, Base):
    """A remembered ``Idempotency-Key`` (IETF draft semantics), kept at least 24 hours."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(255), default="")
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (
        # Keys belong to the caller (§4, §11): two tenants may use the same key.
        UniqueConstraint("tenant_id", "scope", "key", name="uq_idempotency_keys_tenant_scope_key"),
        NEVER_REUSE_IDS,
    )


class ScriptApproval(TenantOwned, Base):
    """Audit trail of review decisions (§3.6): who decided what, when, on which version.

    Kept when a script is hard-deleted (``script_id`` is nulled; lineage and version stay).
    """

    __tablename__ = "script_approvals"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    script_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_scripts.id", ondelete="SET NULL"), index=True
    )
    lineage_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    script_version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[ApprovalStatus] = mapped_column(
        checked_enum(ApprovalStatus, "approval_decision")
    )
    approved_by: Mapped[str] = mapped_column(String(255))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Voiceover(TenantOwned, Base):
    """A voiced script (§7): per-section and full-track WAVs plus planned vs measured timing.

    Rows go with their script on hard delete (the audio files are removed after commit).
    """

    __tablename__ = "voiceovers"
    __table_args__ = (
        # GET /stats' window (§13); covering on Postgres.
        Index("ix_voiceovers_tenant_created", "tenant_id", "created_at",
              postgresql_include=["status", "timing_error_pct"]),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    script_id: Mapped[int] = mapped_column(
        ForeignKey("video_scripts.id", ondelete="CASCADE"), index=True
    )
    # One voiceover per job: a redelivered or retried job reuses its row.
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), unique=True
    )
    status: Mapped[VoiceoverStatus] = mapped_column(
        checked_enum(VoiceoverStatus, "voiceover_row_status"), default=VoiceoverStatus.QUEUED
    )
    engine: Mapped[str] = mapped_column(String(50))
    voice: Mapped[str] = mapped_column(String(100))
    # [{"index", "path", "planned_seconds", "measured_seconds"}], paths relative to storage.
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    full_path: Mapped[str | None] = mapped_column(String(1024))
    total_planned_seconds: Mapped[float | None] = mapped_column()
    total_measured_seconds: Mapped[float | None] = mapped_column()
    full_track_seconds: Mapped[float | None] = mapped_column()
    timing_error_pct: Mapped[float | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookEndpoint(TenantOwned, Base):
    """A receiver URL of a tenant (§12) and the events it subscribed to.

    The signing secret is needed in clear to sign, so it cannot be hashed like an API key;
    it is stored encrypted (``shared.webhooks.secrets``) so a database dump alone does not
    let anyone forge deliveries.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        Index("ix_webhook_endpoints_tenant_created", "tenant_id", "created_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)
    description: Mapped[str] = mapped_column(String(500), default="")
    secret_encrypted: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WebhookEvent(TenantOwned, Base):
    """The outbox (§12): one row per event, written in the transaction of the change it
    reports. ``message_id`` is the ``webhook-id`` header: the same for every attempt and
    every endpoint, so receivers can drop duplicates."""

    __tablename__ = "webhook_events"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    # The whole body as sent: {"type", "timestamp", "data"}.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class WebhookDelivery(TenantOwned, Base):
    """One event on its way to one endpoint; retried on its own schedule until it is
    delivered or failed. A worker holds it by a lease while sending, so a killed worker's
    delivery is picked up again once the lease expires."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
        Index("ix_webhook_deliveries_state_next", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_lease", "endpoint_id", "lease_expires_at"),
        Index("ix_webhook_deliveries_endpoint_waiting", "endpoint_id", "waiting_since"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[DeliveryState] = mapped_column(
        checked_enum(DeliveryState, "delivery_state"), default=DeliveryState.PENDING
    )
    # Attempts made so far (the next one's number is this + 1) and failures since the
    # delivery was last (re)armed, which is the position in WEBHOOK_RETRY_SCHEDULE.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a message for the next attempt was sent (or is due); None: the sweeper sends it.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while the delivery waits for a free slot at its endpoint (the per-endpoint cap):
    # the attempt that frees one publishes the longest-waiting delivery.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WebhookAttempt(TenantOwned, Base):
    """The delivery log (§12): one row per HTTP attempt, what came back and what is next."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        UniqueConstraint("delivery_id", "attempt", name="uq_webhook_attempts_delivery_attempt"),
        Index("ix_webhook_attempts_endpoint_created", "endpoint_id", "created_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    # Denormalised so the log of one endpoint is one indexed query.
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    # What the attempt led to: delivered, retrying, failed or disabled (a 410).
    outcome: Mapped[str] = mapped_column(String(16))
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
