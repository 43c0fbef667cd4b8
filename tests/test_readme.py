"""README's first lines are the two commands a newcomer runs; CI runs the second verbatim."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    return [line.strip() for line in lines[:25] if line.strip().startswith("python3 -m venv")]


def test_readme_starts_with_demo_and_test_commands() -> None:
    demo, tests = _commands()[:2]
    assert "web.demo" in demo
    assert tests.endswith(".venv/bin/pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert _commands()[1] in ci_lines
