"""Dependency direction (§2), checked by a test rather than by memory."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("shared", {"flask", "flask_smorest", "celery", "kombu", "web", "worker", "werkzeug"}),
        ("web", {"worker"}),
        ("worker", {"web", "flask", "flask_smorest"}),
    ],
)
def test_forbidden_imports(package: str, forbidden: set[str]) -> None:
    offenders = {path: sorted(names & forbidden)
                 for path, names in _imports(package).items() if names & forbidden}
    assert offenders == {}


# Errors that are not the domain's: configuration at start-up, and the web's own broker
# wrapper (it subclasses ConnectionError so outage handlers treat it like one).
_ERRORS_ELSEWHERE = {
    "shared/config.py": {"ConfigError"},
    "web/publisher.py": {"BrokerUnavailableError"},
}


def _exception_classes(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            bases = {ast.unparse(base) for base in node.bases}
            if any(base.endswith(("Error", "Exception", "Exhausted", "Reply")) for base in bases) \
                    or node.name.endswith(("Error", "Exception")):
                names.add(node.name)
    return names


def test_domain_errors_live_in_one_module() -> None:
    """Callers import every error from shared/errors.py, so handlers map them in one place."""
    stray = {
        str(path.relative_to(ROOT)): sorted(names)
        for package in ("shared", "web", "worker")
        for path in (ROOT / package).rglob("*.py")
        if path != ROOT / "shared" / "errors.py"
        and (names := _exception_classes(path) - _ERRORS_ELSEWHERE.get(
            str(path.relative_to(ROOT)), set()))
    }
    assert stray == {}


def test_queries_live_in_repositories() -> None:
    """Persistence stays in shared/repositories (and the db plumbing): a job module or a
    blueprint that builds its own SELECT or UPDATE is a query nobody will find again."""
    allowed = ("shared/repositories/", "shared/db/", "migrations/")
    builders = {"select", "update", "delete", "insert"}
    offenders: dict[str, list[str]] = {}
    for package in ("shared", "web", "worker"):
        for path in (ROOT / package).rglob("*.py"):
            relative = str(path.relative_to(ROOT))
            if relative.startswith(allowed):
                continue
            for node in ast.walk(ast.parse(path.read_text(), relative)):
                if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
                    used = builders & {alias.name for alias in node.names}
                    if used:
                        offenders.setdefault(relative, []).extend(sorted(used))
    assert offenders == {}
