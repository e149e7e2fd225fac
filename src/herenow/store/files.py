"""Atomic, private file writes: a reader never sees half a file, and a crash never costs the old one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from herenow.store.paths import FILE_MODE, ensure_dir


def atomic_write(path: Path, data: bytes | str, *, mode: int = FILE_MODE) -> None:
    """Write ``data`` to ``path``: temporary file in the same folder, fsync, rename, fsync of the folder.

    Raises OSError (full disk, read-only folder...) with the old file, if any, untouched.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    """Make a rename or removal in ``folder`` durable. Best effort: some file systems refuse to fsync a folder."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
