"""Where voiceover audio lives on disk, and how it gets there safely (§3.6, §7).

Layout: ``<root>/<script_id>/<voiceover_id>/section-<i>.wav`` and ``.../full.wav``.
Grouping by script first makes a hard delete of a script one directory removal, and
keeping each voiceover in its own directory lets a re-voice run next to the old audio
until the new one is ready.

Every file is written to a hidden temporary file in the same directory, flushed to disk
and then renamed over the final name. A rename within one file system is atomic, so a
worker killed at any moment leaves either the previous complete file or none at all,
never a half-written file under a name that looks finished. Temporary names start with a
dot and end in ``.tmp``; :meth:`AudioStorage.resolve` refuses to serve them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from shared.errors import NotFoundError, StoragePathError

FULL_TRACK_NAME = "full.wav"
_TEMP_SUFFIX = ".tmp"


def _check_id(value: int, what: str) -> int:
    # Ids become directory names; accepting only plain non-negative ints means no caller
    # can smuggle "..", a slash or an absolute path into the layout.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StoragePathError(f"{what} must be a non-negative integer, got {value!r}")
    return value


def _fsync_directory(directory: Path) -> None:
    """Persist a rename: without this a power cut can forget the new directory entry."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(directory, flags)
    except OSError:  # some platforms/filesystems cannot open directories; best effort
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class AudioStorage:
    """The audio directory tree under one root (``STORAGE_DIR``)."""

    def __init__(self, root: Path) -> None:
        # Resolved once so containment checks compare real paths, even when STORAGE_DIR is
        # relative or reached through a symlink.
        self.root = Path(root).resolve()

    # --- layout ---------------------------------------------------------------------
    def script_dir(self, script_id: int) -> Path:
        return self.root / str(_check_id(script_id, "script_id"))

    def voiceover_dir(self, script_id: int, voiceover_id: int) -> Path:
        return self.script_dir(script_id) / str(_check_id(voiceover_id, "voiceover_id"))

    def section_path(self, script_id: int, voiceover_id: int, index: int) -> Path:
        name = f"section-{_check_id(index, 'section index')}.wav"
        return self.voiceover_dir(script_id, voiceover_id) / name

    def full_path(self, script_id: int, voiceover_id: int) -> Path:
        return self.voiceover_dir(script_id, voiceover_id) / FULL_TRACK_NAME

    def relative_path(self, path: Path) -> str:
        """The form to persist in the database: portable across hosts mounting the root
        at different places, and the only form :meth:`resolve` accepts back."""
        return self._inside_root(Path(path)).relative_to(self.root).as_posix()

    # --- writing ----------------------------------------------------------------------
    @contextlib.contextmanager
    def atomic_write(self, final_path: Path) -> Iterator[Path]:
        """Yield a temporary path to fill; on success it atomically becomes ``final_path``.

        If the body raises (or the process dies), ``final_path`` is untouched: it keeps
        its previous content or stays absent. The temporary file is removed on errors.
        """
        final = self._inside_root(Path(final_path))
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(
            dir=final.parent, prefix=f".{final.name}.", suffix=_TEMP_SUFFIX
        )
        os.close(fd)
        temp = Path(temp_name)
        try:
            yield temp
            with temp.open("rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(temp, final)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_directory(final.parent)

    def write_bytes(self, final_path: Path, data: bytes) -> None:
        with self.atomic_write(final_path) as temp:
            temp.write_bytes(data)

    # --- deleting ---------------------------------------------------------------------
    def delete_script_audio(self, script_id: int) -> bool:
        """Remove every voiceover of a script (hard delete, §3.6). True if anything went."""
        return self._remove_tree(self.script_dir(script_id))

    def delete_voiceover(self, script_id: int, voiceover_id: int) -> bool:
        """Remove one voiceover's files, and the script's directory if that leaves it empty."""
        removed = self._remove_tree(self.voiceover_dir(script_id, voiceover_id))
        with contextlib.suppress(OSError):  # not empty, or already gone: both fine
            self.script_dir(script_id).rmdir()
        return removed

    def remove_stale_temp_files(self, *, older_than_seconds: float = 3600.0) -> int:
        """Delete temporary files left by killed workers; returns how many were removed.

        Old enough means no live writer can still be filling them (a section takes
        seconds, and the task time limit bounds a whole voiceover).
        """
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for temp in self.root.rglob(f".*{_TEMP_SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                if temp.is_file() and temp.stat().st_mtime < cutoff:
                    temp.unlink()
                    removed += 1
        return removed

    # --- serving ----------------------------------------------------------------------
    def resolve(self, relative: str) -> Path:
        """The finished file a stored relative path names, refusing anything else.

        Rejects absolute paths, ``..``, hidden/temporary names and symlinks that lead out
        of the root, so a tampered database value or request cannot read arbitrary files.
        Raises :class:`StoragePathError` for those and ``NotFoundError`` when the file is
        simply not there.
        """
        pure = PurePosixPath(relative)
        if not relative or pure.is_absolute() or "\\" in relative or "\x00" in relative:
            raise StoragePathError(f"not a relative audio path: {relative!r}")
        if any(part in ("", ".", "..") or part.startswith(".") for part in pure.parts):
            raise StoragePathError(f"audio path may not contain dot components: {relative!r}")
        path = self._inside_root(self.root.joinpath(*pure.parts))
        if not path.is_file():
            raise NotFoundError("audio file", relative)
        return path

    def _inside_root(self, path: Path) -> Path:
        resolved = (path if path.is_absolute() else self.root / path).resolve()
        if resolved != self.root and not resolved.is_relative_to(self.root):
            raise StoragePathError(f"path {str(path)!r} is outside the audio storage")
        return resolved

    def _remove_tree(self, directory: Path) -> bool:
        directory = self._inside_root(directory)
        if directory == self.root:
            raise StoragePathError("refusing to delete the storage root")
        try:
            shutil.rmtree(directory)
        except FileNotFoundError:
            return False
        return True
