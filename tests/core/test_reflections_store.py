"""The reflection store: one TOML file per reflection, atomic, private, and never stopped by a bad file."""

from __future__ import annotations

import datetime as dt
import errno
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herenow.store.records import Moment, SessionRecord
from herenow.store.reflections import Answer, Query, Reflection, ReflectionStore, reflection_to_toml

from conftest import mode

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
    store = ReflectionStore()
    path = store.save(reflection("2026-03-15-0900-ab12", dt.datetime(2026, 3, 15, 9, tzinfo=UTC), text="x"))
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
    store = ReflectionStore()
    assert store.scan() == ([], [])  # an empty (or missing) store is simply empty
    fill(store)
    found, problems = store.scan()
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
    store = ReflectionStore()
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
    found, problems = store.scan()
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


def test_a_read_only_store(herenow_home: Path) -> None:
    store = ReflectionStore()
    fill(store)
    month = store.root / "2026" / "03"
    os.chmod(month, 0o500)
    try:
        if os.access(month, os.W_OK):
            pytest.skip("running as root: chmod does not stop writes")
        changed = reflection("r3", dt.datetime(2026, 3, 15, 9, tzinfo=UTC), note="changed")
        with pytest.raises(OSError) as failed:
            store.save(changed)
        assert failed.value.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
        assert store.get("r3")[0].note == "Ending soon: Élodie's"
        assert [r.id for r in store.scan()[0]] == ["r3", "r2", "r1"]  # reading still works
        assert sorted(p.name for p in month.iterdir()) == ["r3.toml"]
    finally:
        os.chmod(month, 0o700)


def test_a_full_disk_keeps_the_old_file(herenow_home: Path, monkeypatch) -> None:
    from herenow.store import files as fsutil

    store = ReflectionStore()
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
    store = ReflectionStore()
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
    store = ReflectionStore(herenow_home / "hypothesis")
    original = reflection("roundtrip", when, text=answer, note=note, tags=tags, decks=(deck,))
    path = store.save(original)
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
