"""Writing a file whole or not at all: ``atomic_write`` (replace) and ``create_exclusive`` (never replace).

Below ``files`` (which re-exports both) so ``sealing`` can write its keys without importing ``files`` back.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from herenow.store.paths import FILE_MODE, ensure_dir, remove_quietly


def fsync_dir(folder: Path) -> None:
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


def _write_temp(folder: Path, name: str, data: bytes, mode: int) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    _fill(fd, tmp, data, mode=mode)
    return tmp


def _fill(fd: int, path: str | Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to the new file open on ``fd`` and fsync it; on any failure the file at ``path`` goes."""
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        remove_quietly(path)
        raise


def _encode(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def atomic_write(path: Path, data: bytes | str, *, mode: int = FILE_MODE) -> None:
    """Write ``data`` to ``path``, replacing it: temporary file in the same folder, fsync, rename, fsync of the
    folder. Raises OSError (full disk, read-only folder...) with the old file, if any, untouched."""
    folder = ensure_dir(path.parent)
    tmp = _write_temp(folder, path.name, _encode(data), mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(folder)


@contextlib.contextmanager
def atomic_writer(path: Path, *, mode: int = FILE_MODE):
    """``atomic_write`` for what is written a piece at a time (an export of thousands): yields a binary file
    in the same folder; on a clean exit it is fsync'ed and renamed over ``path``, on an error removed (the old
    file, if any, untouched)."""
    folder = ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(folder)


def create_exclusive(path: Path, data: bytes | str, *, mode: int = FILE_MODE) -> bool:
    """Write ``data`` to ``path`` only if nothing is there yet: whole (temporary file, fsync, hard link to the
    final name, which fails if the name exists), never replacing anything. Returns False if ``path`` exists.

    Raises OSError for a full disk or an unwritable folder. Where hard links are not possible (some network or
    FAT file systems), falls back to O_EXCL on the final name plus a rename-free write.
    """
    folder = ensure_dir(path.parent)
    tmp = _write_temp(folder, path.name, _encode(data), mode)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        return _create_excl_fallback(path, _encode(data), mode)
    finally:
        remove_quietly(tmp)
    fsync_dir(folder)
    return True


def _create_excl_fallback(path: Path, data: bytes, mode: int) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    _fill(fd, path, data)
    fsync_dir(path.parent)
    return True
