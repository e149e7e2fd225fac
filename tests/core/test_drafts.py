"""DraftStore: autosaved reflections, one file per session, listed for resuming, never lost or clobbered."""

import datetime as dt
import os
from pathlib import Path

import pytest

from herenow.store.drafts import DraftStore
from herenow.store.records import SessionRecord
from herenow.store.reflections import Answer, Reflection

from conftest import mode

UTC = dt.timezone.utc


def draft(record_id: str, day: int = 17, text: str = "half a thought") -> Reflection:
    record = SessionRecord(id=record_id, started=dt.datetime(2026, 11, day, 9, 0, tzinfo=UTC), planned_minutes=50,
                           elapsed_seconds=2900, decks=["frame"])
    return Reflection(id=record_id, created=record.started, session=record,
                      answers=[Answer(prompt="What happened?", text=text)], ratings={"connection": 2})


def test_save_load_pending_discard(herenow_home: Path) -> None:
    drafts = DraftStore()
    assert drafts.pending() == ([], [])  # no folder yet: nothing waiting, nothing created
    assert not (herenow_home / "drafts").exists()
    path = drafts.save(draft("b-late", day=18))
    drafts.save(draft("a-early", day=16, text="première pensée ✨"))
    assert path == herenow_home / "drafts" / "b-late.toml"
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    loaded, problems = drafts.load("a-early")
    assert problems == [] and loaded.answers[0].text == "première pensée ✨" and loaded.ratings == {"connection": 2}
    pending, problems = drafts.pending()
    assert [d.id for d in pending] == ["a-early", "b-late"]  # oldest session first
    assert drafts.discard("a-early") is True
    assert drafts.discard("a-early") is False
    assert drafts.load("a-early") == (None, [])
    assert [d.id for d in drafts.pending()[0]] == ["b-late"]


def test_saving_again_replaces_the_draft(herenow_home: Path) -> None:
    drafts = DraftStore()
    drafts.save(draft("x", text="one"))
    drafts.save(draft("x", text="one, two"))
    assert drafts.load("x")[0].answers[0].text == "one, two"
    assert [p.name for p in (herenow_home / "drafts").iterdir()] == ["x.toml"]  # no temporary files left


def test_bad_draft_files_are_reported_skipped_and_left_alone(herenow_home: Path) -> None:
    drafts = DraftStore()
    drafts.save(draft("good"))
    folder = herenow_home / "drafts"
    bad = {
        "syntax.toml": b"id = [",
        "binary.toml": b"\x00\x01\x02",
        "latin1.toml": "note = 'caf\xe9'".encode("latin-1"),
        "shape.toml": b'id = "shape"\n',
    }
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    pending, problems = drafts.pending()
    assert [d.id for d in pending] == ["good"]
    assert len(problems) >= 4
    text = "\n".join(map(str, problems))
    for name in bad:
        assert name in text
    # Discarding a bad draft does nothing: the app never deletes a file it cannot read.
    assert drafts.discard("syntax") is False
    for name, data in bad.items():
        assert (folder / name).read_bytes() == data


def test_ids_cannot_escape_the_folder(herenow_home: Path) -> None:
    drafts = DraftStore()
    assert drafts.load("../config") == (None, [])
    assert drafts.discard("../../etc/passwd") is False
    assert not drafts.exists("")
    with pytest.raises(ValueError):
        drafts.path("../x")


def test_a_failed_draft_write_keeps_the_old_one(herenow_home: Path, monkeypatch) -> None:
    import errno

    from herenow.store import files as fsutil

    drafts = DraftStore()
    drafts.save(draft("x", text="safe"))

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(fsutil.os, "fchmod", full)  # fails inside atomic_write, after the temporary file exists
        with pytest.raises(OSError) as failed:
            drafts.save(draft("x", text="lost"))
    assert failed.value.errno == errno.ENOSPC
    assert drafts.load("x")[0].answers[0].text == "safe"
    assert [p.name for p in (herenow_home / "drafts").iterdir()] == ["x.toml"]
