"""The checked cache: decks, themes and ``config.toml`` kept as plain data once pydantic has checked them, so a
session starts without importing pydantic or parsing TOML (issue 12).

One JSON file in the cache folder (``paths``). An entry is keyed on the file's path and the SHA-256 of its bytes,
and the whole cache on herenow's version: it is used only for the very bytes it was made from, by the same
herenow, so an edited, replaced or restored file is always read and checked again, however close in time the
edit and however coarse the file system's clock (a size and mtime key could miss an edit within one tick).
A file's problems are kept with it, so a broken deck is reported at every start without being parsed again.
A cache that cannot be read, or is not what this herenow writes, is ignored and rewritten; a cache that cannot
be written is no cache (a read-only disk still starts). Only decks, themes and config live here: never a
reflection, a draft or a session record.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from herenow import __version__
from herenow.errors import Problem
from herenow.store import paths

T = TypeVar("T")
FORMAT = 1
MAX_CACHE_BYTES = 16 * 1024 * 1024
# The cache as last read or written by this process, by file: (inode, size, mtime_ns) and its entries. Config, decks
# and themes are read one after another at start: the JSON is parsed once, not three times.
_seen: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class CheckedCache:
    """Read once, written back by ``save`` when something new was checked."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.locations().checked_cache_file
        self._entries: dict[str, Any] | None = None
        self._changed = False

    def _all(self) -> dict[str, Any]:
        if self._entries is None:
            signature = _signature(self.path)
            seen = _seen.get(str(self.path))
            if signature is not None and seen is not None and seen[0] == signature:
                self._entries = seen[1]
                return self._entries
            self._entries = {}
            from herenow.store.files import Unreadable, read_bytes_safely

            try:
                document = json.loads(read_bytes_safely(self.path, MAX_CACHE_BYTES))
            except (Unreadable, ValueError, RecursionError):
                return self._entries
            if (isinstance(document, dict) and document.get("format") == FORMAT
                    and document.get("version") == __version__ and isinstance(document.get("entries"), dict)):
                self._entries = document["entries"]
                if signature is not None:
                    _seen[str(self.path)] = (signature, self._entries)
        return self._entries

    def get(self, kind: str, path: Path, digest: str) -> tuple[Any, list[Problem]] | None:
        """(value, problems) checked from exactly these bytes, or None."""
        entry = self._all().get(f"{kind}:{path}")
        if not isinstance(entry, dict) or entry.get("sha256") != digest:
            return None
        try:
            problems = [Problem(str(path), message, line, field) for message, line, field in entry["problems"]]
        except (KeyError, TypeError, ValueError):
            return None
        return entry.get("value"), problems

    def recall(self, key: str) -> Any:
        """A value worked out from code alone (``keep``), or None: its key names every version it depends on."""
        return self._all().get(f"derived:{key}")

    def keep(self, key: str, value: Any) -> None:
        self._all()[f"derived:{key}"] = value
        self._changed = True

    def put(self, kind: str, path: Path, digest: str, value: Any, problems: list[Problem]) -> None:
        self._all()[f"{kind}:{path}"] = {"sha256": digest, "value": value,
                                          "problems": [[p.message, p.line, p.field] for p in problems]}
        self._changed = True

    def save(self) -> None:
        """Write the cache if something was added; entries of files that are gone are dropped."""
        if not self._changed:
            return
        from herenow.store.atomic import atomic_write

        entries = {key: entry for key, entry in self._all().items()
                   if key.startswith("derived:") or os.path.lexists(key.split(":", 1)[1])}
        document = {"format": FORMAT, "version": __version__, "entries": entries}
        try:
            atomic_write(self.path, json.dumps(document, separators=(",", ":")))
        except OSError:
            return  # no cache this time: the files are checked again next start
        self._changed = False
        self._entries = entries
        signature = _signature(self.path)
        if signature is not None:
            _seen[str(self.path)] = (signature, entries)


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def cached_reader(cache: CheckedCache, kind: str, check: Callable[[Path, bytes], tuple[T | None, list[Problem]]],
                  to_value: Callable[[T], Any], from_value: Callable[[Any], T]
                  ) -> Callable[[Path], tuple[T | None, list[Problem]]]:
    """A ``parse(path)`` for ``scan_toml`` that reads the file (the one hardened reader), serves what the cache
    holds for exactly its bytes, and otherwise runs ``check(path, raw)`` and keeps the outcome."""
    from herenow.store.files import Unreadable, read_bytes_safely

    def parse(path: Path) -> tuple[T | None, list[Problem]]:
        try:
            raw = read_bytes_safely(path)
        except Unreadable as exc:
            return None, [Problem(str(path), str(exc))]
        key = digest(raw)
        hit = cache.get(kind, path, key)
        if hit is not None:
            value, problems = hit
            try:
                return (None if value is None else from_value(value)), problems
            except (KeyError, TypeError, ValueError, AttributeError):
                pass  # not what this herenow writes: check the file again
        item, problems = check(path, raw)
        cache.put(kind, path, key, None if item is None else to_value(item), problems)
        return item, problems

    return parse
