"""Every §N the repository cites names a section of its own contract, ``docs/contract.md``.

The contract used to live outside the repository, so a maintainer could not follow the
references; this keeps code, tests and documents pointing at text that is really there.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "docs" / "contract.md"
_CITATION = re.compile(r"§(\d+(?:\.\d+)?)")
_HEADING = re.compile(r"^#{2,3} §(\d+(?:\.\d+)?) ", re.MULTILINE)


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.split()
    return [ROOT / name for name in listed
            if name.endswith((".py", ".md", ".yml", ".toml", ".ini", ".txt"))
            and (ROOT / name).is_file()]


def test_every_cited_section_exists_in_the_contract() -> None:
    sections = set(_HEADING.findall(CONTRACT.read_text()))
    assert {"1", "3.5", "4", "14"} <= sections
    dangling = {
        f"{path.relative_to(ROOT)}: §{number}"
        for path in _tracked_text_files()
        for number in _CITATION.findall(path.read_text(errors="replace"))
        if number not in sections
    }
    assert not dangling, sorted(dangling)


def test_no_reference_points_outside_the_repository() -> None:
    outside = [str(path.relative_to(ROOT)) for path in _tracked_text_files()
               if path.name != Path(__file__).name
               and re.search(r"\bSPEC\.md\b|\.\./shared/", path.read_text(errors="replace"))]
    assert not outside
