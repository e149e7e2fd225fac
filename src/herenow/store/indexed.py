"""The reflection store with its search index: what the review screens and the CLI read through.

``ReflectionStore`` (reflections.py) owns the files; ``ReflectionIndex`` (index.py) is a cache of them that needs
the reflection model. This class puts the two together, above both, so neither imports the other's module back.
"""

from __future__ import annotations

from herenow.problems import Problem
from herenow.store import paths
from herenow.store.index import IndexRow, ReflectionIndex
from herenow.store.reflections import Query, Reflection, ReflectionStore


class IndexedStore(ReflectionStore):
    def index(self) -> ReflectionIndex:
        """The search index of this store, opened on first use.

        The index is only a cache: it lives beside the reflections folder and is rebuilt from the files.
        """
        index = self.__dict__.get("_index")
        if index is None:
            where = paths.locations()
            db = where.index_file if self.root == where.reflections_dir else self.root.parent / "index.sqlite3"
            index = self.__dict__["_index"] = ReflectionIndex(self.root, db)
            if self.protection.protected:
                # Issue 10, until the encrypted index (branch `scale`, keyed through protection.recipient /
                # protection.identity) replaces this: a protected store keeps its index in memory only, so no
                # reflection text reaches the disk in the clear.
                import sqlite3

                index.in_memory = True
                index._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
                index._create(index._db)
        return index

    def _is_locked(self) -> bool:
        """Protected and no passphrase entered in this process: the index is skipped (sealed files are indexed
        at the next unlock), and nothing here ever asks for one."""
        return self.protection.locked

    def query(self, query: Query | None = None, *, limit: int | None = None) -> tuple[list[Reflection], list[Problem]]:
        """The matching reflections, newest first, and the problems with bad files.

        Free text: every word (or "quoted phrase") must appear in an answer, the note or the tags.
        """
        if self._is_locked():
            return [], [_locked_problem(self.root)]
        index = self.index()
        index.refresh()
        return index.reflections(query, limit=limit), index.problems()

    def known_tags(self) -> list[str]:
        if self._is_locked():
            return []  # tag completion has nothing to offer until the next unlock
        index = self.index()
        index.refresh()
        return index.known_tags()

    def rows(self, query: Query | None = None, *, order: str = "date", descending: bool = True,
             limit: int | None = None) -> tuple[list[IndexRow], list[Problem]]:
        """Light rows (date, length, decks, ratings, tags, first words...) of the matches and the problems with
        bad files. Much cheaper than ``query`` for thousands of reflections."""
        if self._is_locked():
            return [], [_locked_problem(self.root)]
        index = self.index()
        index.refresh()
        return index.rows(query, order=order, descending=descending, limit=limit), index.problems()


def _locked_problem(root) -> Problem:
    from herenow.store.protection import LOCKED_MESSAGE

    return Problem(str(root), LOCKED_MESSAGE.replace("is sealed", "are sealed"))
