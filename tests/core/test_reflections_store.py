"""The reflection store: one TOML file per reflection, atomic, private, and never stopped by a bad file."""

from __future__ import annotations

import datetime as dt
import errno
import os
import tomllib
from pathlib import Path

import pytest

from conftest import read_every_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herenow.store.records import Moment, SessionRecord
from herenow.store.indexed import IndexedStore
from herenow.store.reflections import Answer, Query, Reflection, ReflectionStore, reflection_to_toml

from conftest import mode, read_only

UTC = dt.timezone.utc


def reflection(rid: str, when: dt.datetime, *, text: str = "", tags=(), decks=("frame",), note: str = "",
               ratings=None) -> Reflection:
    record = SessionRecord(id=rid, started=when, planned_minutes=50, elapsed_seconds=3000, decks=list(decks),
                           moments=[Moment(at=600)])
    return Reflection(id=rid, created=when, session=record, answers=[Answer(prompt="What happened?", text=text)],
                      tags=list(tags), note=note, ratings=ratings or {})


def fill(store: ReflectionStore) -> None:
    store.save(reflection("r1", dt.datetime(2026, 1, 5, 9, tzinfo=UTC), text="A rupture, then repair.",
                          tags=["rupture", "repair"], decks=("rupture-repair",)))
    store.save(reflection("r2", dt.datetime(2026, 2, 10, 9, tzinfo=UTC), text="Quiet session.", tags=["quiet"]))
    store.save(reflection("r3", dt.datetime(2026, 3, 15, 9, tzinfo=UTC), note="Ending soon: Élodie's", tags=["ending"],
                          decks=("frame", "here-and-now")))


def test_save_lays_files_out_by_date_privately(herenow_home: Path) -> None:
    store = IndexedStore()
    path = store.save(reflection("2026-03-15-0900-ab12", dt.datetime(2026, 3, 15, 9, tzinfo=UTC), text="x")).path
    assert path == herenow_home / "reflections" / "2026" / "03" / "2026-03-15-0900-ab12.toml"
    assert mode(path) == 0o600
    for folder in (path.parent, path.parent.parent, herenow_home / "reflections"):
        assert mode(folder) == 0o700
    data = tomllib.loads(path.read_text("utf-8"))
    assert data["schema_version"] == 2 and data["session"]["moments"] == [{"kind": "moment", "at": 600}]
    assert store.find("2026-03-15-0900-ab12") == path
    got, problems = store.get("2026-03-15-0900-ab12")
    assert problems == [] and got.answers[0].text == "x"
    assert store.delete("2026-03-15-0900-ab12") is True and not path.exists()
    assert store.delete("2026-03-15-0900-ab12") is False
    assert store.get("nope") == (None, [])


def test_scan_and_query(herenow_home: Path) -> None:
    store = IndexedStore()
    assert store.query() == ([], [])  # an empty (or missing) store is simply empty
    fill(store)
    found, problems = store.query()
    assert problems == [] and [r.id for r in found] == ["r3", "r2", "r1"]  # newest first
    ids = lambda q: [r.id for r in store.query(q)[0]]  # noqa: E731
    assert ids(Query(since=dt.date(2026, 2, 10))) == ["r3", "r2"]
    assert ids(Query(until=dt.date(2026, 2, 10))) == ["r2", "r1"]
    assert ids(Query(since=dt.date(2026, 2, 11), until=dt.date(2026, 3, 1))) == []
    assert ids(Query(tags=["Rupture"])) == ["r1"]
    assert ids(Query(decks=["here-and-now"])) == ["r3"]
    assert ids(Query(text="élodie")) == ["r3"]
    assert ids(Query(text="quiet")) == ["r2"]
    assert store.known_tags() == ["ending", "quiet", "repair", "rupture"]


BAD_FILES = {
    "not-toml.toml": (b'id = "x"\nanswers = [\n', "TOML syntax error"),
    "latin1.toml": ("note = 'caf\xe9'\n".encode("latin-1"), "is not UTF-8 text"),
    "binary.toml": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a text file"),
    "empty.toml": (b"", "is missing"),
    "shape.toml": (b'id = "shape"\ncreated = "yesterday"\nanswers = "none"\n', "session: is missing"),
    "rating.toml": (None, "ratings go from 1 to 5"),
}


def test_every_kind_of_bad_file_is_reported_skipped_and_never_changed(herenow_home: Path) -> None:
    store = IndexedStore()
    fill(store)
    folder = store.root / "2026" / "02"
    good = reflection_to_toml(reflection("rating", dt.datetime(2026, 2, 1, tzinfo=UTC), ratings={"power": 3}))
    before = {}
    for name, (data, _why) in BAD_FILES.items():
        if data is None:
            data = good.replace("power = 3", "power = 9").encode()
        path = folder / name
        path.write_bytes(data)
        os.utime(path, (1_700_000_000, 1_700_000_000))
        before[path] = data
    found, problems = store.query()
    assert sorted(r.id for r in found) == ["r1", "r2", "r3"]
    lines = [str(p) for p in problems]
    for name, (_data, why) in BAD_FILES.items():
        mine = [line for line in lines if f"{folder / name}" in line]
        assert mine, f"{name} not reported"
        assert any(why in line for line in mine), (name, mine)
    assert all("\n" not in line for line in lines)
    # Query, known tags and get carry on past them too.
    assert [r.id for r in store.query(Query(tags=["quiet"]))[0]] == ["r2"]
    assert store.known_tags() == ["ending", "quiet", "repair", "rupture"]
    got, bad = store.get("rating")
    assert got is None and "ratings go from 1 to 5" in str(bad[0])
    for path, data in before.items():
        assert path.read_bytes() == data and path.stat().st_mtime == 1_700_000_000


def test_a_read_only_store(herenow_home: Path, monkeypatch) -> None:
    store = IndexedStore()
    fill(store)
    month = store.root / "2026" / "03"
    writable = read_only(monkeypatch, month)
    try:
        changed = reflection("r3", dt.datetime(2026, 3, 15, 9, tzinfo=UTC), note="changed")
        with pytest.raises(OSError) as failed:
            store.save(changed)
        assert failed.value.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
        assert store.get("r3")[0].note == "Ending soon: Élodie's"
        assert [r.id for r in store.query()[0]] == ["r3", "r2", "r1"]  # reading still works
        assert sorted(p.name for p in month.iterdir()) == ["r3.toml"]
    finally:
        writable()


def test_a_full_disk_keeps_the_old_file(herenow_home: Path, monkeypatch) -> None:
    from herenow.store import files as fsutil

    store = IndexedStore()
    fill(store)

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(fsutil.os, "fsync", lambda fd: full(fd, b""))  # the data never reaches the disk
        with pytest.raises(OSError):
            store.save(reflection("r3", dt.datetime(2026, 3, 15, 9, tzinfo=UTC), note="x" * 100_000))
    assert store.get("r3")[0].note == "Ending soon: Élodie's"
    assert sorted(p.name for p in (store.root / "2026" / "03").iterdir()) == ["r3.toml"]


def test_ids_that_could_leave_the_store_are_refused(herenow_home: Path) -> None:
    store = IndexedStore()
    with pytest.raises(ValueError):
        store.save(reflection("../escape", dt.datetime(2026, 1, 1, tzinfo=UTC)))
    assert store.find("../../config") is None and store.delete("../x") is False


offsets = st.builds(lambda minutes: dt.timezone(dt.timedelta(minutes=minutes)), st.integers(-23 * 60, 23 * 60))
moments = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31), timezones=offsets)
any_text = st.text(max_size=200)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(when=moments, answer=any_text, note=any_text,
       tags=st.lists(st.text(min_size=1, max_size=20), max_size=4), deck=st.text(min_size=1, max_size=30))
def test_any_unicode_text_and_any_date_round_trip(herenow_home: Path, when, answer, note, tags, deck) -> None:
    store = IndexedStore(herenow_home / "hypothesis")
    original = reflection("roundtrip", when, text=answer, note=note, tags=tags, decks=(deck,))
    path = store.save(original).path
    assert path.parent == store.root / f"{when:%Y}" / f"{when:%m}"
    got, problems = store.get("roundtrip")
    assert problems == []
    assert got.answers[0].text == answer and got.note == note
    assert got.tags == original.tags and got.session.decks == [deck]
    assert got.session.started == when and got.session.started.utcoffset() == when.utcoffset()
    assert [r.id for r in store.query(Query(since=when.date(), until=when.date()))[0]] == ["roundtrip"]
    if answer.strip():
        assert [r.id for r in store.query(Query(text=answer))[0]] == ["roundtrip"]
    path.unlink()


def test_free_text_search_means_every_word_or_a_quoted_phrase() -> None:
    import datetime as _dt

    from herenow.store.records import SessionRecord as _Record
    from herenow.store.reflections import Answer as _Answer, Query as _Query, Reflection as _Reflection

    started = _dt.datetime(2026, 11, 2, 9, tzinfo=_dt.timezone.utc)
    r = _Reflection(id="x", created=started, session=_Record(id="x", started=started, planned_minutes=50),
                    answers=[_Answer(prompt="p", text="The silence felt heavy, then we laughed.")])
    assert _Query(text="heavy laughed").matches(r)  # every word, in any order
    assert not _Query(text='"heavy laughed"').matches(r)  # a quoted phrase must appear as written
    assert _Query(text='"felt heavy"').matches(r)


# ---------------------------------------------------------------- never a silent replace
WHEN = dt.datetime(2026, 11, 17, 14, tzinfo=UTC)


def test_a_second_first_save_of_a_session_keeps_both(herenow_home: Path) -> None:
    store = IndexedStore()
    first = store.save(reflection("2026-11-17-1400-ab12cd34", WHEN, text="Window B's words."))
    assert not first.conflict and first.message == "Reflection saved."
    second = store.save(reflection("2026-11-17-1400-ab12cd34", WHEN, text="Window A's words."))
    assert second.conflict and second.path.name == "2026-11-17-1400-ab12cd34.conflict-1.toml"
    assert "conflict copy" in second.message and second.path.name in second.message
    assert store.get("2026-11-17-1400-ab12cd34")[0].answers[0].text == "Window B's words."  # untouched
    copy = store.get("2026-11-17-1400-ab12cd34.conflict-1")[0]
    assert copy.answers[0].text == "Window A's words." and copy.session.id == "2026-11-17-1400-ab12cd34"
    assert sorted(r.answers[0].text for r in read_every_file(store)[0]) == ["Window A's words.", "Window B's words."]
    assert len(store.query(Query())[0]) == 2  # listed like any reflection
    # Saving the same words again (a retry after a failed tidy-up) makes no third file.
    again = store.save(reflection("2026-11-17-1400-ab12cd34", WHEN, text="Window A's words."))
    assert again.conflict and again.unchanged and again.path == second.path
    assert len(list(store.root.rglob("*.toml"))) == 2


def test_an_edit_replaces_only_the_version_it_was_loaded_from(herenow_home: Path) -> None:
    store = IndexedStore()
    store.save(reflection("r1", WHEN, text="first"))
    mine, version, problems = store.load("r1")
    theirs, their_version, _ = store.load("r1")
    assert problems == [] and version == their_version
    theirs.note = "edited elsewhere"
    assert store.save(theirs, replacing=their_version).replaced
    mine.note = "edited here"
    result = store.save(mine, replacing=version)  # the file changed since it was loaded
    assert result.conflict and store.get("r1")[0].note == "edited elsewhere"
    assert store.get(result.path.stem)[0].note == "edited here"
    # Loaded again, it replaces in place.
    latest, version, _ = store.load("r1")
    latest.note = "edited elsewhere, and more"
    result = store.save(latest, replacing=version)
    assert result.replaced and not result.conflict and store.get("r1")[0].note == "edited elsewhere, and more"


def test_ids_have_32_random_bits_and_old_ids_still_load(herenow_home: Path) -> None:
    import re

    from herenow.store.records import new_record_id

    ids = {new_record_id(WHEN) for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"2026-11-17-1400-[0-9a-f]{8}", i) for i in ids)
    store = IndexedStore()
    store.save(reflection("2026-11-17-1400-ab12", WHEN, text="old style id"))
    assert store.get("2026-11-17-1400-ab12")[0].answers[0].text == "old style id"


SAVER = r"""
import datetime as dt, sys, time
from herenow.store.records import SessionRecord
from herenow.store.reflections import Answer, Reflection, ReflectionStore
when = dt.datetime(2026, 11, 17, 14, tzinfo=dt.timezone.utc)
record = SessionRecord(id="2026-11-17-1400-0badcafe", started=when, planned_minutes=50, elapsed_seconds=3000)
reflection = Reflection(id=record.id, created=when, session=record,
                        answers=[Answer(prompt="What happened?", text=sys.argv[1])])
start = float(sys.argv[2])
while time.time() < start:
    pass
result = ReflectionStore().save(reflection)
print(result.conflict, result.path.name)
"""


def test_two_processes_ending_and_saving_the_same_session_overwrite_nothing(herenow_home: Path) -> None:
    import subprocess
    import sys
    import time

    env = {**os.environ, "HERENOW_HOME": str(herenow_home)}
    for attempt in range(5):  # started together: both save within the same millisecond or two
        for path in herenow_home.rglob("*.toml"):
            path.unlink()
        start = time.time() + 1.5
        procs = [subprocess.Popen([sys.executable, "-c", SAVER, f"words of window {w}", str(start)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in "AB"]
        outs = [p.communicate(timeout=30) for p in procs]
        assert all(p.returncode == 0 for p in procs), outs
        results = sorted(out.split()[0] for out, _err in outs)
        assert results == ["False", "True"], outs  # one saved it, the other made a conflict copy
        texts = sorted(r.answers[0].text for r in read_every_file(IndexedStore())[0])
        assert texts == ["words of window A", "words of window B"]


# ---------------------------------------------------------------- leftovers
def test_tidy_leftovers_removes_only_what_a_saved_reflection_holds(herenow_home: Path) -> None:
    from herenow.store.drafts import DraftStore, tidy_leftovers
    from herenow.store.records import SessionStore

    store, drafts, records = IndexedStore(), DraftStore(), SessionStore()
    saved = reflection("done", WHEN, text="The whole answer, finished.")
    records.save(saved.session)
    early = saved.model_copy(deep=True)
    early.answers[0].text = "The whole answer"
    drafts.save(early)  # kept while typing; its words are in the saved reflection
    store.save(saved)
    # A session whose reflection was saved by another window while this one still typed: words not saved.
    other = reflection("other", WHEN + dt.timedelta(hours=2), text="What window B wrote.")
    store.save(other)
    mine = other.model_copy(deep=True)
    mine.answers[0].text = "What window A was writing."
    drafts.save(mine)
    records.save(other.session)
    # A record and draft with no reflection at all.
    waiting = reflection("waiting", WHEN + dt.timedelta(hours=4), text="Half a thought")
    records.save(waiting.session)
    drafts.save(waiting)
    # A session that went on after its reflection was saved (more marks).
    went_on = reflection("went-on", WHEN + dt.timedelta(hours=6))
    store.save(went_on)
    later = went_on.session.copy()
    later.elapsed_seconds += 600
    later.moments.append(Moment(at=3500))
    records.save(later)

    done = tidy_leftovers(keep=lambda rid: False)
    assert sorted(done.records) == ["done", "other"] and done.drafts == ["done"] and done.problems == []
    assert sorted(d.id for d in drafts.pending()[0]) == ["other", "waiting"]
    assert sorted(r.id for r in records.pending()[0]) == ["waiting", "went-on"]
    assert drafts.load("other")[0].answers[0].text == "What window A was writing."
    # keep(): a session running in another window is never touched.
    records.save(saved.session)
    assert tidy_leftovers(keep=lambda rid: rid == "done").records == []
    assert store.has_reflection_for("other") and store.exists("done") and not store.exists("waiting")
    assert not store.has_reflection_for("waiting")
