"""The one settings object, read from the environment once (§9).

Every process (web, worker, beat, the demo) builds a :class:`Settings` at start. A missing
or invalid variable fails right there with the variable's name, instead of surfacing as a
confusing error in the middle of a job. Secrets are ``SecretStr`` so that a settings dump
in a log or traceback shows ``**********``.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from limits import parse_many
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"


_MIN_SECRET_CHARS = 32
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name under VAR_DIR, not a secret


class ConfigError(RuntimeError):
    """Raised at start when the environment does not describe a runnable system."""


class VoiceoverEngineName(StrEnum):
    ESPEAK = "espeak-ng"
    OPENAI = "openai"


class Settings(BaseSettings):
    """Typed view of the environment. Field names map to upper-case variables."""

    model_config = SettingsConfigDict(
        env_prefix="",
        case_sensitive=False,
        extra="ignore",
        frozen=True,
    )

    # --- storage and broker -------------------------------------------------------------
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty: embedded SQLite file under ./var/.",
    )
    redis_url: str = Field(
        default="",
        description="Celery broker URL. Empty: jobs run on an in-process worker (embedded).",
    )
    redis_key_prefix: str = Field(
        default="",
        max_length=64,
        description="Prefix for every broker key, so several deployments can share one Redis.",
    )
    broker_publish_timeout_seconds: float = Field(
        default=1.0, gt=0, le=30,
        description="The web's broker connect/read timeout for one publish (no retries).",
    )
    publish_wait_seconds: float = Field(
        default=0.25, gt=0, le=10,
        description="Longest a request waits for its job's publish; the rest is background.",
    )
    publish_breaker_seconds: float = Field(
        default=5.0, ge=0, le=600,
        description="After a failed publish the web stops trying this long (jobs go to the "
        "sweeper) instead of making every request meet the dead broker.",
    )
    db_pool_size: int = Field(
        default=10, ge=1, le=200,
        description="Connections kept per process; tasks hold one only while they touch the DB.",
    )
    db_max_overflow: int = Field(default=20, ge=0, le=500)
    db_connect_timeout_seconds: int = Field(
        default=5, ge=1, le=120,
        description="A Postgres connection attempt gives up after this (unreachable host).",
    )
    var_dir: Path = Field(default=Path("var"), description="Where embedded mode keeps files.")
    storage_dir: Path = Field(
        default=Path("var/audio"), description="Where voiceover audio files are written."
    )

    # --- LLM provider -------------------------------------------------------------------
    openrouter_api_key: SecretStr | None = None
    llm_base_url: str = ""
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=45.0, gt=0, le=600)
    llm_max_attempts: int = Field(default=3, ge=1, le=10, description="Attempts per model.")
    llm_backoff_initial_seconds: float = Field(default=1.0, ge=0)
    llm_backoff_max_seconds: float = Field(default=20.0, ge=0)
    llm_allow_model_override: bool = False
    llm_max_completion_tokens: int = Field(default=4096, ge=256)

    tier_premium_min_value: Decimal = Field(default=Decimal("50000"), ge=0)
    tier_mid_min_value: Decimal = Field(default=Decimal("10000"), ge=0)
    model_premium: str = "anthropic/claude-sonnet-4"
    model_mid: str = "openai/gpt-4-turbo"
    model_budget: str = "anthropic/claude-3-haiku"
    # USD per million tokens, input then output (§5.2: prices are configuration).
    price_premium_input: Decimal = Field(default=Decimal("3.00"), ge=0)
    price_premium_output: Decimal = Field(default=Decimal("15.00"), ge=0)
    price_mid_input: Decimal = Field(default=Decimal("10.00"), ge=0)
    price_mid_output: Decimal = Field(default=Decimal("30.00"), ge=0)
    price_budget_input: Decimal = Field(default=Decimal("0.25"), ge=0)
    price_budget_output: Decimal = Field(default=Decimal("1.25"), ge=0)

    # --- jobs and workers ---------------------------------------------------------------
    task_time_limit_seconds: int = Field(default=600, ge=10)
    broker_visibility_timeout_seconds: int = Field(default=3600, ge=30)
    job_lease_seconds: int = Field(default=660, ge=10)
    ledger_settle_seconds: int = Field(
        default=6 * 3600, ge=60,
        description="A UTC day this long over is summed into the cost rollup (GET /costs).",
    )
    job_queued_grace_seconds: int = Field(
        default=60, ge=1, description="A queued job never published is re-published after this."
    )
    job_republish_after_seconds: int = Field(
        default=900,
        ge=10,
        description="A queued job published this long ago is published again (lost message).",
    )
    job_max_attempts: int = Field(default=5, ge=1, le=50)
    job_db_retry_initial_seconds: float = Field(
        default=1.0, gt=0, le=60,
        description="First delay before a task the database interrupted is retried.",
    )
    job_db_retry_max_seconds: float = Field(
        default=30.0, gt=0, le=600,
        description="Cap of the exponential delay between those retries.",
    )
    job_db_retry_max_retries: int = Field(
        default=120, ge=0, le=10000,
        description="Retries of one delivery before it is dropped and left to the sweeper.",
    )
    sweeper_interval_seconds: int = Field(default=60, ge=1)
    worker_concurrency: int = Field(default=32, ge=1, le=1000)
    broker_max_connections: int = Field(default=200, ge=10)
    embedded_worker_threads: int = Field(default=4, ge=1, le=256)
    idempotency_key_ttl_hours: int = Field(default=24, ge=24)

    # --- voiceover ----------------------------------------------------------------------
    voiceover_engine: VoiceoverEngineName = VoiceoverEngineName.ESPEAK
    voiceover_voice: str = "en-us"
    tts_model: str = "tts-1"
    tts_base_url: str = ""
    tts_api_key: SecretStr | None = None
    audio_temp_max_age_seconds: int = Field(
        default=3600, ge=60,
        description="The sweeper deletes temp audio files older than this (killed writers).",
    )

    # --- batch --------------------------------------------------------------------------
    nightly_batch_cron: str = "0 2 * * *"
    batch_default_style: str = "professional"
    batch_default_duration_seconds: int = Field(default=120, ge=30, le=300)
    batch_chunk_size: int = Field(default=500, ge=1, le=10000)

    # --- webhooks (§12) -----------------------------------------------------------------
    webhook_retry_schedule: str = Field(
        default="5,30,120,600,1800,3600,7200,14400,28800,43200",
        description="Seconds before each retry of a failed delivery (each with jitter); "
        "once they are used up the delivery is failed.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60,
        description="A receiver must answer within this (connect and read) or the attempt fails.",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Also allow http and loopback/private/link-local destinations "
        "(development and tests only).",
    )
    webhook_max_in_flight_per_endpoint: int = Field(
        default=4, ge=1, le=100,
        description="Deliveries to one endpoint at once; more wait their turn, so a slow "
        "receiver holds at most this many worker slots.",
    )
    webhook_secret_key: SecretStr | None = Field(
        default=None,
        description="Encrypts webhook signing secrets at rest. Unset: a key generated once "
        "under VAR_DIR (every process must then share VAR_DIR, or be given the same value).",
    )
    webhook_sweep_interval_seconds: int = Field(
        default=5, ge=1, le=3600,
        description="How often due and lost deliveries are (re)published.",
    )
    webhook_republish_after_seconds: int = Field(
        default=300, ge=5,
        description="A delivery published this long ago and still not attempted is "
        "published again (lost message).",
    )
    webhook_concurrency: int = Field(
        default=16, ge=1, le=1000,
        description="Threads of the webhooks worker (embedded: delivery threads in the web).",
    )

    # --- web ----------------------------------------------------------------------------
    max_content_length: int = Field(default=1024 * 1024, ge=1024)
    rate_limit: str = Field(
        default="600/minute",
        description="Requests per API key on every authenticated route together (§11); "
        "a limits string such as '600/minute' or '10/second;600/minute'.",
    )
    rate_limit_jobs: str = Field(
        default="120/minute",
        description="Job-creating requests (generate, regenerate, voiceover, batch) per "
        "API key, on top of RATE_LIMIT.",
    )
    rate_limit_storage_url: str | None = Field(
        default=None,
        description="Where the rate limits count (§11): a redis:// URL or memory://. Unset: "
        "REDIS_URL when there is one (shared by every web process), else process memory.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs the review desk's session cookie (§14). Required with "
        "DATABASE_URL; embedded mode generates one under VAR_DIR.",
    )
    session_cookie_secure: bool | None = Field(
        default=None,
        description="Send the review desk's session cookie over HTTPS only. Unset: on with "
        "DATABASE_URL (production behind TLS), off embedded (http://127.0.0.1).",
    )
    log_level: str = "INFO"
    log_json: bool = False

    # --- metrics (§13) ------------------------------------------------------------------
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token /metrics requires; unset: /metrics is open (keep it "
        "on a private network then).",
    )
    metrics_cache_seconds: float = Field(
        default=15.0, ge=0, le=300,
        description="How long one scrape's database and broker figures are reused (one "
        "read per Prometheus scrape interval, however many servers scrape).",
    )
    prometheus_multiproc_dir: str = Field(
        default="",
        description="prometheus_client's multiprocess directory (it reads the variable "
        "itself): processes count there and /metrics sums them. gunicorn.conf.py sets it "
        "for the web; set it for a prefork Celery worker.",
    )
    worker_metrics_port: int = Field(
        default=0, ge=0, le=65535,
        description="Port of each Celery worker's own Prometheus exporter; 0: none.",
    )

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("secret_key")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # A short or placeholder secret lets anyone forge a review session cookie.
        if value is not None and len(value.get_secret_value()) < _MIN_SECRET_CHARS:
            raise ValueError(f"must be at least {_MIN_SECRET_CHARS} random characters "
                             "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
        return value

    @field_validator("batch_default_style")
    @classmethod
    def _known_style(cls, value: str) -> str:
        if value not in {"professional", "casual", "technical", "sales"}:
            raise ValueError("must be one of professional, casual, technical, sales")
        return value

    @field_validator("nightly_batch_cron")
    @classmethod
    def _five_cron_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError("must be a five-field crontab such as '0 2 * * *'")
        return value

    @field_validator("prometheus_multiproc_dir")
    @classmethod
    def _existing_directory(cls, value: str) -> str:
        value = value.strip()
        if value and not Path(value).is_dir():
            raise ValueError("must be an existing directory (gunicorn.conf.py creates it)")
        return value

    @field_validator("metrics_token")
    @classmethod
    def _no_blank_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @field_validator("rate_limit_storage_url")
    @classmethod
    def _limit_storage(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("must be memory:// or a redis:// (rediss://) URL")
        return value

    @field_validator("rate_limit", "rate_limit_jobs")
    @classmethod
    def _rate_limit_string(cls, value: str) -> str:
        # Parsed here, at start, so a typo stops the process naming the variable instead of
        # surfacing as a 500 on the first request that meets the limit.
        try:
            items = parse_many(value)
        except ValueError:
            raise ValueError(
                "must be a rate limit such as '600/minute' or '10/second;600/minute'"
            ) from None
        if any(item.amount < 1 for item in items):
            raise ValueError("every limit must allow at least one request")
        return value.strip()

    @field_validator("database_url", "redis_url", "llm_base_url", "tts_base_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("webhook_secret_key", mode="before")
    @classmethod
    def _empty_secret_key_is_unset(cls, value: Any) -> Any:
        # Compose passes ${WEBHOOK_SECRET_KEY:-}: an empty key must not become a fixed one.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _retry_schedule(cls, value: str) -> str:
        try:
            delays = [float(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise ValueError("must be comma-separated seconds such as '5,30,120'") from None
        if not delays or any(delay < 0 or delay > 7 * 86400 for delay in delays):
            raise ValueError("must list 1 or more delays between 0 and 604800 seconds")
        return value

    @model_validator(mode="after")
    def _consistent_time_budget(self) -> Settings:
        # §4 time budget: the LLM client timeout x attempts (+ backoff) must fit in the task
        # limit, and the task limit must stay below the broker's visibility timeout, or a
        # healthy but slow task is delivered a second time.
        if self.task_time_limit_seconds >= self.broker_visibility_timeout_seconds:
            raise ValueError(
                "TASK_TIME_LIMIT_SECONDS must be below BROKER_VISIBILITY_TIMEOUT_SECONDS"
            )
        one_model = (self.llm_timeout_seconds * self.llm_max_attempts
                     + self.llm_backoff_max_seconds * (self.llm_max_attempts - 1))
        if one_model >= self.task_time_limit_seconds:
            raise ValueError(
                "LLM_TIMEOUT_SECONDS x LLM_MAX_ATTEMPTS plus backoff must fit in "
                "TASK_TIME_LIMIT_SECONDS (the engine falls back a tier when its deadline nears)"
            )
        if self.audio_temp_max_age_seconds <= self.task_time_limit_seconds:
            raise ValueError(
                "AUDIO_TEMP_MAX_AGE_SECONDS must be above TASK_TIME_LIMIT_SECONDS (a live "
                "voiceover may still be writing a younger temp file)"
            )
        if self.job_lease_seconds <= self.task_time_limit_seconds:
            raise ValueError("JOB_LEASE_SECONDS must be above TASK_TIME_LIMIT_SECONDS")
        if self.ledger_settle_seconds <= self.job_lease_seconds:
            # Not for exactness (every late write invalidates its day) but so a summed day
            # is not re-summed for each call that was still in flight at midnight.
            raise ValueError("LEDGER_SETTLE_SECONDS must be above JOB_LEASE_SECONDS")
        if self.tier_mid_min_value > self.tier_premium_min_value:
            raise ValueError("TIER_MID_MIN_VALUE must not exceed TIER_PREMIUM_MIN_VALUE")
        return self

    # --- derived views ------------------------------------------------------------------
    @property
    def broker_transport_options(self) -> dict[str, Any]:
        """Options every Celery client of this deployment shares (worker, beat, web)."""
        options: dict[str, Any] = {
            "visibility_timeout": self.broker_visibility_timeout_seconds,
            # Each pool thread may hold a connection while acking; kombu's default cap is
            # too low for 32+ threads and shows up as failed acks.
            "max_connections": self.broker_max_connections,
        }
        if self.redis_key_prefix:
            options["global_keyprefix"] = self.redis_key_prefix
        return options

    @property
    def webhook_retry_delays(self) -> tuple[float, ...]:
        """The retry schedule in seconds, one delay per retry."""
        return tuple(float(part) for part in self.webhook_retry_schedule.split(",")
                     if part.strip())

    @property
    def embedded_database(self) -> bool:
        return not self.database_url

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'scriptforge.db').resolve()}"

    @property
    def review_cookie_secure(self) -> bool:
        if self.session_cookie_secure is not None:
            return self.session_cookie_secure
        return not self.embedded_database

    @property
    def embedded_worker(self) -> bool:
        """No broker configured: jobs run on threads inside the web process."""
        return not self.redis_url

    @property
    def llm_configured(self) -> bool:
        return self.llm_key is not None

    @property
    def llm_key(self) -> str | None:
        secret = self.llm_api_key or self.openrouter_api_key
        return secret.get_secret_value() if secret else None

    @property
    def resolved_llm_base_url(self) -> str:
        return self.llm_base_url or OPENROUTER_BASE_URL

    @property
    def reports_provider_cost(self) -> bool:
        """OpenRouter puts the call's real USD cost in ``usage.cost``."""
        return "openrouter.ai" in self.resolved_llm_base_url


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment (plus explicit overrides, used by tests).

    Raises :class:`ConfigError` whose message names each bad variable.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper() or "settings"
            problems.append(f"{name}: {error['msg']}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None


def session_secret(settings: Settings) -> str:
    """The key that signs the review desk's session cookie (§14).

    In production (``DATABASE_URL`` set) it must be configured: several web processes on
    several hosts must sign with the same key, and a generated one would silently differ.
    Embedded, a key is generated once and kept in ``VAR_DIR/secret_key`` (owner-only), so
    sessions survive a restart and every gunicorn worker signs with the same key.
    """
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if not settings.embedded_database:
        raise ConfigError("invalid configuration: SECRET_KEY: required when DATABASE_URL is "
                          f"set (at least {_MIN_SECRET_CHARS} random characters)")
    return _persisted_secret(settings.var_dir / SECRET_KEY_FILE)


def _persisted_secret(path: Path) -> str:
    """Read the key at ``path``, creating it first if no process has yet.

    Two workers may start at once: each writes a complete temporary file and links it into
    place, which fails for all but the first, so every reader sees one whole key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first; use theirs
        finally:
            temporary.unlink()
    secret = path.read_text().strip()
    if len(secret) < _MIN_SECRET_CHARS:
        raise ConfigError(f"invalid configuration: SECRET_KEY: {path} holds fewer than "
                          f"{_MIN_SECRET_CHARS} characters; delete it to generate a new one")
    return secret
