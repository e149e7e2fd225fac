"""The one place where herenow's content files are read from and written to disk.

- ``read_bytes_safely``: every file the app reads (decks, themes, config, reflections, drafts, session records)
  comes through here: regular files only (a FIFO, a device, a dangling or looping link is refused without
  blocking), at most ``max_bytes``; a refusal is an ``Unreadable`` with a one-line reason.
- ``list_toml`` / ``scan_toml``: every folder of TOML files is listed and parsed by these two, so a bad file or
  folder is always reported the same way and never stops the rest.
- ``atomic_write`` (replace) and ``create_exclusive`` (never replace): what is written reaches the disk whole
  or not at all.

Sealing files (issue 10) slots in here: ``read_bytes_safely`` and the two writers are the only entry points.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from herenow.store.paths import FILE_MODE, ensure_dir

MiB = 1024 * 1024
MAX_FILE_BYTES = 1 * MiB  # a deck, a theme, config.toml, a reflection, a draft, a session record

T = TypeVar("T")


class Unreadable(Exception):
    """A file that was not read, and why, in words for the user (no file name: the caller adds it)."""


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_bytes_safely(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``. Raises ``Unreadable``.

    Opened non-blocking (a named pipe never hangs the app) and checked with fstat before a byte is read.
    Links are followed when they lead to a regular file (a config kept in a dotfiles folder works).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Unreadable("is a link that loops back on itself; not read") from None
        if exc.errno == errno.ENOENT and os.path.islink(path):
            raise Unreadable("is a link to a file that does not exist") from None
        if exc.errno == errno.ENXIO:  # a socket or a FIFO-like special file
            raise Unreadable("is not a regular file; not read") from None
        raise Unreadable(f"cannot be read ({_why(exc)})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise Unreadable("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("is not a regular file (a pipe or a device?); not read")
        if info.st_size > max_bytes:
            raise Unreadable(f"is {_size(info.st_size)}, larger than the {_size(max_bytes)} allowed; not read")
        chunks: list[bytes] = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                raise Unreadable("could not be read without waiting; not read") from None
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:  # grew while being read
                raise Unreadable(f"is larger than the {_size(max_bytes)} allowed; not read")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise Unreadable(f"cannot be read ({_why(exc)})") from None
    finally:
        os.close(fd)


def _size(n: int) -> str:
    if n >= MiB:
        return f"{n / MiB:.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} bytes"


def list_toml(folder: Path, *, recursive: bool = False, must_exist: bool = False):
    """The ``*.toml`` entries under ``folder`` (hidden names skipped), sorted: ([(path, stat)], problems).

    A missing folder is empty (or a problem when ``must_exist``); a folder that is not a folder or cannot be
    read is a problem naming it, never an empty store. Entries are not opened: ``read_bytes_safely`` decides
    what may be read. Links to folders are not followed.
    """
    from herenow.errors import Problem

    found: list[tuple[Path, os.stat_result | None]] = []
    problems: list[Problem] = []
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        if must_exist:
            problems.append(Problem(str(folder), "does not exist"))
        return found, problems
    except OSError as exc:
        return found, [Problem(str(folder), f"cannot be read ({_why(exc)})")]
    if not stat.S_ISDIR(info.st_mode):
        return found, [Problem(str(folder), "is not a folder")]
    stack = [str(folder)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                listed = list(entries)
        except OSError as exc:
            problems.append(Problem(current, f"cannot be read ({_why(exc)})"))
            continue
        for entry in listed:
            name = entry.name
            if name.startswith("."):
                continue
            is_toml = name.endswith(".toml")
            try:
                if entry.is_dir(follow_symlinks=False) and not is_toml:
                    if recursive:
                        stack.append(entry.path)
                    continue
            except OSError:
                pass
            if not is_toml:
                continue  # a folder called *.toml is listed: read_bytes_safely says it is a folder
            try:
                st: os.stat_result | None = entry.stat()
            except OSError:
                st = None  # a dangling or looping link: read_bytes_safely says which
            found.append((Path(entry.path), st))
    found.sort(key=lambda item: str(item[0]))
    return found, problems


def scan_toml(folder: Path, parse: Callable[[Path], tuple[T | None, list[Any]]], *, recursive: bool = False,
              must_exist: bool = False) -> tuple[list[tuple[Path, T]], list[Any]]:
    """Parse every ``*.toml`` file in ``folder``: ([(path, parsed)], problems). One bad file never stops the rest."""
    loaded: list[tuple[Path, T]] = []
    entries, problems = list_toml(folder, recursive=recursive, must_exist=must_exist)
    for path, _st in entries:
        item, found = parse(path)
        problems += found
        if item is not None:
            loaded.append((path, item))
    return loaded, problems


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
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return tmp


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
        try:
            os.unlink(tmp)
        except OSError:
            pass
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
        try:
            os.unlink(tmp)
        except OSError:
            pass
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
        try:
            os.unlink(tmp)
        except OSError:
            pass
    fsync_dir(folder)
    return True


def _create_excl_fallback(path: Path, data: bytes, mode: int) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        try:
            os.unlink(path)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)
    return True
