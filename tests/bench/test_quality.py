"""The quality report runs, and its offline half reports what §5.5 promises.

Only the offline paths (two seconds): the LLM half needs the local server and belongs to the
report itself. Nothing here is timed.
"""

from __future__ import annotations

import pytest

from bench import quality


def test_the_offline_quality_report(capsys: pytest.CaptureFixture[str]) -> None:
    quality.main(["--no-llm", "--show", "30:sales"])
    out = capsys.readouterr().out
    summary = next(line for line in out.splitlines() if line.startswith("all paths"))
    assert "invariant 100.0 %" in summary
    assert "metric coverage 100.0 %" in summary
    assert "repeated sentences 0 in offline-written scripts" in summary
    assert summary.endswith("phrase-bank claims not in the plan 0")
    assert "#### harbor-coffee, sales, 30 s" in out
    assert len(quality.load_plans()) >= 6
