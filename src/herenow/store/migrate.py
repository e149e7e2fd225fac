"""Seal an existing plain store in place: ``X.toml`` becomes ``X.toml.age`` beside it.

Per file: read the plain bytes, write the sealed file atomically, read it back and check it (decrypt and compare
when an identity is at hand, otherwise compare with the ciphertext just written and check its length), and only
then remove the plain file and fsync the folder. A kill at any point loses nothing: at every instant a complete
copy is on disk, plain or sealed or both; running again finishes the job.

If both ``X.toml`` and ``X.toml.age`` exist at the start (a kill between the sealed write and the removal, or an
app that saved a sealed version meanwhile):
- with an identity: equal content -> the plain file goes; sealed file damaged -> sealed again from the plain one;
  different content -> the plain one is kept as a sealed side copy ``X.toml.before-protect.age`` (outside the
  ``*.toml.age`` pattern, so the store does not list it twice) and reported as a conflict;
- without one: a sealed file of exactly the length the plain one would seal to is taken as the same content (the
  kill case); any other length -> side copy as above. Nothing is ever overwritten that we cannot prove equal.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyrage import x25519

from herenow.store.files import fsync_dir
from herenow.store.sealing import (
    AGE_MAGIC,
    SEALED_SUFFIX,
    Identity,
    SealingError,
    as_recipient,
    open_sealed,
    write_sealed,
)

CONFLICT_SUFFIX = ".before-protect" + SEALED_SUFFIX
_CHUNK = 64 * 1024


@dataclass
class MigrationReport:
    sealed: list[Path] = field(default_factory=list)  # plain files sealed (and removed) in this run
    finished: list[Path] = field(default_factory=list)  # a previous run had sealed them: only the removal was left
    conflicts: list[Path] = field(default_factory=list)  # side copies written (X.toml.before-protect.age)
    failed: list[tuple[Path, str]] = field(default_factory=list)  # left plain and untouched, with the reason

    @property
    def done(self) -> bool:
        return not self.failed


def plain_files(folders: Iterable[Path], pattern: str = "*.toml") -> Iterator[Path]:
    """Plain files to seal: ``pattern`` matched in each folder and below, hidden (temporary) files skipped."""
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob(pattern)):
            if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                yield path


def count_plain(folders: Iterable[Path], pattern: str = "*.toml") -> int:
    """How many files are still plain (for ``protect --status``)."""
    return sum(1 for _ in plain_files(folders, pattern))


def sealed_length(plain_length: int, header_and_sealed: bytes) -> bool:
    """Whether an age file's payload has the exact length that ``plain_length`` bytes seal to."""
    end = header_and_sealed.find(b"\n--- ")
    if not header_and_sealed.startswith(AGE_MAGIC) or end < 0:
        return False
    mac_end = header_and_sealed.find(b"\n", end + 1)
    if mac_end < 0:
        return False
    chunks = max(1, -(-plain_length // _CHUNK))
    return len(header_and_sealed) - (mac_end + 1) == 16 + plain_length + 16 * chunks  # nonce + data + tags


def seal_tree(
    folders: Iterable[Path],
    recipient: x25519.Recipient | Identity | str,
    identity: Identity | None = None,
    pattern: str = "*.toml",
) -> MigrationReport:
    """Seal every plain file under ``folders``; see the module docstring for what happens in each case."""
    recipient = as_recipient(recipient)
    report = MigrationReport()
    for plain in list(plain_files(folders, pattern)):
        try:
            _seal_one(plain, recipient, identity, report)
        except (OSError, SealingError) as error:
            reason = str(error) if isinstance(error, SealingError) else f"{error.strerror or error}"
            report.failed.append((plain, reason))
    return report


def _signature(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _seal_one(plain: Path, recipient, identity: Identity | None, report: MigrationReport) -> None:
    sealed_path = plain.with_name(plain.name + SEALED_SUFFIX)
    before = _signature(plain)
    data = plain.read_bytes()
    if sealed_path.exists():
        verdict = _compare(sealed_path, data, identity)
        if verdict == "same":
            _remove_plain(plain, before)
            report.finished.append(plain)
            return
        if verdict == "different":
            side = _existing_copy(plain, data, identity) or _free_name(plain.with_name(plain.name + CONFLICT_SUFFIX))
            if not side.exists():  # else: a killed run had written it already
                _write_checked(side, data, recipient, identity, plain.stat().st_mtime_ns)
            _remove_plain(plain, before)
            report.conflicts.append(side)
            return
        # "damaged": the plain file is the only good copy; seal it over the damaged one.
    _write_checked(sealed_path, data, recipient, identity, plain.stat().st_mtime_ns)
    _remove_plain(plain, before)
    report.sealed.append(plain)


def _compare(sealed_path: Path, data: bytes, identity: Identity | None) -> str:
    existing = sealed_path.read_bytes()
    if identity is not None:
        try:
            opened = open_sealed(existing, identity, name=str(sealed_path))
        except SealingError as error:
            if error.kind == "wrong-key":
                return "different"  # readable by someone else's key: keep it, never overwrite
            return "damaged"
        return "same" if opened == data else "different"
    return "same" if sealed_length(len(data), existing) else "different"


def _write_checked(path: Path, data: bytes, recipient, identity: Identity | None, mtime_ns: int) -> None:
    written = write_sealed(path, data, recipient)
    back = path.read_bytes()
    if back != written:
        raise SealingError("read back differently from what was written", path=path)
    if identity is not None and open_sealed(back, identity, name=str(path)) != data:
        raise SealingError("does not decrypt to the plain file", path=path)
    os.utime(path, ns=(mtime_ns, mtime_ns))  # keep the date for listings and retention


def _remove_plain(plain: Path, before: tuple[int, int, int]) -> None:
    if _signature(plain) != before:
        raise SealingError("changed while being sealed; run protect again", path=plain)
    plain.unlink()
    fsync_dir(plain.parent)


def _existing_copy(plain: Path, data: bytes, identity: Identity | None) -> Path | None:
    for side in sorted(plain.parent.glob(plain.name + ".before-protect*" + SEALED_SUFFIX)):
        if _compare(side, data, identity) == "same":
            return side
    return None


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(path.name.removesuffix(CONFLICT_SUFFIX) + f".before-protect-{n}{SEALED_SUFFIX}")
    return candidate
