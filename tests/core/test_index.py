"""The SQLite index of the reflection files: a cache that follows the files and can always be thrown away."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest

from conftest import mode
from herenow.store import index as index_module
from herenow.store.index import ReflectionIndex, search_terms
from herenow.store.paths import locations
from herenow.store.records import CueEvent, Moment, SessionRecord
from herenow.store.indexed import IndexedStore as ReflectionStore
from herenow.store.reflections import DEFAULT_PROMPTS, Query, new_reflection
from herenow.store.indexed import IndexedStore
from conftest import read_every_file

UTC = dt.timezone.utc


def make(store: ReflectionStore, day: int, hour: int = 10, *, texts=("",), tags=(), decks=("here-and-now",),
         ratings=None, note: str = "", moments=(), acted=False, month: int = 11):
    started = dt.datetime(2026, month, day, hour, 0, tzinfo=UTC)
    record = SessionRecord(
        id=f"{started:%Y-%m-%d-%H%M}-00aa", started=started, ended=started + dt.timedelta(minutes=50),
        planned_minutes=50, elapsed_seconds=50 * 60 + hour, decks=list(decks),
        cues_shown=[CueEvent(deck=decks[0], id="hn-01", text="What is happening between us right now?", at=300)],
        acted_on=[CueEvent(deck=decks[0], id="hn-01", text="What is happening between us right now?", at=320)]
        if acted else [],
        moments=[Moment(kind=k, at=at) for k, at in moments])
    reflection = new_reflection(record, list(DEFAULT_PROMPTS))
    for answer, text in zip(reflection.answers, texts):
        answer.text = text
    reflection.tags = list(tags)
    reflection.ratings = dict(ratings or {})
    reflection.note = note
    store.save(reflection)
    return reflection


@pytest.fixture
def store() -> ReflectionStore:
    return IndexedStore()


def test_index_lives_at_the_index_file_private(store: ReflectionStore) -> None:
    make(store, 2, texts=("We began quietly.",))
    index = store.index()
    assert index.db_path == locations().index_file
    found, problems = store.query(Query())
    assert [r.id for r in found] == ["2026-11-02-1000-00aa"] and problems == []
    assert mode(index.db_path) == 0o600
    assert mode(index.db_path.parent) == 0o700


def test_rows_carry_what_the_table_and_trends_need(store: ReflectionStore) -> None:
    make(store, 3, texts=("  The client   arrived late,\nand we talked about the move.", "Meaning."),
         tags=("grief", "move"), decks=("here-and-now", "power"), ratings={"connection": 4, "power": 2},
         moments=[("rupture", 600), ("repair", 900)], acted=True)
    index = store.index()
    index.refresh()
    (row,) = index.rows()
    assert row.id == "2026-11-03-1000-00aa"
    assert row.started == dt.datetime(2026, 11, 3, 10, tzinfo=UTC)
    assert row.length_minutes == 50
    assert row.decks == ("here-and-now", "power") and row.tags == ("grief", "move")
    assert row.ratings == {"connection": 4, "power": 2}
    assert row.preview.startswith("The client arrived late, and we talked")
    assert row.moments == (("rupture", 600), ("repair", 900))
    assert row.cues_shown == 1 and row.acted_on[0][2] == "What is happening between us right now?"
    assert index.path_of(row.rid) == store.find(row.id)


def test_free_text_search_finds_beginnings_of_words_in_answers_notes_and_tags(store: ReflectionStore) -> None:
    make(store, 2, texts=("We talked about SUPERVISION and the father.",))
    make(store, 3, texts=("Nothing much.",), note="Café in the waiting room; naïve question")
    make(store, 4, texts=("A quiet one.",), tags=("grief",))
    make(store, 5, texts=("My part was wanting to help too soon.", "part of me was tired"))

    def ids(text: str) -> list[int]:
        return sorted(r.date.day for r in store.query(Query(text=text))[0])

    assert ids("supervis") == [2]  # a word's beginning
    # The middle of a word is not found: a word index is a fraction of the files' size, a trigram index that would
    # find it is 1.5 times their size (issue 14 asks for at most 1.2; see benchmarks/RESULTS-scale.md).
    assert ids("vision") == []
    assert ids("café") == [3] and ids("CAFÉ") == [3] and ids("naïve") == [3]
    assert ids("cafe") == [3] and ids("naive") == [3]  # accents are not needed
    assert ids("grief") == [4]  # tags count
    assert ids("father supervision") == [2]  # every word, in any order
    assert ids('"my part"') == [5] and ids("part") == [5]
    assert ids('"part was wanting"') == [5] and ids('"wanting was"') == []
    assert ids("fa") == [2] and ids("q") == [3, 4]  # short terms too
    assert ids("nowhere") == []
    assert ids("") == [2, 3, 4, 5]


def test_search_without_fts5_gives_the_same_answers(store: ReflectionStore, monkeypatch) -> None:
    make(store, 2, texts=("We talked about supervision and the father.",))
    make(store, 3, texts=("Nothing much.",), note="Café")
    monkeypatch.setattr(index_module, "fts5_available", lambda: False)
    index = ReflectionIndex(store.root, store.root.parent / "plain.sqlite3")
    index.refresh()
    assert not index.fts
    assert len(index.rids(Query(text="supervis father"))) == 1
    assert len(index.rids(Query(text="CAFÉ"))) == 1
    assert len(index.rids(Query(text="zzz"))) == 0


def test_search_terms() -> None:
    assert search_terms('  Anger "my part"  Ärger ') == ["anger", "my part", "ärger"]
    assert search_terms('"unclosed phrase') == ["unclosed phrase"]
    assert search_terms("") == []


def test_filters_dates_tags_decks_and_sorting(store: ReflectionStore) -> None:
    make(store, 2, tags=("grief",), decks=("power",), ratings={"connection": 2})
    make(store, 9, tags=("grief", "anger"), decks=("frame",), ratings={"connection": 5})
    make(store, 20, tags=("anger",), decks=("power", "frame"), ratings={"connection": 3})
    index = store.index()
    index.refresh()

    def days(query: Query, **kw) -> list[int]:
        return [r.started.day for r in index.rows(query, **kw)]

    assert days(Query()) == [20, 9, 2]  # newest first
    assert days(Query(since=dt.date(2026, 11, 9))) == [20, 9]
    assert days(Query(until=dt.date(2026, 11, 9))) == [9, 2]
    assert days(Query(tags=["grief", "anger"])) == [9]
    assert days(Query(tags=["GRIEF"])) == [9, 2]
    assert days(Query(decks=["power"])) == [20, 2]
    assert days(Query(decks=["power", "frame"])) == [20, 9, 2]
    assert days(Query(), order="ratings") == [9, 20, 2]
    assert days(Query(), order="ratings", descending=False) == [2, 20, 9]
    assert days(Query(), order="date", descending=False) == [2, 9, 20]
    assert index.count(Query(tags=["anger"])) == 2
    assert store.known_tags() == ["anger", "grief"]
    assert index.known_decks() == ["frame", "power"]


def test_picks_up_files_changed_added_and_removed_on_disk(store: ReflectionStore) -> None:
    first = make(store, 2, texts=("Before.",))
    index = store.index()
    index.refresh()
    path = store.find(first.id)
    path.write_text(path.read_text().replace("Before.", "After, edited in another editor."))
    make(store, 3, texts=("A new one.",))
    result = index.refresh()
    assert (result.added, result.updated, result.removed) == (1, 1, 0)
    assert [r.started.day for r in index.rows(Query(text="another editor"))] == [2]
    os.unlink(path)
    result = index.refresh()
    assert result.removed == 1
    assert [r.started.day for r in index.rows()] == [3]
    assert index.refresh().changed is False  # nothing new: nothing to do


def test_delete_through_the_store_leaves_the_index_right(store: ReflectionStore) -> None:
    one = make(store, 2)
    make(store, 3)
    assert len(store.query(Query())[0]) == 2
    assert store.delete(one.id)
    assert [r.date.day for r in store.query(Query())[0]] == [3]


def test_bad_files_are_reported_skipped_and_never_touched(store: ReflectionStore) -> None:
    make(store, 2, texts=("Good one.",))
    folder = store.root / "2026" / "11"
    broken = folder / "broken.toml"
    broken.write_text("id = 'x'\nthis is not toml\n")
    invalid = folder / "invalid.toml"
    invalid.write_text('id = "y"\nschema_version = 1\n')
    binary = folder / "binary.toml"
    binary.write_bytes(b"\x00\x01\x02")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (broken, invalid, binary)}
    found, problems = store.query(Query())
    assert [r.answers[0].text for r in found] == ["Good one."]
    files = {Path(p.file).name for p in problems}
    assert files == {"broken.toml", "invalid.toml", "binary.toml"}
    assert any(p.line == 2 for p in problems if p.file.endswith("broken.toml"))
    assert all(str(p) for p in problems)
    for path, (data, mtime) in before.items():
        assert path.read_bytes() == data and path.stat().st_mtime_ns == mtime
    # Fixed in an editor: it comes in and its problem goes.
    good = (folder / "2026-11-02-1000-00aa.toml").read_text()
    broken.write_text(good.replace("2026-11-02-1000-00aa", "2026-11-02-1000-00bb"))
    found, problems = store.query(Query())
    assert len(found) == 2
    assert {Path(p.file).name for p in problems} == {"invalid.toml", "binary.toml"}


def test_deleted_index_is_rebuilt_and_nothing_is_lost(store: ReflectionStore) -> None:
    for day in (2, 3, 4):
        make(store, day, texts=(f"Day {day}.",))
    index = store.index()
    index.refresh()
    os.unlink(index.db_path)
    # The same index object notices the file has gone (the app keeps its index open).
    assert len(index.rows()) == 3
    assert index.db_path.exists() and mode(index.db_path) == 0o600
    # And a new process (a new index object) builds it again too.
    os.unlink(index.db_path)
    fresh = IndexedStore()
    assert [r.answers[0].text for r in fresh.query(Query())[0]] == ["Day 4.", "Day 3.", "Day 2."]


@pytest.mark.parametrize("damage", ["garbage", "version", "tables"])
def test_corrupt_or_old_index_is_rebuilt(store: ReflectionStore, damage: str) -> None:
    make(store, 2, texts=("Kept.",))
    db_path = locations().index_file
    store.index().refresh()
    store.index().close()
    if damage == "garbage":
        db_path.write_bytes(b"this is not a database at all" * 100)
    else:
        db = sqlite3.connect(db_path)
        if damage == "version":
            db.execute("PRAGMA user_version = 99")
        else:
            db.execute("DROP TABLE reflections")
        db.commit()
        db.close()
    fresh = IndexedStore()
    found, problems = fresh.query(Query(text="kept"))
    assert [r.answers[0].text for r in found] == ["Kept."] and problems == []


def test_unwritable_index_folder_falls_back_to_memory(store: ReflectionStore, tmp_path: Path) -> None:
    make(store, 2, texts=("Still searchable.",))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    index = ReflectionIndex(store.root, blocker / "index.sqlite3")
    index.refresh()
    assert index.in_memory
    assert len(index.rids(Query(text="searchable"))) == 1


def test_index_rows_match_a_full_scan(store: ReflectionStore) -> None:
    """The index answers exactly what reading every file would, for a mixed store."""
    for day in range(1, 25):
        make(store, day, texts=(f"Text {day} {'grief' if day % 3 else 'anger'}",),
             tags=("grief",) if day % 2 else (), decks=("power",) if day % 4 else ("frame",))
    scanned, _ = read_every_file(store)
    for query in (Query(), Query(text="grief"), Query(tags=["grief"]), Query(decks=["frame"]),
                  Query(since=dt.date(2026, 11, 5), until=dt.date(2026, 11, 12), text="text")):
        expected = [r.id for r in scanned if query.matches(r)]
        assert [r.id for r in store.query(query)[0]] == expected


def test_query_limit_and_rows_helper(store: ReflectionStore) -> None:
    for day in (2, 3, 4):
        make(store, day)
    found, _ = store.query(Query(), limit=2)
    assert [r.date.day for r in found] == [4, 3]
    rows, problems = store.rows(Query(), limit=1)
    assert [r.started.day for r in rows] == [4] and problems == []


# ---------------------------------------------------------------- only a cache, whatever happens to it
@pytest.mark.parametrize("damage", ["bad-json", "bad-utf8", "bad-date", "bad-data"])
def test_damaged_rows_inside_a_valid_index_are_rebuilt(store: ReflectionStore, damage: str) -> None:
    make(store, 2, texts=("Kept.",), tags=("grief",))
    store.index().refresh()
    store.index().close()
    db = sqlite3.connect(locations().index_file)
    sql = {"bad-json": "UPDATE reflections SET tags = '[\"grief'",
           "bad-utf8": "UPDATE reflections SET preview = CAST(X'FFFE41' AS TEXT)",
           "bad-date": "UPDATE reflections SET started = 'yesterday'",
           "bad-data": "UPDATE reflections SET moments = '[[1, 2'"}[damage]
    db.execute(sql)
    db.commit()
    db.close()
    fresh = IndexedStore()
    rows, problems = fresh.rows()
    assert [r.preview for r in rows] == ["Kept."] and rows[0].tags == ("grief",) and problems == []
    assert [r.answers[0].text for r in fresh.query(Query())[0]] == ["Kept."]
    assert fresh.known_tags() == ["grief"]


def _refusing(monkeypatch, how: str) -> None:
    """Index connections that refuse to grow (SQLITE_FULL, a real "database or disk is full") or to write."""
    real = index_module._connect_file

    def connect(opener, path):
        if how == "readonly":
            return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None)
        db = real(opener, path)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        return db

    monkeypatch.setattr(index_module, "_connect_file", connect)


@pytest.mark.parametrize("how", ["full", "readonly"])
def test_a_full_or_read_only_disk_keeps_the_index_in_memory(store: ReflectionStore, monkeypatch,
                                                            how: str) -> None:
    make(store, 2, texts=("Older.",), tags=("grief",))
    store.index().refresh()
    store.index().close()
    for day in range(3, 9):  # new files the index must take in, on a disk that refuses
        make(store, day, texts=(f"Day {day}, with more words than a page holds. " * 40,), tags=(f"t{day}",))
    _refusing(monkeypatch, how)
    fresh = IndexedStore()
    # Ending a session asks for the tags used before: it must answer, not crash.
    assert fresh.known_tags() == ["grief"] + [f"t{day}" for day in range(3, 9)]
    rows, problems = fresh.rows()
    assert len(rows) == 7 and fresh.index().in_memory
    assert len(problems) == 1 and "in memory" in problems[0].message
    assert problems[0].file == str(locations().index_file)
    assert [r.answers[0].text for r in fresh.query(Query(text="older"))[0]] == ["Older."]


def test_one_file_that_cannot_be_indexed_is_a_problem_with_that_file(store: ReflectionStore,
                                                                     monkeypatch) -> None:
    make(store, 2, texts=("Fine.",))
    odd = make(store, 3, texts=("Odd.",))
    real = index_module._row_values

    def fussy(relpath, mtime_ns, size, r):
        if r.id == odd.id:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return real(relpath, mtime_ns, size, r)

    monkeypatch.setattr(index_module, "_row_values", fussy)
    rows, problems = store.rows()
    assert [r.preview for r in rows] == ["Fine."]
    assert [Path(p.file).name for p in problems] == [f"{odd.id}.toml"] and "could not be indexed" in str(problems[0])


READER = r"""
import sys, time
from herenow.store.index import ReflectionIndex
from herenow.store.paths import locations
from herenow.store.reflections import Query
where = locations()
index = ReflectionIndex(where.reflections_dir, where.index_file)
role, until = sys.argv[1], time.time() + float(sys.argv[2])
n = 0
while time.time() < until:
    if role == "rebuild":
        index._reset()  # throw the index away, as on damage, and build it again
        index.refresh()
    count = len(index.rows())
    found = len(index.rids(Query(text="words")))
    assert count == found == 12, (count, found)
    n += 1
print(n)
"""


def test_two_processes_rebuilding_and_reading_at_once_never_error(store: ReflectionStore,
                                                                  herenow_home: Path) -> None:
    import subprocess
    import sys

    for day in range(1, 13):
        make(store, day, texts=(f"Some words for day {day}.",))
    env = {**os.environ, "HERENOW_HOME": str(herenow_home)}
    procs = [subprocess.Popen([sys.executable, "-c", READER, role, "2.5"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for role in ("rebuild", "rebuild", "read")]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err[-1500:] for _out, err in outs]
    assert all(int(out) >= 3 for out, _err in outs), outs
