"""Settings fail at start naming the variable, and never show secrets (§9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import ConfigError, load_settings


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
