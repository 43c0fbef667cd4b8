"""Settings fail at start naming the variable, and never show secrets (§9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import SECRET_KEY_FILE, ConfigError, load_settings, session_secret


def test_embedded_defaults() -> None:
    settings = load_settings()
    assert settings.embedded_database
    assert settings.embedded_worker
    assert not settings.llm_configured
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_llm_base_url == "https://openrouter.ai/api/v1"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LLM_TIMEOUT_SECONDS", "soon"),
        ("LLM_MAX_ATTEMPTS", "0"),
        ("BATCH_DEFAULT_STYLE", "poetic"),
        ("NIGHTLY_BATCH_CRON", "every night"),
        ("LOG_LEVEL", "LOUD"),
        ("VOICEOVER_ENGINE", "festival"),
        ("PRICE_BUDGET_INPUT", "-1"),
        ("RATE_LIMIT", "lots"),
        ("RATE_LIMIT", ""),
        ("RATE_LIMIT_JOBS", "120 a minute"),
        ("RATE_LIMIT_JOBS", "0/minute"),
    ],
)
def test_invalid_variable_is_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        load_settings()


def test_rate_limits_default_and_accept_limits_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert (settings.rate_limit, settings.rate_limit_jobs) == ("600/minute", "120/minute")
    monkeypatch.setenv("RATE_LIMIT", "10/second;600/minute")
    monkeypatch.setenv("RATE_LIMIT_JOBS", "120 per minute")
    settings = load_settings()
    assert (settings.rate_limit, settings.rate_limit_jobs) == (
        "10/second;600/minute", "120 per minute")


def test_time_budget_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASK_TIME_LIMIT_SECONDS", "4000")
    with pytest.raises(ConfigError, match="BROKER_VISIBILITY_TIMEOUT_SECONDS"):
        load_settings()
    monkeypatch.setenv("TASK_TIME_LIMIT_SECONDS", "100")
    monkeypatch.setenv("LLM_TIMEOUT_SECONDS", "40")
    with pytest.raises(ConfigError, match="LLM_TIMEOUT_SECONDS x LLM_MAX_ATTEMPTS"):
        load_settings()


def test_secrets_stay_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-very-secret")
    settings = load_settings()
    assert settings.llm_key == "sk-or-very-secret"
    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.model_dump())
    assert settings.reports_provider_cost


def test_metrics_settings(tmp_path: Path) -> None:
    # Compose passes METRICS_TOKEN through as "" when unset: that is no token, not "".
    assert load_settings(metrics_token="").metrics_token is None
    assert load_settings(metrics_token="t0k").metrics_token is not None
    assert load_settings().worker_metrics_port == 0
    assert load_settings(prometheus_multiproc_dir=str(tmp_path)).prometheus_multiproc_dir
    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR"):
        load_settings(prometheus_multiproc_dir=str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="WORKER_METRICS_PORT"):
        load_settings(worker_metrics_port=70000)


def test_a_short_secret_key_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "changeme")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings()


def test_production_needs_a_secret_key(tmp_path: Path) -> None:
    settings = load_settings(database_url="postgresql+psycopg://db/x", var_dir=tmp_path)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        session_secret(settings)
    configured = load_settings(database_url="postgresql+psycopg://db/x", secret_key="k" * 40)
    assert session_secret(configured) == "k" * 40
    assert "k" * 40 not in repr(configured)
    assert configured.review_cookie_secure  # production is behind TLS unless told otherwise


def test_embedded_mode_generates_one_secret_key_and_keeps_it(tmp_path: Path) -> None:
    settings = load_settings(var_dir=tmp_path / "var")
    first = session_secret(settings)
    assert len(first) >= 32
    assert session_secret(load_settings(var_dir=tmp_path / "var")) == first  # after a restart
    kept = tmp_path / "var" / SECRET_KEY_FILE
    assert kept.stat().st_mode & 0o777 == 0o600
    assert not settings.review_cookie_secure
    assert [path.name for path in kept.parent.iterdir()] == [SECRET_KEY_FILE]


def test_a_damaged_secret_key_file_is_named(tmp_path: Path) -> None:
    (tmp_path / SECRET_KEY_FILE).write_text("short\n")
    with pytest.raises(ConfigError, match="delete it"):
        session_secret(load_settings(var_dir=tmp_path))


def test_rate_limit_storage_is_memory_or_redis() -> None:
    assert load_settings().rate_limit_storage_url is None
    assert load_settings(rate_limit_storage_url="memory://").rate_limit_storage_url == "memory://"
    with pytest.raises(ConfigError, match="RATE_LIMIT_STORAGE_URL"):
        load_settings(rate_limit_storage_url="mongodb://elsewhere")
