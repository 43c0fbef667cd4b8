"""Fixtures for the TTS tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.tts.storage import AudioStorage
from tests.support.services import require_binary


@pytest.fixture
def espeak_binary() -> str:
    """The real espeak-ng; skipped with a reason (failed under REQUIRE_SERVICES=1) if absent."""
    return require_binary("espeak-ng")


@pytest.fixture
def storage(tmp_path: Path) -> AudioStorage:
    return AudioStorage(tmp_path / "audio")

