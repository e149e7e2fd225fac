"""A SQLite index of the reflection files: a cache, rebuilt from the files when they change.

The files stay the truth. Each refresh compares every file's ``mtime_ns`` and size with what the index saw and
adds, updates or removes rows; a missing, corrupt or older-version index is simply rebuilt. Delete
``index.sqlite3`` and nothing is lost: the next refresh reads the files again.

A bad file (not TOML, not a valid reflection) is recorded as a problem (the file and why), skipped, and never
changed. It is read again only when it changes.

Free-text search uses an FTS5 trigram index when SQLite has it (substring search in about a millisecond at
10,000 reflections), else a plain substring scan. Every query term must appear (case-insensitive) in the answers,
the note or the tags; "double quotes" keep words together as one phrase.

No Textual here: the CLI uses this too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from herenow.store.paths import FILE_MODE, ensure_dir
from herenow.problems import Problem
from herenow.store.reflections import search_terms

if TYPE_CHECKING:  # pragma: no cover
    from herenow.store.reflections import Query, Reflection

INDEX_VERSION = 2  # 2: the client's own score
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
CREATE TABLE reflections (
    rid INTEGER PRIMARY KEY,
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
-- The long columns apart, so that scanning the filters above stays small and fast.
CREATE TABLE bodies (
    rid INTEGER PRIMARY KEY REFERENCES reflections(rid) ON DELETE CASCADE,
    search TEXT NOT NULL,               -- answers, note and tags, casefolded
    data TEXT NOT NULL                  -- the whole reflection as JSON
);
CREATE INDEX reflections_ts ON reflections(ts);
CREATE INDEX reflections_day ON reflections(day);
CREATE TABLE problems (
    path TEXT PRIMARY KEY,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    problems TEXT NOT NULL              -- JSON list of [message, line, field]
);
"""

_FTS_SCHEMA = """
CREATE VIRTUAL TABLE search_fts USING fts5(search, content='bodies', content_rowid='rid', tokenize='trigram');
CREATE TRIGGER bodies_ai AFTER INSERT ON bodies BEGIN
    INSERT INTO search_fts(rowid, search) VALUES (new.rid, new.search);
END;
CREATE TRIGGER bodies_ad AFTER DELETE ON bodies BEGIN
    INSERT INTO search_fts(search_fts, rowid, search) VALUES ('delete', old.rid, old.search);
END;
CREATE TRIGGER bodies_au AFTER UPDATE ON bodies BEGIN
    INSERT INTO search_fts(search_fts, rowid, search) VALUES ('delete', old.rid, old.search);
    INSERT INTO search_fts(rowid, search) VALUES (new.rid, new.search);
END;
"""

_COLUMNS = ("path", "mtime_ns", "size", "id", "ts", "started", "day", "length", "planned", "decks", "decks_key",
            "tags", "tags_key", "ratings", "rating_avg", "preview", "moments", "cues_shown", "acted_on",
            "supervision", "client_score")
_ROW_COLUMNS = "rid, id, path, started, length, planned, decks, tags, ratings, preview, moments, cues_shown, " \
               "acted_on, supervision, client_score"


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


def fts5_available() -> bool:
    try:
        db = sqlite3.connect(":memory:")
        try:
            db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        finally:
            db.close()
    except sqlite3.Error:
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
    ), (_searchable(r.text_blob()), r.model_dump_json())


def _read_one(root: str, relpath: str, mtime_ns: int, size: int) -> tuple[str, Any]:
    """Parse one file: ("ok", row values) or ("bad", problems as plain lists)."""
    from herenow.store.reflections import parse_reflection

    reflection, problems = parse_reflection(Path(root) / relpath)
    if reflection is None:
        return "bad", [[p.message, p.line, p.field] for p in problems] or [["is not a valid reflection", None, None]]
    return "ok", _row_values(relpath, mtime_ns, size, reflection)


def _parsed(root: str, rel: str, mtime_ns: int, size: int) -> tuple[str, int, int, Any]:
    try:
        kind, payload = _read_one(root, rel, mtime_ns, size)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # one file's trouble stays its own
        kind, payload = "bad", [[f"could not be indexed ({type(exc).__name__}: {exc})", None, None]]
    return kind, mtime_ns, size, payload


class ReflectionIndex:
    """The index of one reflections folder. Safe to share between threads (one connection, one lock)."""

    def __init__(self, root: Path, db_path: Path) -> None:
        self.root = Path(root)
        self.db_path = Path(db_path)
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
            db = _connect_file(self.db_path)
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
                db = sqlite3.connect(tmp, isolation_level=None)
                try:
                    self._create(db)
                finally:
                    db.close()
                # Nobody is inside the index now: whatever journal lies beside it is stale, never to meet the new one.
                for suffix in ("-journal", "-wal", "-shm"):
                    try:
                        os.unlink(f"{self.db_path}{suffix}")
                    except OSError:
                        pass
                os.replace(tmp, self.db_path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
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
            if not {"meta", "reflections", "problems"} <= names:
                return False
            self.fts = "search_fts" in names
            db.execute("SELECT count(*) FROM meta").fetchone()
        except sqlite3.DatabaseError:
            return False
        return True

    def _create(self, db: sqlite3.Connection) -> None:
        db.executescript(_SCHEMA)
        self.fts = fts5_available()
        if self.fts:
            db.executescript(_FTS_SCHEMA)
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
        except (OSError, sqlite3.Error) as exc:
            if db is not None:
                try:
                    db.close()
                except sqlite3.Error:
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
                except sqlite3.Error:
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
            except (OSError, sqlite3.Error) as exc:
                self._db = self._memory(exc)

    def _run(self, fn):
        """Run ``fn(db)`` under the lock. Anything wrong with the index (damaged, unreadable stored text, a disk
        that refuses writes) rebuilds it once from the files, and failing that uses one in memory: a read never
        fails because of the cache."""
        for attempt in range(3):
            try:
                for _fill in range(5):
                    with self._using():
                        db, created = self._connect()
                        if not created or _fill == 4:
                            return fn(db)
                    # Empty (new, or just rebuilt by another process): fill it from the files, then look again.
                    self.refresh()
            except _INDEX_ERRORS as exc:
                if attempt == 0 and not _writes_refused(exc):
                    self._reset()
                elif not self.in_memory:
                    self._to_memory(exc)
                else:
                    raise
        raise RuntimeError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ keeping it fresh
    def scan_files(self) -> dict[str, tuple[int, int]]:
        """Every reflection file under the root: relative path -> (mtime_ns, size). Hidden names skipped.

        A reflections folder that is not a folder or cannot be read is remembered as a problem."""
        from herenow.store.files import list_toml

        entries, self.folder_problems = list_toml(self.root, recursive=True)
        prefix_len = len(str(self.root)) + 1
        return {str(path)[prefix_len:]: ((st.st_mtime_ns, st.st_size) if st is not None else (0, -1))
                for path, st in entries}

    def refresh(self, progress: Callable[[int, int], None] | None = None) -> RefreshResult:
        """Bring the index in line with the files. Cheap when nothing changed (one stat per file).

        ``progress(done, total)`` is called now and then while many files are read (a first build).
        Queries from other threads wait only while the changes are written, not while files are read.
        """
        start = time.perf_counter()
        with self._refresh_lock:
            result = None
            for attempt in range(3):
                try:
                    result = self._refresh(progress)
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
        result.seconds = time.perf_counter() - start
        return result

    def _refresh(self, progress: Callable[[int, int], None] | None = None, depth: int = 0) -> RefreshResult:
        with self._using():
            db, created = self._connect()
            first = db
            known: dict[str, tuple[int, int, bool]] = {}
            for path, mtime_ns, size in db.execute("SELECT path, mtime_ns, size FROM reflections"):
                known[path] = (mtime_ns, size, True)
            for path, mtime_ns, size in db.execute("SELECT path, mtime_ns, size FROM problems"):
                known[path] = (mtime_ns, size, False)
        result = RefreshResult(rebuilt=created)
        on_disk = self.scan_files()
        removed = [p for p in known if p not in on_disk]
        todo = [(p, m, s) for p, (m, s) in on_disk.items() if known.get(p, (None, None))[:2] != (m, s)]
        if not removed and not todo and not created:  # (a new, empty index is marked filled, once)
            return result
        parsed = self._parse(todo, progress)
        with self._using():
            db, _ = self._connect()
            if db is not first:  # another process put a new index in place meanwhile: start again on it
                return self._refresh(progress, depth + 1) if depth < 5 else result
            db.execute("BEGIN IMMEDIATE")
            try:
                for path in removed:
                    self._forget(db, path)
                result.removed = sum(1 for p in removed if known[p][2])
                insert = (f"INSERT INTO reflections ({', '.join(_COLUMNS)}) "
                          f"VALUES ({', '.join('?' * len(_COLUMNS))})")
                for path, kind, mtime_ns, size, payload in parsed:
                    before = known.get(path)
                    # Always forget first: another process may have indexed this file meanwhile.
                    self._forget(db, path)
                    if kind == "ok":
                        values, (search, data) = payload
                        try:
                            db.execute("SAVEPOINT one")
                            rid = db.execute(insert, values).lastrowid
                            db.execute("INSERT INTO bodies (rid, search, data) VALUES (?, ?, ?)", (rid, search, data))
                            db.execute("RELEASE one")
                        except (OverflowError, ValueError, sqlite3.InterfaceError, sqlite3.IntegrityError) as exc:
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
                db.execute("INSERT OR REPLACE INTO meta VALUES ('refreshed', ?)",
                           (dt.datetime.now().astimezone().isoformat(),))
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        return result

    @staticmethod
    def _forget(db: sqlite3.Connection, path: str) -> None:
        found = db.execute("SELECT rid FROM reflections WHERE path = ?", (path,)).fetchone()
        if found is not None:
            db.execute("DELETE FROM bodies WHERE rid = ?", found)
            db.execute("DELETE FROM reflections WHERE rid = ?", found)
        db.execute("DELETE FROM problems WHERE path = ?", (path,))

    def _parse(self, todo: list[tuple[str, int, int]],
               progress: Callable[[int, int], None] | None = None) -> list[tuple[str, str, int, int, Any]]:
        root = str(self.root)
        out: list[tuple[str, str, int, int, Any]] = []
        for number, (rel, mtime_ns, size) in enumerate(todo):
            if progress is not None and number % 250 == 0 and len(todo) > 250:
                progress(number, len(todo))
            out.append((rel, *_parsed(root, rel, mtime_ns, size)))
        return out

    # ------------------------------------------------------------------ reading
    def _where(self, query: Query | None) -> tuple[str, list[Any]]:
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
        terms = search_terms(query.text)
        # Trigram FTS finds exact substrings of three characters or more; shorter terms are scanned for.
        fts_terms = [t for t in terms if len(t) >= 3] if self.fts else []
        if fts_terms:
            clauses.append("rid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)")
            args.append(" AND ".join('"' + t.replace('"', '""') + '"' for t in fts_terms))
        scan = [t for t in terms if t not in fts_terms]
        if scan:
            # Correlated, so that only the rows the other filters kept are scanned.
            clauses.append("(SELECT " + " AND ".join("instr(b.search, ?) > 0" for _ in scan)
                           + " FROM bodies AS b WHERE b.rid = reflections.rid)")
            args += scan
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

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
            except sqlite3.Error:
                return False

    def count(self, query: Query | None = None) -> int:
        where, args = self._where(query)
        return self._run(lambda db: db.execute(f"SELECT count(*) FROM reflections{where}", args).fetchone()[0])

    def rids(self, query: Query | None = None, *, order: str = "date", descending: bool = True) -> list[int]:
        """Row ids of the matches, in order: cheap, for counting and paging through a large result."""
        where, args = self._where(query)
        sql = f"SELECT rid FROM reflections{where}{self._order(order, descending)}"
        return self._run(lambda db: [r[0] for r in db.execute(sql, args)])

    def rows(self, query: Query | None = None, *, order: str = "date", descending: bool = True,
             limit: int | None = None, offset: int = 0) -> list[IndexRow]:
        where, args = self._where(query)
        sql = f"SELECT {_ROW_COLUMNS} FROM reflections{where}{self._order(order, descending)}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args = [*args, limit, offset]
        return self._run(lambda db: [_to_row(r) for r in db.execute(sql, args)])

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
        """Whole reflections (from the index's copy, no file read), newest first."""
        from herenow.store.reflections import Reflection

        where, args = self._where(query)
        sql = (f"SELECT (SELECT data FROM bodies WHERE bodies.rid = reflections.rid) FROM reflections{where}"
               f"{self._order('date', True)}")
        if limit is not None:
            sql += " LIMIT ?"
            args = [*args, limit]
        return self._run(lambda db: [Reflection.model_validate_json(r[0]) for r in db.execute(sql, args)
                                     if r[0] is not None])

    def path_of(self, rid: int) -> Path | None:
        found = self._run(lambda db: db.execute("SELECT path FROM reflections WHERE rid = ?", (rid,)).fetchone())
        return self.root / found[0] if found else None

    def problems(self) -> list[Problem]:
        """Bad files (each naming the file), a reflections folder that cannot be read, and a note when the
        index is only in memory."""
        rows = self._run(lambda db: db.execute("SELECT path, problems FROM problems ORDER BY path").fetchall())
        out: list[Problem] = list(self.folder_problems) + list(self.notes)
        for path, payload in rows:
            for message, line, field in json.loads(payload):
                out.append(Problem(str(self.root / path), message, line=line, field=field))
        return out

    def known_tags(self) -> list[str]:
        return self._distinct("tags")

    def known_decks(self) -> list[str]:
        return self._distinct("decks")

    def _distinct(self, column: str) -> list[str]:
        sql = f"SELECT DISTINCT j.value FROM reflections, json_each(reflections.{column}) AS j"
        try:
            return sorted(r[0] for r in self._run(lambda db: db.execute(sql).fetchall()))
        except sqlite3.OperationalError:  # no JSON1: decode here
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


def _connect_file(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
    try:
        db.execute("PRAGMA busy_timeout = 10000")
        # A rollback journal, not WAL: a rebuilt index is renamed into place, and a WAL file of the old one
        # must never be applied to the new one. Readers wait for a writer at most the busy timeout.
        db.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.DatabaseError:
        pass  # not a database (rebuilt next), or no shared memory here: the rollback journal and the busy timeout still work
    return db


def _filled(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM meta WHERE key = 'refreshed'").fetchone() is not None


def _writes_refused(exc: BaseException) -> bool:
    """A full disk, a read-only folder, an I/O error: rebuilding in place cannot help, memory can."""
    if isinstance(exc, OSError):
        return True
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and any(
        words in text for words in ("disk is full", "readonly", "read-only", "disk i/o", "unable to open", "locked",
                                    "busy"))


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
