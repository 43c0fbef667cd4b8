"""The ``scriptforge`` console script: JSON shapes as §11 shows, and no key in clear."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from shared.cli import main
from shared.config import Settings
from shared.repositories.api_keys import SCOPES


@pytest.fixture
def cli(make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, Any]]:
    """Runs the console script against the embedded database of ``make_settings``."""
    settings = make_settings()
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))

    def run(*argv: str) -> tuple[int, Any]:
        status = main(list(argv))
        captured = capsys.readouterr()
        return status, json.loads(captured.out if status == 0 else captured.err)

    return run


def test_keys_create_prints_the_documented_shape_and_creates_the_tenant(cli: Any) -> None:
    status, created = cli("keys", "create", "--tenant", "acme", "--scopes",
                          "read,write,review,admin", "--name", "ci")
    assert status == 0
    assert set(created) == {"id", "tenant", "prefix", "scopes", "key"}
    assert created["tenant"] == "acme"
    assert created["scopes"] == list(SCOPES)
    assert created["key"].startswith("sf_")
    assert len(created["key"]) >= 3 + 32
    assert created["key"].startswith(created["prefix"])
    assert len(created["prefix"]) == 3 + 8

    status, listed = cli("keys", "list", "--tenant", "acme")
    assert status == 0
    assert [(k["id"], k["prefix"], k["name"], k["revoked_at"]) for k in listed] == [
        (created["id"], created["prefix"], "ci", None)]
    assert "key" not in listed[0]

    status, revoked = cli("keys", "revoke", str(created["id"]))
    assert status == 0
    assert revoked["revoked_at"] is not None


def test_tenants_create_and_set_budget(cli: Any) -> None:
    status, tenant = cli("tenants", "create", "beta", "--monthly-budget-usd", "12.5")
    assert status == 0
    assert (tenant["slug"], tenant["monthly_budget_usd"]) == ("beta", 12.5)
    assert cli("tenants", "set-budget", "beta", "none")[1]["monthly_budget_usd"] is None
    assert cli("tenants", "set-budget", "beta", "30")[1]["monthly_budget_usd"] == 30.0
    status, error = cli("tenants", "create", "beta")
    assert status == 1
    assert "already exists" in error["error"]
    status, error = cli("tenants", "set-budget", "beta", "-1")
    assert status == 1
    assert "monthly_budget_usd" in error["error"]


def test_bad_scopes_and_unknown_tenants_are_errors_naming_them(cli: Any) -> None:
    status, error = cli("keys", "create", "--tenant", "acme", "--scopes", "read,root")
    assert status == 1
    assert "root" in error["error"]
    status, error = cli("keys", "list", "--tenant", "nobody")
    assert status == 1
    assert "nobody" in error["error"]


def _dump_sqlite(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


def test_the_sqlite_database_holds_no_key_in_clear(
    cli: Any, make_settings: Callable[..., Settings]
) -> None:
    _, created = cli("keys", "create", "--tenant", "acme", "--scopes", "read")
    dump = _dump_sqlite(Path(make_settings().resolved_database_url.removeprefix("sqlite:///")))
    assert created["prefix"] in dump  # the dump is real and holds the key's row
    assert created["key"] not in dump
    assert created["key"].removeprefix("sf_") not in dump


def test_the_postgres_database_holds_no_key_in_clear(
    postgres_url: str, make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    assert main(["keys", "create", "--tenant", "acme", "--scopes", "read,write"]) == 0
    created = json.loads(capsys.readouterr().out)
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            tables = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
            # Every row of every table, as text.
            dump = "\n".join(
                str(row) for table in tables
                for row in connection.execute(text(f'SELECT t::text FROM "{table}" t'))
            )
    finally:
        engine.dispose()
    assert created["prefix"] in dump
    assert created["key"].removeprefix("sf_") not in dump
