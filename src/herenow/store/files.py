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

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from herenow.store.atomic import (  # noqa: F401 (re-exported)
    _encode, atomic_write, atomic_writer, create_exclusive, fsync_dir,
)
from herenow.store.paths import FILE_MODE, ensure_dir  # noqa: F401

MiB = 1024 * 1024
MAX_FILE_BYTES = 1 * MiB  # a deck, a theme, config.toml, a reflection, a draft, a session record

T = TypeVar("T")


class Unreadable(Exception):
    """A file that was not read, and why, in words for the user (no file name: the caller adds it)."""


class Locked(Unreadable):
    """A sealed file while no identity is unlocked in this process (it is fine: it opens after the passphrase)."""


SEALED_SUFFIX = ".age"  # X.toml.age: the age file of what would be X.toml
_SEAL_OVERHEAD = 4096  # header and tags of an age file of at most a few MiB


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
            is_toml = name.endswith(".toml") or name.endswith(".toml" + SEALED_SUFFIX)
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
    return _one_per_name(found), problems


def _one_per_name(found: list) -> list:
    """``X.toml`` and ``X.toml.age`` in one folder (a migration under way) are one entry: the sealed one."""
    sealed = {str(path) for path, _st in found if path.name.endswith(SEALED_SUFFIX)}
    if not sealed:
        return found
    return [(path, st) for path, st in found if str(path) + SEALED_SUFFIX not in sealed]


# ---------------------------------------------------------------- content files, plain or sealed (issue 10)
def plain_path(path: Path) -> Path:
    """``X.toml`` for ``X.toml`` or ``X.toml.age``."""
    return path.with_name(path.name.removesuffix(SEALED_SUFFIX))


def sealed_path(path: Path) -> Path:
    """``X.toml.age`` for ``X.toml`` or ``X.toml.age``."""
    return plain_path(path).with_name(plain_path(path).name + SEALED_SUFFIX)


def content_id(path: Path) -> str:
    """The id in a content file's name: the name without ``.toml`` or ``.toml.age``."""
    return path.name.removesuffix(SEALED_SUFFIX).removesuffix(".toml")


def existing_content(path: Path) -> Path | None:
    """The file that holds ``X.toml``'s content now: ``X.toml.age`` if there, else ``X.toml`` if there."""
    for candidate in (sealed_path(path), plain_path(path)):
        if os.path.lexists(candidate):
            return candidate
    return None


def _seal_for(data: bytes, recipient) -> bytes:
    from herenow.store.sealing import SealingError, seal

    try:
        return seal(data, recipient)
    except SealingError as exc:  # the caller's "cannot write" path: one calm line, the text stays on screen
        raise OSError(errno.EACCES, str(exc)) from None


def write_content(path: Path, data: bytes | str, recipient=None) -> Path:
    """Write a content file (reflection, draft, session record), replacing it; returns where it went.

    ``recipient`` (protection on): sealed to ``X.toml.age``; the temporary file holds only ciphertext, and a plain
    ``X.toml`` of the same item (older, from before protection) is removed once the sealed one is in place.
    ``None``: plain ``X.toml``, as before. Raises OSError with the old file untouched.
    """
    data = _encode(data)
    if recipient is None:
        target = plain_path(path)
        atomic_write(target, data)
        return target
    target = sealed_path(path)
    atomic_write(target, _seal_for(data, recipient))
    old = plain_path(path)
    if os.path.lexists(old):
        try:
            os.unlink(old)
            fsync_dir(old.parent)
        except OSError:
            pass  # listed once anyway (the sealed one wins); protect --status counts it
    return target


def create_content_exclusive(path: Path, data: bytes | str, recipient=None) -> Path | None:
    """Like ``create_exclusive``: the content file only if neither ``X.toml`` nor ``X.toml.age`` is there.

    Returns the path written, or None if the name is taken (plain or sealed)."""
    data = _encode(data)
    if recipient is None:
        target, other = plain_path(path), sealed_path(path)
    else:
        target, other = sealed_path(path), plain_path(path)
        data = _seal_for(data, recipient)
    if os.path.lexists(other):
        return None
    return target if create_exclusive(target, data) else None


def read_content(path: Path, identity=None, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The plain bytes of a content file: a plain file as ``read_bytes_safely`` reads it; an age file opened with
    ``identity`` (default: the one unlocked in this process). Raises ``Locked`` when none is, ``Unreadable``
    (one line) when it is damaged, truncated or sealed to another key."""

    named_sealed = path.name.endswith(SEALED_SUFFIX)
    raw = read_bytes_safely(path, max_bytes + _SEAL_OVERHEAD if named_sealed else max_bytes)
    return open_content(path, raw, identity, max_bytes)


def open_content(path: Path, raw: bytes, identity=None, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """``read_content`` on bytes already read (so a caller can hash exactly the bytes it opened)."""
    from herenow.store.sealing import SealingError, is_sealed, open_sealed

    if not (path.name.endswith(SEALED_SUFFIX) or is_sealed(raw)):
        return raw
    if identity is None:
        from herenow.store.protection import LOCKED_MESSAGE, current

        identity = current().identity
        if identity is None:
            raise Locked(LOCKED_MESSAGE)
    try:
        plain = open_sealed(raw, identity, name=str(path))
    except SealingError as exc:
        raise Unreadable(exc.problem) from None
    if len(plain) > max_bytes:
        raise Unreadable(f"is larger than the {_size(max_bytes)} allowed; not read")
    return plain


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


