from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shared.errors import NotFoundError, StoragePathError
from shared.tts.storage import AudioStorage
from shared.tts.wav import is_valid_wav
from tests.shared.tts.helpers import write_tone

ROOT = Path(__file__).resolve().parents[3]


def _files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def test_layout_groups_audio_by_script_then_voiceover(storage: AudioStorage) -> None:
    assert storage.section_path(42, 7, 0) == storage.root / "42" / "7" / "section-0.wav"
    assert storage.full_path(42, 7) == storage.root / "42" / "7" / "full.wav"
    assert storage.relative_path(storage.section_path(42, 7, 3)) == "42/7/section-3.wav"


@pytest.mark.parametrize("bad", [-1, True, "1", "../1", 1.5])
def test_ids_must_be_plain_non_negative_integers(storage: AudioStorage, bad: object) -> None:
    with pytest.raises(StoragePathError):
        storage.voiceover_dir(bad, 1)  # type: ignore[arg-type]
    with pytest.raises(StoragePathError):
        storage.section_path(1, 1, bad)  # type: ignore[arg-type]


def test_atomic_write_publishes_complete_file_and_leaves_no_temporary(
    storage: AudioStorage,
) -> None:
    final = storage.section_path(1, 1, 0)
    with storage.atomic_write(final) as temp:
        assert temp.parent == final.parent  # same directory: the rename is atomic
        assert temp.name.startswith(".")
        assert temp.name.endswith(".tmp")
        write_tone(temp, 0.5)
        assert not final.exists()  # nothing visible until the body finished
    assert is_valid_wav(final)
    assert _files(storage.root) == ["1/1/section-0.wav"]


def _fail_halfway(storage: AudioStorage, final: Path, partial: bytes) -> None:
    with storage.atomic_write(final) as temp:
        temp.write_bytes(partial)
        raise RuntimeError("disk on fire")


def test_failure_mid_write_leaves_no_final_file(storage: AudioStorage, tmp_path: Path) -> None:
    final = storage.section_path(1, 1, 0)
    half = write_tone(tmp_path / "whole.wav", 1.0).read_bytes()[:1000]
    with pytest.raises(RuntimeError, match="disk on fire"):
        _fail_halfway(storage, final, half)
    assert not final.exists()
    assert _files(storage.root) == []


def test_failure_mid_rewrite_keeps_the_previous_complete_file(storage: AudioStorage) -> None:
    final = storage.full_path(1, 1)
    storage.write_bytes(final, b"previous complete content")
    with pytest.raises(RuntimeError):
        _fail_halfway(storage, final, b"new but unfin")
    assert final.read_bytes() == b"previous complete content"
    assert _files(storage.root) == ["1/1/full.wav"]


def test_killed_writer_leaves_only_a_hidden_temporary_file(storage: AudioStorage) -> None:
    """A real process dies (os._exit: no cleanup, no finally) halfway through a write."""
    final = storage.section_path(5, 9, 0)
    program = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from shared.tts.storage import AudioStorage
        from tests.shared.tts.helpers import write_tone

        storage = AudioStorage(Path({str(storage.root)!r}))
        with storage.atomic_write(storage.section_path(5, 9, 0)) as temp:
            write_tone(temp, 2.0)
            temp.write_bytes(temp.read_bytes()[:5000])
            os._exit(9)
        """
    )
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, check=False)
    assert result.returncode == 9

    assert not final.exists()
    leftovers = list(final.parent.iterdir())
    assert len(leftovers) == 1
    assert leftovers[0].name.startswith(".section-0.wav.")
    assert not is_valid_wav(leftovers[0])
    with pytest.raises(StoragePathError):
        storage.resolve(storage.relative_path(leftovers[0]))  # never served

    assert storage.remove_stale_temp_files(older_than_seconds=3600) == 0  # may be live
    old = 1_000_000_000
    os.utime(leftovers[0], (old, old))
    assert storage.remove_stale_temp_files(older_than_seconds=3600) == 1
    assert list(final.parent.iterdir()) == []


def test_delete_script_audio_removes_the_script_folder_only(storage: AudioStorage) -> None:
    for script_id, voiceover_id in [(1, 1), (1, 2), (2, 3)]:
        storage.write_bytes(storage.full_path(script_id, voiceover_id), b"x")
    assert storage.delete_script_audio(1) is True
    assert not storage.script_dir(1).exists()
    assert _files(storage.root) == ["2/3/full.wav"]
    assert storage.delete_script_audio(1) is False  # idempotent


def test_delete_voiceover_removes_one_voiceover_and_an_emptied_script_folder(
    storage: AudioStorage,
) -> None:
    storage.write_bytes(storage.full_path(1, 1), b"x")
    storage.write_bytes(storage.full_path(1, 2), b"y")
    assert storage.delete_voiceover(1, 1) is True
    assert _files(storage.root) == ["1/2/full.wav"]
    assert storage.delete_voiceover(1, 2) is True
    assert not storage.script_dir(1).exists()
    assert storage.delete_voiceover(1, 2) is False


def test_resolve_serves_a_stored_relative_path(storage: AudioStorage) -> None:
    final = storage.section_path(3, 4, 1)
    storage.write_bytes(final, b"audio")
    assert storage.resolve(storage.relative_path(final)) == final
    with pytest.raises(NotFoundError):
        storage.resolve("3/4/section-9.wav")


@pytest.mark.parametrize(
    "attack",
    [
        "../secret.txt",
        "1/../../secret.txt",
        "/etc/passwd",
        "1/1/..",
        "..",
        "",
        "1\\..\\..\\secret.txt",
        "1/1/.section-0.wav.abc.tmp",
        "1/./1/full.wav\x00.png",
    ],
)
def test_resolve_refuses_paths_outside_the_root(
    storage: AudioStorage, tmp_path: Path, attack: str
) -> None:
    (tmp_path / "secret.txt").write_text("do not serve")
    storage.write_bytes(storage.full_path(1, 1), b"audio")
    with pytest.raises(StoragePathError):
        storage.resolve(attack)


def test_resolve_refuses_a_symlink_leading_out_of_the_root(
    storage: AudioStorage, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "full.wav").write_text("do not serve")
    storage.root.mkdir(parents=True)
    (storage.root / "7").symlink_to(outside, target_is_directory=True)
    with pytest.raises(StoragePathError):
        storage.resolve("7/full.wav")
    with pytest.raises(StoragePathError):
        storage.delete_script_audio(7)
    assert (outside / "full.wav").exists()


def test_atomic_write_refuses_targets_outside_the_root(
    storage: AudioStorage, tmp_path: Path
) -> None:
    with pytest.raises(StoragePathError), storage.atomic_write(tmp_path / "elsewhere.wav"):
        pass
    assert not (tmp_path / "elsewhere.wav").exists()
