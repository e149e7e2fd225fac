"""A SQLite index of the reflection files: a cache, rebuilt from the files when they change.

The files stay the truth. A refresh looks at the folders first: a folder whose modification time is the one the
index saw last time (and was not still changing then) holds the same names as before, so its files are not
stat'ed; only the folders that changed (a save, a delete, another process, a sync) are listed again, and their
files compared by ``mtime_ns`` and size. ``refresh(full=True)`` stats every file (the review screen does it in the
background, which also catches an editor that rewrites a file in place). A missing, corrupt or older-version
index is simply rebuilt. Delete ``index.sqlite3`` and nothing is lost: the next refresh reads the files again.

A bad file (not TOML, not a valid reflection) is recorded as a problem (the file and why), skipped, and never
changed. It is read again only when it changes.

The index does not hold the reflections a second time: only the columns that listing and filtering need, and a
contentless FTS5 word index (the text itself is not stored; ``reflections()`` reads the files). Free-text search
matches the beginnings of words: every query term must begin a word (case- and accent-insensitive) in the
answers, the note or the tags, so "supervis" and "su" find "supervision" but "vision" does not; "double quotes"
keep words together as one phrase. (A trigram index would also find the middle of words, but it alone is 1.5x
the size of the files it indexes: measured in benchmarks/RESULTS-scale.md.) Without FTS5 the text is kept in a
column and scanned, with the same beginning-of-word rule.

The connection is given (``connect``): plain SQLite, or SQLCipher keyed with a random key when the store is
protected (``index_key.py``), so that nothing with content is on the disk in the clear. So is the parser
(``parse``), which may decrypt.

No Textual here: the CLI uses this too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from herenow.store.paths import FILE_MODE, ensure_dir, remove_quietly
from herenow.problems import Problem
from herenow.store.reflections import search_terms

if TYPE_CHECKING:  # pragma: no cover
    from herenow.store.reflections import Query, Reflection

INDEX_VERSION = 5  # 2: the client's own score; 3: contentless word index, folders table, AUTOINCREMENT row ids
SUFFIXES = (".toml", ".toml.age")  # a reflection file, plain or sealed (age)
PREVIEW_CHARS = 120

SORTS = {
    "date": "ts",
    "length": "length",
    "decks": "decks_key",
    "ratings": "rating_avg",
    "tags": "tags_key",
    "preview": "preview",
}

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE folders (
    path TEXT PRIMARY KEY,              -- relative to the reflections folder, '' for the folder itself
    mtime_ns INTEGER NOT NULL,          -- as last listed
    settled INTEGER NOT NULL            -- 1 when that mtime was old enough to trust (not still changing)
);
CREATE TABLE reflections (
    rid INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a stale word-index entry can never match a new row
    path TEXT NOT NULL UNIQUE,          -- relative to the reflections folder
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    id TEXT NOT NULL,
    ts REAL NOT NULL,                   -- session start, seconds since the epoch (for sorting)
    started TEXT NOT NULL,              -- ISO 8601 with its offset, as written
    day TEXT NOT NULL,                  -- YYYY-MM-DD of the start, as written
    length INTEGER NOT NULL,            -- elapsed seconds
    planned REAL NOT NULL,
    decks TEXT NOT NULL,                -- JSON list
    decks_key TEXT NOT NULL,            -- |a|b| for filtering
    tags TEXT NOT NULL,                 -- JSON list
    tags_key TEXT NOT NULL,             -- |a|b|
    ratings TEXT NOT NULL,              -- JSON object
    rating_avg REAL,
    preview TEXT NOT NULL,
    moments TEXT NOT NULL,              -- JSON list of [kind, at]
    cues_shown INTEGER NOT NULL,
    acted_on TEXT NOT NULL,             -- JSON list of [deck, id, text, at]
    supervision INTEGER NOT NULL,
    client_score REAL                   -- the client's own score as a share of their scale (0-1), if given
);
-- Only without FTS5: the searchable text, scanned.
CREATE TABLE bodies (
    rid INTEGER PRIMARY KEY REFERENCES reflections(rid) ON DELETE CASCADE,
    search TEXT NOT NULL                -- answers, note and tags, casefolded
);
CREATE INDEX reflections_ts_id ON reflections(ts, id);  -- the date order, ties included: a page walks it
CREATE INDEX reflections_day ON reflections(day);
CREATE TABLE problems (
    path TEXT PRIMARY KEY,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    problems TEXT NOT NULL              -- JSON list of [message, line, field]
);
"""

# Contentless: the words are indexed, the text is not kept. SQLite >= 3.43 (SQLCipher's) deletes rows from it;
# before that (the standard library's 3.40 here) a replaced row's entries stay behind, never match (row ids are
# never reused and every search joins the live rows), and are counted: past a quarter of the rows, rebuild.
_TOKENIZER = "unicode61 remove_diacritics 2"
_FTS_SCHEMA = ("CREATE VIRTUAL TABLE search_fts USING fts5(search, content='', tokenize='" + _TOKENIZER + "', "
               "prefix='1 2'{extra})")
STALE_FRACTION = 0.25
SETTLE_NS = 2_000_000_000  # a folder's mtime younger than this may yet change within the same clock tick: relist

_COLUMNS = ("path", "mtime_ns", "size", "id", "ts", "started", "day", "length", "planned", "decks", "decks_key",
            "tags", "tags_key", "ratings", "rating_avg", "preview", "moments", "cues_shown", "acted_on",
            "supervision", "client_score")
_ROW_COLUMNS = "rid, id, path, started, length, planned, decks, tags, ratings, preview, moments, cues_shown, " \
               "acted_on, supervision, client_score"


class ListLine(NamedTuple):
    """What ``herenow reflections list`` prints of one reflection."""

    started: str  # "YYYY-MM-DD HH:MM" of the start, as written
    length_minutes: int
    decks: tuple[str, ...]
    tags: tuple[str, ...]
    ratings: dict[str, int]
    preview: str
    id: str


# started is ISO 8601 as written ("2026-11-13T17:45:00+01:00"): its date and minute are cut out by SQLite
_LINE_COLUMNS = "substr(started, 1, 10) || ' ' || substr(started, 12, 5), length, decks, tags, ratings, preview, id"


@dataclass(frozen=True)
class IndexRow:
    """What the table, the filters and the trends need about one reflection, without reading its file."""

    rid: int
    id: str
    path: str  # relative to the reflections folder
    started: dt.datetime
    length_seconds: int
    planned_minutes: float
    decks: tuple[str, ...]
    tags: tuple[str, ...]
    ratings: dict[str, int]
    preview: str
    moments: tuple[tuple[str, int], ...]  # (kind, seconds into the session)
    cues_shown: int
    acted_on: tuple[tuple[str, str, str, int], ...]  # (deck, cue id, text, seconds)
    supervision: bool
    client_score: float | None = None  # the client's own score as a share of their scale (0 to 1)

    @property
    def length_minutes(self) -> int:
        return round(self.length_seconds / 60)


@dataclass
class RefreshResult:
    added: int = 0
    updated: int = 0
    removed: int = 0
    bad: int = 0
    rebuilt: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


class Matches(Sequence[int]):
    """The row ids of a query's matches in order, read from the index a page at a time as they are asked for;
    how many there are is known at once. What the review table pages through and the reflection view steps
    along, without reading 100,000 ids to show 40 rows. A snapshot in spirit only: read again after a refresh."""

    PAGE = 100

    def __init__(self, index: ReflectionIndex, query: Query | None, order: str, descending: bool, count: int,
                 first: Sequence[int] = ()) -> None:
        self.index, self.query, self.order, self.descending = index, query, order, descending
        self.count = count
        self._pages: dict[int, list[int]] = {}
        for start in range(0, len(first), self.PAGE):
            page = list(first[start : start + self.PAGE])
            if len(page) == self.PAGE or start + len(page) >= count:  # whole pages only
                self._pages[start // self.PAGE] = page

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, position: int) -> int:  # type: ignore[override]
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(self.count))]  # type: ignore[return-value]
        if position < 0:
            position += self.count
        if not 0 <= position < self.count:
            raise IndexError(position)
        number, at = divmod(position, self.PAGE)
        page = self._pages.get(number)
        if page is None:
            page = self._pages[number] = self.index.rids(self.query, order=self.order, descending=self.descending,
                                                         limit=self.PAGE, offset=number * self.PAGE)
        if at >= len(page):
            raise IndexError(position)  # fewer now than when counted (a refresh came between)
        return page[at]

    def rows(self, offset: int, limit: int) -> list[IndexRow]:
        """The rows at ``offset`` to ``offset + limit``, in order."""
        return self.index.page(self.query, order=self.order, descending=self.descending, offset=offset,
                               limit=limit)[1]

    def position(self, rid: int, *, within: int = 0) -> int | None:
        """Where ``rid`` is among the pages read so far, or else among the first ``within`` matches (reading
        their pages); None if not there."""
        for number, page in sorted(self._pages.items()):
            if rid in page:
                return number * self.PAGE + page.index(rid)
        for start in range(0, min(within, self.count), self.PAGE):
            if start // self.PAGE in self._pages:
                continue
            try:
                self[start]
            except IndexError:
                return None
            page = self._pages[start // self.PAGE]
            if rid in page:
                return start + page.index(rid)
        return None


# The errors of the database modules in use: the standard library's, and SQLCipher's once a keyed connection is made
# (its classes are its own). Read at the moment an exception is matched, so registering later is enough.
_ERROR: tuple[type[BaseException], ...] = (sqlite3.Error,)
_DATABASE_ERROR: tuple[type[BaseException], ...] = (sqlite3.DatabaseError,)
_OPERATIONAL_ERROR: tuple[type[BaseException], ...] = (sqlite3.OperationalError,)
_ROW_ERROR: tuple[type[BaseException], ...] = (sqlite3.InterfaceError, sqlite3.IntegrityError)

Connect = Callable[[Path], Any]  # path -> an open DB-API connection (autocommit, usable from any thread)
Parse = Callable[[Path], "tuple[Reflection | None, list[Problem]]"]


def _register(module: Any) -> None:
    global _ERROR, _DATABASE_ERROR, _OPERATIONAL_ERROR, _ROW_ERROR, _INDEX_ERRORS
    if module.Error in _ERROR:
        return
    _ERROR += (module.Error,)
    _DATABASE_ERROR += (module.DatabaseError,)
    _OPERATIONAL_ERROR += (module.OperationalError,)
    _ROW_ERROR += (module.InterfaceError, module.IntegrityError)
    _INDEX_ERRORS += (module.Error,)


def plain_connect(path: Path) -> sqlite3.Connection:
    """The standard library's SQLite: for a store that is not protected."""
    return sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)


def keyed_connect(key: bytes) -> Connect:
    """SQLCipher keyed with a raw 32-byte key (no key derivation: opening takes about 0.2 ms). Every page on
    the disk is encrypted; temporary tables and sorts stay in memory."""
    import sqlcipher3.dbapi2 as sqlcipher

    if len(key) != 32:
        raise ValueError("an index key is 32 bytes")
    _register(sqlcipher)
    pragma = f"PRAGMA key = \"x'{key.hex()}'\""

    def connect(path: Path) -> Any:
        db = sqlcipher.connect(str(path), timeout=10, check_same_thread=False, isolation_level=None)
        try:
            db.execute(pragma)
            db.execute("PRAGMA temp_store = MEMORY")
        except BaseException:
            db.close()
            raise
        return db

    return connect


def _has_contentless_delete(db: Any) -> bool:
    version = tuple(int(x) for x in db.execute("SELECT sqlite_version()").fetchone()[0].split(".")[:2])
    return version >= (3, 43)


@dataclass
class Scan:
    """What a walk of the reflections folder found."""

    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # in the folders listed: path -> (mtime, size)
    listed: set[str] = field(default_factory=set)  # folders whose names were read ('' = all of them)
    folders: dict[str, tuple[int, int]] = field(default_factory=dict)  # every folder seen -> (mtime_ns, settled)
    problems: list[Problem] = field(default_factory=list)


_TOKEN = re.compile(r"[^\W_]+")


def _words(term: str) -> list[str]:
    """The words of a search term as the word index splits them (letters and digits; the rest separates)."""
    return _TOKEN.findall(term)


def _snapshot(db: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn(db)`` inside one read transaction: every statement in it sees the same state of the index."""
    if db.in_transaction:
        return fn(db)
    db.execute("BEGIN")
    try:
        return fn(db)
    finally:
        if db.in_transaction:
            db.execute("COMMIT")


def fts5_available() -> bool:
    try:
        db = sqlite3.connect(":memory:")
        try:
            db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        finally:
            db.close()
    except _ERROR:
        return False
    return True


def _searchable(text: str) -> str:
    """Text as the search sees it: casefolded, without NUL characters (SQLite's text functions stop at them)."""
    return text.casefold().replace("\x00", "")


def _row_values(relpath: str, mtime_ns: int, size: int, r: Reflection) -> tuple[Any, ...]:
    session = r.session
    started = session.started
    first = next((a.text for a in r.answers if a.text.strip()), "") or r.note
    preview = " ".join(first.split())[:PREVIEW_CHARS]
    ratings = dict(r.ratings)
    avg = sum(ratings.values()) / len(ratings) if ratings else None
    return (
        relpath, mtime_ns, size, r.id, started.timestamp(), started.isoformat(), started.date().isoformat(),
        int(session.elapsed_seconds), float(session.planned_minutes),
        json.dumps(session.decks), "|" + "|".join(session.decks) + "|",
        json.dumps(r.tags), "|" + "|".join(r.tags) + "|",
        json.dumps(ratings, sort_keys=True), avg, preview,
        json.dumps([[m.kind, m.at] for m in session.moments]), len(session.cues_shown),
        json.dumps([[a.deck, a.id, a.text, a.at] for a in session.acted_on]), int(r.supervision),
        r.client_score_share,
    ), _searchable(r.text_blob())


def _default_parse(path: Path):
    from herenow.store.reflections import parse_reflection

    return parse_reflection(path)


def _read_one(parse: Parse, root: str, relpath: str, mtime_ns: int, size: int) -> tuple[str, Any]:
    """Parse one file: ("ok", row values) or ("bad", problems as plain lists)."""
    reflection, problems = parse(Path(root) / relpath)
    if reflection is None:
        return "bad", [[p.message, p.line, p.field] for p in problems] or [["is not a valid reflection", None, None]]
    return "ok", _row_values(relpath, mtime_ns, size, reflection)


def _parsed(parse: Parse, root: str, rel: str, mtime_ns: int, size: int) -> tuple[str, int, int, Any]:
    try:
        kind, payload = _read_one(parse, root, rel, mtime_ns, size)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # one file's trouble stays its own
        kind, payload = "bad", [[f"could not be indexed ({type(exc).__name__}: {exc})", None, None]]
    return kind, mtime_ns, size, payload


class ReflectionIndex:
    """The index of one reflections folder. Safe to share between threads (one connection, one lock)."""

    def __init__(self, root: Path, db_path: Path, *, parse: Parse | None = None,
                 connect: Connect | None = None) -> None:
        self.root = Path(root)
        self.db_path = Path(db_path)
        self.parse: Parse = parse or _default_parse
        self.connect: Connect = connect or plain_connect
        self.in_memory = False
        self.fts = False
        self._lock = threading.RLock()  # the connection
        self._refresh_lock = threading.Lock()  # one refresh at a time
        self._db: sqlite3.Connection | None = None
        self._inode: tuple[int, int] | None = None
        self.folder_problems: list[Problem] = []
        self.notes: list[Problem] = []  # e.g. "kept in memory: the disk is full"
        self._lock_fd: int | None = None
        self._held: int | None = None
        self._depth = 0

    # ------------------------------------------------------------------ opening
    def _open_file(self) -> sqlite3.Connection:
        ensure_dir(self.db_path.parent)
        if not self.db_path.exists():
            self._fresh_file(expect=None)
        try:
            if os.stat(self.db_path).st_mode & 0o777 != FILE_MODE:
                os.chmod(self.db_path, FILE_MODE)
        except OSError:
            pass
        # Hold the file open beside SQLite: while we hold it, its inode number cannot be reused, so "is the file
        # at the path still the one we have open?" has a true answer after another process renames a new one in.
        held = os.open(self.db_path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            db = _connect_file(self.connect, self.db_path)
        except BaseException:
            os.close(held)
            raise
        self._release_held()
        self._held = held
        return db

    def _release_held(self) -> None:
        if self._held is not None:
            try:
                os.close(self._held)
            except OSError:
                pass
            self._held = None

    def _fresh_file(self, expect: tuple[int, int] | None = None) -> None:
        """Put a new, empty index in place: built under a temporary name and renamed over the old one.

        Done holding the index lock exclusively, so no process is inside a read or a write meanwhile; each one
        notices the new file on its next use and reopens it. If the file changed since we looked (``expect``:
        another process rebuilt it first), it is left as it is."""
        import tempfile

        held = self._depth > 0
        self._flock("ex")
        try:
            if _inode(self.db_path) != expect:
                return
            fd, tmp = tempfile.mkstemp(prefix=f".{self.db_path.name}.", suffix=".tmp", dir=self.db_path.parent)
            os.close(fd)
            try:
                os.chmod(tmp, FILE_MODE)
                db = self.connect(Path(tmp))
                try:
                    self._create(db)
                finally:
                    db.close()
                # Nobody is inside the index now: whatever journal lies beside it is stale, never to meet the new one.
                for suffix in ("-journal", "-wal", "-shm"):
                    remove_quietly(f"{self.db_path}{suffix}")
                os.replace(tmp, self.db_path)
            except BaseException:
                remove_quietly(tmp)
                raise
        finally:
            self._flock("sh" if held else "un")

    def _flock(self, how: str) -> None:
        """The index lock between processes: shared while using the index, exclusive while replacing it."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on this platform: SQLite's own locks still apply
            return
        if self._lock_fd is None:
            if how == "un":
                return
            try:
                ensure_dir(self.db_path.parent)
                self._lock_fd = os.open(self.db_path.parent / f".{self.db_path.name}.lock",
                                        os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
            except OSError:
                return  # an unwritable folder: the index goes to memory anyway
        fcntl.flock(self._lock_fd, {"sh": fcntl.LOCK_SH, "ex": fcntl.LOCK_EX, "un": fcntl.LOCK_UN}[how])

    def _using(self):
        """Hold the connection (this process) and the shared index lock (between processes)."""
        import contextlib

        @contextlib.contextmanager
        def held():
            with self._lock:
                self._depth += 1
                if self._depth == 1 and not self.in_memory:
                    self._flock("sh")
                try:
                    yield
                finally:
                    self._depth -= 1
                    if self._depth == 0:
                        self._flock("un")

        return held()

    def _valid(self, db: sqlite3.Connection) -> bool:
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != INDEX_VERSION:
                return False
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
            if not {"meta", "folders", "reflections", "problems"} <= names:
                return False
            self.fts = "search_fts" in names
            if self.fts:
                sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'search_fts'").fetchone()[0]
                self.__dict__["_contentless_delete"] = "contentless_delete=1" in sql
            db.execute("SELECT count(*) FROM meta").fetchone()
        except _DATABASE_ERROR:
            return False
        try:  # an index from before the date order had its ties in it: added in place (0.2 s at 100,000)
            db.execute("CREATE INDEX IF NOT EXISTS reflections_ts_id ON reflections(ts, id)")
        except _OPERATIONAL_ERROR:
            pass  # read-only or busy: pages are then sorted, slower but the same
        return True

    def _create(self, db: Any) -> None:
        db.executescript(_SCHEMA)
        self.fts = fts5_available()
        if self.fts:
            deletes = _has_contentless_delete(db)
            self.__dict__["_contentless_delete"] = deletes
            db.execute(_FTS_SCHEMA.format(extra=", contentless_delete=1" if deletes else ""))
        db.execute("INSERT INTO meta VALUES ('created', ?)", (dt.datetime.now().astimezone().isoformat(),))
        db.execute(f"PRAGMA user_version = {INDEX_VERSION}")

    def _connect(self) -> tuple[sqlite3.Connection, bool]:
        """The connection (call with the lock held), and whether the index was (re)created empty."""
        if self._db is not None:
            if self.in_memory:
                return self._db, False
            if self._same_file():
                # Still the file we opened; another process may have put a fresh one there that nobody filled.
                return self._db, not _filled(self._db)
            self._db.close()  # the index file was replaced under us (another process rebuilt it): reopen
            self._db = None
        db: sqlite3.Connection | None = None
        try:
            db = self._open_file()
            if self._valid(db):
                self._db, self._inode = db, _inode(self.db_path)
                # A fresh file (made here or by another process) that nobody has filled yet is new too.
                return db, not _filled(db)
            db.close()
            db = None
            self._fresh_file(expect=_inode(self.db_path))  # wrong version or not a database: only a cache
            db = self._open_file()
            if not self._valid(db):
                raise sqlite3.DatabaseError("a fresh index could not be opened")
            self._inode = _inode(self.db_path)
        except (OSError, *_ERROR) as exc:
            if db is not None:
                try:
                    db.close()
                except _ERROR:
                    pass
            db = self._memory(exc)
        self._db = db
        return db, True

    def _memory(self, exc: BaseException) -> sqlite3.Connection:
        """An unwritable or full data folder: keep the index in memory for this run, and say so once."""
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        self.notes = [Problem(str(self.db_path), f"the search index could not be written ({why}); "
                                                 "a temporary one in memory is used, and your files are unchanged")]
        db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self.in_memory = True
        self._create(db)
        return db

    def _to_memory(self, exc: BaseException) -> None:
        with self._lock:
            if self._db is not None:
                try:
                    self._db.close()
                except _ERROR:
                    pass
            self._db = self._memory(exc)

    def _same_file(self) -> bool:
        if self._held is None:
            return False
        try:
            st = os.fstat(self._held)
        except OSError:
            return False
        return st.st_nlink > 0 and _inode(self.db_path) == (st.st_dev, st.st_ino)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            self._release_held()

    def _reset(self) -> None:
        """Throw the index away (it is damaged): a new empty one is renamed into place and filled again."""
        with self._lock:
            seen = _inode(self.db_path) if self._same_file() else None
            self.close()
            if self.in_memory:
                self._db = None
                self.in_memory = False
                return
            try:
                self._fresh_file(expect=seen)
            except (OSError, *_ERROR) as exc:
                self._db = self._memory(exc)

    def _run(self, fn):
        """Run ``fn(db)`` under the lock, in one read transaction (one snapshot). Anything wrong with the index
        (damaged, unreadable stored text, a disk that refuses writes) rebuilds it once from the files, and failing
        that uses one in memory: a read never fails because of the cache.

        An index found empty (new, or just put in place by another process) is filled first while holding the
        shared index lock, so no other process can replace it between the filling and the reading: a reader never
        answers from an empty index."""
        for attempt in range(3):
            try:
                with self._using():
                    db, created = self._connect()
                    if not created:
                        return _snapshot(db, fn)
                with self._refresh_lock, self._using():  # the same order as refresh(): no deadlock between threads
                    db, created = self._connect()
                    if created:
                        self._refresh_held(None, full=True)
                        db, _created = self._connect()
                    return _snapshot(db, fn)
            except _INDEX_ERRORS as exc:
                if attempt == 0 and not _writes_refused(exc):
                    self._reset()
                elif not self.in_memory:
                    self._to_memory(exc)
                else:
                    raise
        raise RuntimeError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ keeping it fresh
    def scan_folders(self, known: dict[str, tuple[int, int]] | None) -> Scan:
        """Walk the reflections folder. A folder whose modification time is the settled one in ``known``
        (relative folder -> (mtime_ns, settled)) holds the same names as last time: it is not listed and its
        files are not stat'ed. ``known=None`` lists and stats everything. Hidden names skipped, links to folders
        not followed; a folder that cannot be read is remembered as a problem (its files are then left out)."""
        from herenow.problems import Problem

        scan = Scan()
        root = str(self.root)
        try:
            info = os.stat(root)
        except FileNotFoundError:
            scan.listed.add("")
            return scan
        except OSError as exc:
            scan.problems.append(Problem(root, f"cannot be read ({exc.strerror or exc})"))
            scan.listed.add("")
            return scan
        if not stat.S_ISDIR(info.st_mode):
            scan.problems.append(Problem(root, "is not a folder"))
            scan.listed.add("")
            return scan
        children: dict[str, list[str]] = {}
        for folder in known or ():
            if folder:
                children.setdefault(folder.rpartition("/")[0], []).append(folder)
        now = time.time_ns()
        stack: list[tuple[str, os.stat_result]] = [("", info)]
        while stack:
            if self._between is not None:
                self._between()
            rel, st = stack.pop()
            settled = int(now - st.st_mtime_ns > SETTLE_NS)
            scan.folders[rel] = (st.st_mtime_ns, settled)
            before = known.get(rel) if known is not None else None
            if before is not None and before == (st.st_mtime_ns, 1):
                for child in children.get(rel, ()):
                    try:
                        child_st = os.stat(os.path.join(root, child), follow_symlinks=False)
                    except OSError:
                        continue  # gone: its rows go with it
                    if stat.S_ISDIR(child_st.st_mode):
                        stack.append((child, child_st))
                continue
            scan.listed.add(rel)
            path = os.path.join(root, rel) if rel else root
            try:
                with os.scandir(path) as entries:
                    listed = list(entries)
            except OSError as exc:
                scan.problems.append(Problem(path, f"cannot be read ({exc.strerror or exc})"))
                continue
            for entry in listed:
                name = entry.name
                if name.startswith("."):
                    continue
                child = f"{rel}/{name}" if rel else name
                is_file = name.endswith(SUFFIXES)
                try:
                    if entry.is_dir(follow_symlinks=False) and not is_file:
                        stack.append((child, entry.stat(follow_symlinks=False)))
                        continue
                except OSError:
                    pass
                if not is_file:
                    continue
                try:
                    fst = entry.stat()
                    scan.files[child] = (fst.st_mtime_ns, fst.st_size)
                except OSError:
                    scan.files[child] = (0, -1)  # a dangling or looping link: the reader says which
        return scan

    def scan_files(self) -> dict[str, tuple[int, int]]:
        """Every reflection file under the root: relative path -> (mtime_ns, size) (one stat per file)."""
        scan = self.scan_folders(None)
        self.folder_problems = scan.problems
        return scan.files

    _between: Callable[[], object] | None = None  # set for one refresh: called between folders

    def refresh(self, progress: Callable[[int, int], None] | None = None, *, full: bool = False,
                between: Callable[[], object] | None = None) -> RefreshResult:
        """Bring the index in line with the files. Cheap when nothing changed: one stat per folder, and only the
        folders that changed are listed (``full``: stat every file, which also finds a file rewritten in place).

        ``progress(done, total)`` is called now and then while many files are read (a first build).
        ``between()`` is called between folders while they are looked at: the review screen waits there while
        someone types in its filter, so the check of 100,000 files never slows a key.
        Queries from other threads wait only while the changes are written, not while files are read.
        """
        start = time.perf_counter()
        with self._refresh_lock:
            self._between = between
            try:
                result = self._refresh_held(progress, full=full)
            finally:
                self._between = None
        result.seconds = time.perf_counter() - start
        return result

    def _refresh_held(self, progress: Callable[[int, int], None] | None, *, full: bool) -> RefreshResult:
        result = None
        for attempt in range(3):
            try:
                result = self._refresh(progress, full=full)
                break
            except _INDEX_ERRORS as exc:
                if attempt == 0 and not _writes_refused(exc):
                    self._reset()  # damaged: start again from the files
                elif not self.in_memory:
                    self._to_memory(exc)  # full or read-only disk, or still failing: memory for this run
                else:
                    raise
        assert result is not None
        if attempt:
            result.rebuilt = True
        return result

    def _refresh(self, progress: Callable[[int, int], None] | None = None, depth: int = 0, *,
                 full: bool = False) -> RefreshResult:
        with self._using():
            db, created = self._connect()
            first = db
            folders = None if (full or created) else {
                path: (mtime_ns, settled) for path, mtime_ns, settled in db.execute("SELECT * FROM folders")}
            stale = int((db.execute("SELECT value FROM meta WHERE key = 'stale'").fetchone() or (0,))[0])
        if stale and self.fts and stale > STALE_FRACTION * max(self._run_count(first), 1000):
            self._reset()  # the word index holds too many replaced rows: start again from the files
            return self._refresh(progress, depth + 1, full=True) if depth < 5 else RefreshResult()
        scan = self.scan_folders(folders)
        self.folder_problems = scan.problems
        with self._using():
            db, _ = self._connect()
            if db is not first:
                return self._refresh(progress, depth + 1, full=True) if depth < 5 else RefreshResult(rebuilt=True)
            known = self._known(db, scan)
        result = RefreshResult(rebuilt=created)
        removed = [p for p in known if p not in scan.files]
        todo = [(p, m, s) for p, (m, s) in scan.files.items() if known.get(p, (None, None))[:2] != (m, s)]
        if not removed and not todo and not created and folders == scan.folders:
            return result  # (a new, empty index is marked filled, once)
        parsed = self._parse(todo, progress)
        with self._using():
            db, _ = self._connect()
            if db is not first:  # another process put a new index in place meanwhile: start again on it
                return self._refresh(progress, depth + 1, full=True) if depth < 5 else result
            db.execute("BEGIN IMMEDIATE")
            try:
                replaced = 0
                for path in removed:
                    replaced += self._forget(db, path)
                result.removed = sum(1 for p in removed if known[p][2])
                insert = (f"INSERT INTO reflections ({', '.join(_COLUMNS)}) "
                          f"VALUES ({', '.join('?' * len(_COLUMNS))})")
                for path, kind, mtime_ns, size, payload in parsed:
                    before = known.get(path)
                    # Always forget first: another process may have indexed this file meanwhile.
                    replaced += self._forget(db, path)
                    if kind == "ok":
                        values, search = payload
                        try:
                            db.execute("SAVEPOINT one")
                            rid = db.execute(insert, values).lastrowid
                            if self.fts:
                                db.execute("INSERT INTO search_fts (rowid, search) VALUES (?, ?)", (rid, search))
                            else:
                                db.execute("INSERT INTO bodies (rid, search) VALUES (?, ?)", (rid, search))
                            db.execute("RELEASE one")
                        except (OverflowError, ValueError, *_ROW_ERROR) as exc:
                            db.execute("ROLLBACK TO one")
                            db.execute("RELEASE one")
                            kind, payload = "bad", [[f"could not be indexed ({exc})", None, None]]
                    if kind == "ok":
                        if before is not None and before[2]:
                            result.updated += 1
                        else:
                            result.added += 1
                    else:
                        if before is not None and before[2]:
                            result.removed += 1
                        db.execute("INSERT INTO problems VALUES (?, ?, ?, ?)",
                                   (path, mtime_ns, size, json.dumps(payload)))
                        result.bad += 1
                # The folders as seen, once their files are in: a folder gone is forgotten with its rows.
                if folders is None:
                    db.execute("DELETE FROM folders")
                else:
                    for gone in set(folders) - set(scan.folders):
                        db.execute("DELETE FROM folders WHERE path = ?", (gone,))
                db.executemany("INSERT OR REPLACE INTO folders VALUES (?, ?, ?)",
                               [(path, m, settled) for path, (m, settled) in scan.folders.items()])
                if replaced and not self._deletes:
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('stale', ?)", (str(stale + replaced),))
                db.execute("INSERT OR REPLACE INTO meta VALUES ('refreshed', ?)",
                           (dt.datetime.now().astimezone().isoformat(),))
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        return result

    def _run_count(self, db: Any) -> int:
        with self._using():
            return db.execute("SELECT count(*) FROM reflections").fetchone()[0]

    def _known(self, db: Any, scan: Scan) -> dict[str, tuple[int, int, bool]]:
        """What the index knows about the files in the folders that were listed, and in folders now gone."""
        known: dict[str, tuple[int, int, bool]] = {}
        every = "" in scan.listed
        gone_or_listed = scan.listed | {f for f in self._folders_in(db) if f not in scan.folders}
        for table, ok in (("reflections", True), ("problems", False)):
            if every:
                rows = db.execute(f"SELECT path, mtime_ns, size FROM {table}")
                for path, mtime_ns, size in rows:
                    if path.rpartition("/")[0] in gone_or_listed or path.rpartition("/")[0] not in scan.folders:
                        known[path] = (mtime_ns, size, ok)
                continue
            for folder in gone_or_listed:
                # Every path under the folder sorts between "folder/" and "folder0" ("0" follows "/").
                rows = db.execute(f"SELECT path, mtime_ns, size FROM {table} WHERE path > ? AND path < ?",
                                  (folder + "/", folder + "0"))
                for path, mtime_ns, size in rows:
                    if path.rpartition("/")[0] == folder:
                        known[path] = (mtime_ns, size, ok)
        return known

    @staticmethod
    def _folders_in(db: Any) -> list[str]:
        return [r[0] for r in db.execute("SELECT path FROM folders")]

    @property
    def _deletes(self) -> bool:
        """Whether the word index forgets a row when asked (SQLite >= 3.43), rather than leaving it stale."""
        return bool(self.__dict__.get("_contentless_delete"))

    def _forget(self, db: Any, path: str) -> int:
        """Drop a path's row and problem; 1 if a row left a stale entry in the word index."""
        found = db.execute("SELECT rid FROM reflections WHERE path = ?", (path,)).fetchone()
        stale = 0
        if found is not None:
            if self.fts and self._deletes:
                db.execute("DELETE FROM search_fts WHERE rowid = ?", found)
            elif self.fts:
                stale = 1
            else:
                db.execute("DELETE FROM bodies WHERE rid = ?", found)
            db.execute("DELETE FROM reflections WHERE rid = ?", found)
        db.execute("DELETE FROM problems WHERE path = ?", (path,))
        return stale

    def _parse(self, todo: list[tuple[str, int, int]],
               progress: Callable[[int, int], None] | None = None) -> list[tuple[str, str, int, int, Any]]:
        root = str(self.root)
        out: list[tuple[str, str, int, int, Any]] = []
        for number, (rel, mtime_ns, size) in enumerate(todo):
            if progress is not None and number % 250 == 0 and len(todo) > 250:
                progress(number, len(todo))
            out.append((rel, *_parsed(self.parse, root, rel, mtime_ns, size)))
        return out

    # ------------------------------------------------------------------ reading
    def _where(self, query: Query | None, *, many: bool = False) -> tuple[str, list[Any]]:
        """The WHERE clause of a query and its arguments. ``many``: the words match a large share of the rows, so
        a page in date order is read walking the date index and checking each row against the matches, rather
        than sorting every match (10 ms instead of 40 at 100,000 for a word in every entry)."""
        clauses: list[str] = []
        args: list[Any] = []
        if query is None:
            return "", args
        if query.since:
            clauses.append("day >= ?")
            args.append(query.since.isoformat())
        if query.until:
            clauses.append("day <= ?")
            args.append(query.until.isoformat())
        for tag in query.tags:
            clauses.append("instr(tags_key, ?) > 0")
            args.append(f"|{tag.strip().lower()}|")
        if query.decks:
            clauses.append("(" + " OR ".join("instr(decks_key, ?) > 0" for _ in query.decks) + ")")
            args += [f"|{d}|" for d in query.decks]
        match = self._match(query)
        if match is not None:
            # "+rid": not a key to look rows up by, so SQLite walks the order's index instead
            clauses.append(("+rid" if many else "rid") + " IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)")
            args.append(match)
        elif self._terms(query):
            # No FTS5 here: the kept text is scanned for each term (correlated: only the rows kept so far).
            scan = self._terms(query)
            clauses.append("(SELECT " + " AND ".join("instr(b.search, ?) > 0" for _ in scan)
                           + " FROM bodies AS b WHERE b.rid = reflections.rid)")
            args += scan
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    @staticmethod
    def _terms(query: Query) -> list[str]:
        return [t for t in search_terms(query.text) if _words(t)]  # "-" or "✨" alone: no word, no condition

    def _match(self, query: Query) -> str | None:
        """The word index's MATCH for the free text, if any: each term its words in a row, the last one a
        beginning ("fa" finds "father"), all terms required."""
        terms = self._terms(query)
        if not terms or not self.fts:
            return None
        return " AND ".join('"' + t.replace('"', '""') + '"*' for t in terms)

    def _count(self, db: Any, query: Query | None, where: str, args: list[Any]) -> int:
        """How many match. Words alone are counted in the word index (4 ms rather than 33 at 100,000 for a word
        in every entry), when it holds no entries of replaced rows."""
        match = self._match(query) if query is not None else None
        if match is not None and not (query.since or query.until or query.tags or query.decks):
            stale = db.execute("SELECT value FROM meta WHERE key = 'stale'").fetchone()
            if self._deletes or not stale or not int(stale[0]):
                return db.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (match,)).fetchone()[0]
        return db.execute(f"SELECT count(*) FROM reflections{where}", args).fetchone()[0]

    def _paged(self, db: Any, columns: str, query: Query | None, order: str, descending: bool, limit: int,
               offset: int) -> tuple[int, list[Any]]:
        """How many match, and rows ``offset``.. of them in order (only those read)."""
        where, args = self._where(query)
        count = self._count(db, query, where, args)
        if not count or offset >= count:
            return count, []
        total = db.execute("SELECT count(*) FROM reflections").fetchone()[0] if where else count
        if order == "date" and count * 50 >= total:  # many: walk the date order (see _where)
            where, args = self._where(query, many=True)
        sql = f"SELECT {columns} FROM reflections{where}{self._order(order, descending)} LIMIT ? OFFSET ?"
        return count, db.execute(sql, [*args, limit, offset]).fetchall()

    def page(self, query: Query | None = None, *, order: str = "date", descending: bool = True, offset: int = 0,
             limit: int = 100) -> tuple[int, list[IndexRow]]:
        """How many match, and the rows ``offset`` to ``offset + limit`` of them in order, read together (one
        snapshot): a screen shows the count and the first rows without reading the other matches."""
        def read(db: Any) -> tuple[int, list[IndexRow]]:
            count, rows = self._paged(db, _ROW_COLUMNS, query, order, descending, limit, offset)
            return count, [_to_row(r) for r in rows]

        return self._run(read)

    def matches(self, query: Query | None = None, *, order: str = "date", descending: bool = True,
                first: int = 100) -> tuple[Matches, list[IndexRow]]:
        """The matches as a sequence of row ids read a page at a time (``Matches``), and their first rows."""
        count, rows = self.page(query, order=order, descending=descending, limit=first)
        return Matches(self, query, order, descending, count, [r.rid for r in rows]), rows

    @staticmethod
    def _order(order: str, descending: bool) -> str:
        column = SORTS.get(order, "ts")
        direction = "DESC" if descending else "ASC"
        if column == "ts":
            return f" ORDER BY ts {direction}, id {direction}"
        return f" ORDER BY {column} IS NULL, {column} {direction}, ts DESC"

    def ready(self) -> bool:
        """True when the index file exists and has been filled at least once (no refresh, no file read):
        a screen can show it straight away and refresh in the background."""
        if not self.db_path.exists() and not self.in_memory:
            return False
        with self._using():
            try:
                db, created = self._connect()
                if created:
                    return False
                return db.execute("SELECT 1 FROM meta WHERE key = 'refreshed'").fetchone() is not None
            except _ERROR:
                return False

    def count(self, query: Query | None = None) -> int:
        where, args = self._where(query)
        return self._run(lambda db: self._count(db, query, where, args))

    def rids(self, query: Query | None = None, *, order: str = "date", descending: bool = True,
             limit: int | None = None, offset: int = 0) -> list[int]:
        """Row ids of the matches, in order (all of them, or ``limit`` from ``offset``)."""
        if limit is not None:
            return self._run(lambda db: [r[0] for r in self._paged(db, "rid", query, order, descending, limit,
                                                                   offset)[1]])
        where, args = self._where(query)
        sql = f"SELECT rid FROM reflections{where}{self._order(order, descending)}"
        return self._run(lambda db: [r[0] for r in db.execute(sql, args)])

    def rows(self, query: Query | None = None, *, order: str = "date", descending: bool = True,
             limit: int | None = None, offset: int = 0) -> list[IndexRow]:
        if limit is not None:  # a page: read as the review table reads one (page())
            return self.page(query, order=order, descending=descending, offset=offset, limit=limit)[1]
        where, args = self._where(query)
        sql = f"SELECT {_ROW_COLUMNS} FROM reflections{where}{self._order(order, descending)}"
        return self._run(lambda db: [_to_row(r) for r in db.execute(sql, args)])

    def iter_rows(self, query: Query | None = None, *, limit: int | None = None,
                  chunk: int = 1000) -> Iterator[IndexRow]:
        """The matching rows newest first, fetched a chunk at a time (for printing thousands without keeping them)."""
        return self._newest_first(query, limit, chunk, _ROW_COLUMNS, _to_row)

    def iter_lines(self, query: Query | None = None, *, limit: int | None = None,
                   chunk: int = 1000) -> Iterator[ListLine]:
        """What ``reflections list`` prints of each match, newest first, a chunk at a time: only its columns are
        read and decoded (a quarter of the work of a whole row, which counts at 50,000 matches)."""
        return self._newest_first(query, limit, chunk, _LINE_COLUMNS, _to_line)

    def _newest_first(self, query: Query | None, limit: int | None, chunk: int, columns: str,
                      convert: Callable[[Sequence[Any]], Any]) -> Iterator[Any]:
        where, args = self._where(query)
        joiner = " AND " if where else " WHERE "
        last: tuple[float, str] | None = None
        left = limit
        while left is None or left > 0:
            size = chunk if left is None else min(chunk, left)
            sql = f"SELECT ts, id, {columns} FROM reflections{where}"
            params = list(args)
            if last is not None:
                sql += f"{joiner}(ts < ? OR (ts = ? AND id < ?))"
                params += [last[0], last[0], last[1]]
            sql += " ORDER BY ts DESC, id DESC LIMIT ?"
            params.append(size)
            page = self._run(lambda db: db.execute(sql, params).fetchall())
            for r in page:
                yield convert(r[2:])
            if len(page) < size:
                return
            last = (page[-1][0], page[-1][1])
            if left is not None:
                left -= len(page)

    def rows_for(self, rids: Sequence[int]) -> list[IndexRow]:
        """The rows with these row ids, in the order given (missing ones left out)."""
        if not rids:
            return []
        def fetch(db: sqlite3.Connection) -> list[IndexRow]:
            found: dict[int, IndexRow] = {}
            for start in range(0, len(rids), 500):
                part = list(rids[start : start + 500])
                sql = f"SELECT {_ROW_COLUMNS} FROM reflections WHERE rid IN ({', '.join('?' * len(part))})"
                for r in db.execute(sql, part):
                    found[r[0]] = _to_row(r)
            return [found[rid] for rid in rids if rid in found]
        return self._run(fetch)

    def reflections(self, query: Query | None = None, *, limit: int | None = None) -> list[Reflection]:
        """Whole reflections, newest first, read from their files (the index keeps no copy of them)."""
        return list(self.iter_reflections(query, limit=limit))

    def iter_reflections(self, query: Query | None = None, *, oldest_first: bool = False, limit: int | None = None,
                         chunk: int = 256) -> Iterator[Reflection]:
        """The matching reflections one at a time, read from their files a chunk of paths at a time (memory stays
        flat however many there are). Newest first, or oldest first (ties: the later id first, as a stable sort
        of the newest-first list by date puts them). A file that cannot be read now is left out."""
        where, args = self._where(query)
        joiner = " AND " if where else " WHERE "
        if oldest_first:
            after, order = "(ts > ? OR (ts = ? AND id < ?))", " ORDER BY ts ASC, id DESC"
        else:
            after, order = "(ts < ? OR (ts = ? AND id < ?))", " ORDER BY ts DESC, id DESC"
        last: tuple[float, str] | None = None
        left = limit
        while left is None or left > 0:
            size = chunk if left is None else min(chunk, left)
            if last is None:
                sql, params = f"SELECT ts, id, path FROM reflections{where}{order} LIMIT ?", [*args, size]
            else:
                sql = f"SELECT ts, id, path FROM reflections{where}{joiner}{after}{order} LIMIT ?"
                params = [*args, last[0], last[0], last[1], size]
            page = self._run(lambda db: db.execute(sql, params).fetchall())
            if not page:
                return
            last = (page[-1][0], page[-1][1])
            for _ts, _id, path in page:
                try:
                    reflection, _problems = self.parse(self.root / path)
                except (ValueError, TypeError, OverflowError, RecursionError):
                    reflection = None
                if reflection is not None:
                    if left is not None:
                        left -= 1
                    yield reflection
            if len(page) < size:
                return

    def span(self, query: Query | None = None) -> tuple[int, dt.datetime | None, dt.datetime | None]:
        """How many match, and the start of the first and of the last session (as written, with its offset)."""
        where, args = self._where(query)

        def read(db: Any) -> tuple[int, dt.datetime | None, dt.datetime | None]:
            count = db.execute(f"SELECT count(*) FROM reflections{where}", args).fetchone()[0]
            if not count:
                return 0, None, None
            first = db.execute(f"SELECT started FROM reflections{where} ORDER BY ts ASC LIMIT 1", args).fetchone()
            last = db.execute(f"SELECT started FROM reflections{where} ORDER BY ts DESC LIMIT 1", args).fetchone()
            return count, dt.datetime.fromisoformat(first[0]), dt.datetime.fromisoformat(last[0])

        return self._run(read)

    def path_of(self, rid: int) -> Path | None:
        found = self._run(lambda db: db.execute("SELECT path FROM reflections WHERE rid = ?", (rid,)).fetchone())
        return self.root / found[0] if found else None

    def problems(self) -> list[Problem]:
        """Bad files (each naming the file), a reflections folder that cannot be read, and a note when the
        index is only in memory."""
        rows = self._run(lambda db: db.execute("SELECT path, problems FROM problems ORDER BY path").fetchall())
        out: list[Problem] = list(self.folder_problems) + list(self.notes)
        for path, payload in rows:
            for message, line, name in json.loads(payload):
                out.append(Problem(str(self.root / path), message, line=line, field=name))
        return out

    def known_tags(self) -> list[str]:
        return self._distinct("tags")

    def known_decks(self) -> list[str]:
        return self._distinct("decks")

    def _distinct(self, column: str) -> list[str]:
        sql = f"SELECT DISTINCT j.value FROM reflections, json_each(reflections.{column}) AS j"
        try:
            return sorted(r[0] for r in self._run(lambda db: db.execute(sql).fetchall()))
        except _OPERATIONAL_ERROR:  # no JSON1: decode here
            rows = self._run(lambda db: db.execute(f"SELECT DISTINCT {column} FROM reflections").fetchall())
            return sorted({v for (text,) in rows for v in json.loads(text)})


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


# Everything reading or writing the cache can raise: each means "rebuild it" or "keep it in memory", never a crash.
_INDEX_ERRORS = (sqlite3.Error, UnicodeDecodeError, ValueError, TypeError, KeyError, OverflowError, OSError)


def _connect_file(connect: Connect, path: Path) -> Any:
    db = connect(path)
    try:
        db.execute("PRAGMA busy_timeout = 10000")
        # A rollback journal, not WAL: a rebuilt index is renamed into place, and a WAL file of the old one
        # must never be applied to the new one. Readers wait for a writer at most the busy timeout.
        db.execute("PRAGMA journal_mode = DELETE")
    except _DATABASE_ERROR:
        pass  # not a database (rebuilt next), or no shared memory here: the rollback journal and the busy timeout still work
    return db


def _filled(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM meta WHERE key = 'refreshed'").fetchone() is not None


def _writes_refused(exc: BaseException) -> bool:
    """A full disk, a read-only folder, an I/O error: rebuilding in place cannot help, memory can."""
    if isinstance(exc, OSError):
        return True
    text = str(exc).lower()
    return isinstance(exc, _OPERATIONAL_ERROR) and any(
        words in text for words in ("disk is full", "readonly", "read-only", "disk i/o", "unable to open", "locked",
                                    "busy"))


def _to_line(r: Sequence[Any]) -> ListLine:
    started, length, decks, tags, ratings, preview, rid_id = r
    return ListLine(started, round(length / 60), tuple(json.loads(decks)), tuple(json.loads(tags)),
                    json.loads(ratings), preview, rid_id)


def _to_row(r: Sequence[Any]) -> IndexRow:
    (rid, rid_id, path, started, length, planned, decks, tags, ratings, preview, moments, cues_shown, acted,
     supervision, client_score) = r
    return IndexRow(
        rid=rid, id=rid_id, path=path, started=dt.datetime.fromisoformat(started), length_seconds=length,
        planned_minutes=planned, decks=tuple(json.loads(decks)), tags=tuple(json.loads(tags)),
        ratings=json.loads(ratings), preview=preview, moments=tuple(tuple(m) for m in json.loads(moments)),
        cues_shown=cues_shown, acted_on=tuple(tuple(a) for a in json.loads(acted)), supervision=bool(supervision),
        client_score=client_score,
    )
