"""The reflection store with its search index: what the review screens and the CLI read through.

``ReflectionStore`` (reflections.py) owns the files; ``ReflectionIndex`` (index.py) is a cache of them that needs
the reflection model. This class puts the two together, above both, so neither imports the other's module back.

The index lives in the cache folder (``paths.Locations.index_file``). With protection on (a recipient), it is a
SQLCipher database keyed by a random key sealed to the recipient (``index_key.py``); while locked (no identity)
there is no index at all: ``index()`` raises ``IndexLocked``, and reflections saved meanwhile are indexed at the
next unlock (the refresh finds them like any other change).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from herenow.errors import UserError
from herenow.problems import Problem
from herenow.store import paths
from herenow.store.index import IndexRow, Parse, ReflectionIndex
from herenow.store.reflections import Query, Reflection, ReflectionStore

SQLITE_MAGIC = b"SQLite format 3\x00"


class IndexLocked(UserError):
    """The store is protected and locked: nothing can be searched until the passphrase is given."""

    def __init__(self) -> None:
        super().__init__("your reflections are locked: unlock them with your passphrase to list or search them")


class IndexedStore(ReflectionStore):
    def __init__(self, root: Path | None = None, *, protection: Any = None, parse: Parse | None = None) -> None:
        """``protection``: anything with ``.recipient`` (None: not protected) and ``.identity`` (None: locked);
        by default the process's own, ``protection.current()`` (issue 10), asked afresh at each use.
        ``parse``: how a file becomes a reflection; by default ``parse_reflection`` with the unlocked identity."""
        super().__init__(root, protection=protection)
        self.parse = parse

    @property
    def protected(self) -> bool:
        return getattr(self.protection, "recipient", None) is not None

    @property
    def locked(self) -> bool:
        return self.protected and getattr(self.protection, "identity", None) is None

    def _parse(self) -> Parse | None:
        if self.parse is not None or not self.protected:
            return self.parse
        from functools import partial

        from herenow.store.reflections import parse_reflection

        # Bound to the identity unlocked now: the index is opened only once unlocked, and a background build
        # parses in another thread with this same identity.
        return partial(parse_reflection, identity=self.protection.identity)

    def index_path(self) -> Path:
        where = paths.locations()
        if self.root == where.reflections_dir:
            _remove_index(where.old_index_file)  # from before the index moved to the cache folder
            return where.index_file
        digest = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:16]
        return where.cache_dir / f"index-{digest}.sqlite3"

    def index(self) -> ReflectionIndex:
        """The search index of this store, opened on first use (only a cache: rebuilt from the files).
        Raises ``IndexLocked`` while the store is protected and locked."""
        index = self.__dict__.get("_index")
        if index is not None:
            return index
        db = self.index_path()
        if self.locked:
            _remove_plain(db)  # an index from before protection holds content in the clear
            raise IndexLocked()
        connect = None
        if self.protected:
            from herenow.store.index import keyed_connect
            from herenow.store.index_key import load_or_create

            _remove_plain(db)
            try:
                key = load_or_create(db.parent, self.protection.recipient, self.protection.identity)
            except OSError:
                # The cache folder refuses writes: an index with a key of this run only (it goes to memory).
                key = os.urandom(32)
            connect = keyed_connect(key)
        index = self.__dict__["_index"] = ReflectionIndex(self.root, db, parse=self._parse(), connect=connect)
        return index

    def query(self, query: Query | None = None, *, limit: int | None = None) -> tuple[list[Reflection], list[Problem]]:
        """The matching reflections, newest first, and the problems with bad files.

        Free text: every word (or "quoted phrase") must begin a word in an answer, the note or the tags.
        """
        index = self.index()
        index.refresh()
        return index.reflections(query, limit=limit), index.problems()

    def known_tags(self) -> list[str]:
        """The tags used so far, for completion. Never waits for a first build (ending a session must not): with
        no index yet it answers [] and builds one in the background for next time."""
        if self.locked:
            return []  # nothing to offer until the next unlock; never a prompt
        index = self.index()
        if not index.ready():
            self.build_in_background()
            return []
        index.refresh()
        return index.known_tags()

    def build_in_background(self) -> None:
        """Start the first build in a daemon thread (once): a process that ends meanwhile loses nothing, the
        index is a cache and its unfinished transaction is rolled back."""
        import threading

        if self.__dict__.get("_builder") is not None and self.__dict__["_builder"].is_alive():
            return
        index = self.index()

        def build() -> None:
            try:
                index.refresh()
            except Exception:  # noqa: BLE001 - a cache: the next reader tries again
                pass

        builder = self.__dict__["_builder"] = threading.Thread(target=build, name="herenow-index", daemon=True)
        builder.start()

    def rows(self, query: Query | None = None, *, order: str = "date", descending: bool = True,
             limit: int | None = None) -> tuple[list[IndexRow], list[Problem]]:
        """Light rows (date, length, decks, ratings, tags, first words...) of the matches and the problems with
        bad files. Much cheaper than ``query`` for thousands of reflections."""
        index = self.index()
        index.refresh()
        return index.rows(query, order=order, descending=descending, limit=limit), index.problems()


def _remove_index(path: Path) -> None:
    for name in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm"),
                 path.parent / f".{path.name}.lock"):
        paths.remove_quietly(name)


def _remove_plain(path: Path) -> None:
    """Delete an index that is plain SQLite (readable without a key) where an encrypted one belongs."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError:
        return
    if head == SQLITE_MAGIC:
        _remove_index(path)
