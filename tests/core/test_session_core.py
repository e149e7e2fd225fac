import tomllib

from herenow.config import Config
from herenow.decks.library import load_library
from herenow.store.records import SessionStore
from herenow.live import LiveSession


def make(clock, **config) -> LiveSession:
    decks = [load_library().get("here-and-now").deck, load_library().get("frame").deck]
    return LiveSession(decks, Config(**config), now=clock, seed=11)


def test_a_fifty_minute_session_in_milliseconds(clock) -> None:
    live = make(clock)
    changes = 0
    for _ in range(50 * 60):
        clock.advance(1)
        _reading, cue = live.tick()
        changes += cue is not None
    assert 11 <= changes <= 14  # every four minutes, plus the turn into the closing phase
    assert live.clock.read().remaining == 0
    assert live.current.cue.phase in ("closing", "any")
    shown = live.record.cues_shown
    assert len(shown) == changes + 1 and shown[0].at == 0 and shown[1].at == 240


def test_record_is_autosaved_as_it_changes(clock, herenow_home) -> None:
    live = make(clock)
    path = herenow_home / "sessions" / f"{live.record.id}.toml"
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    clock.advance(23 * 60 + 10)
    live.mark("moment")
    live.act_on()
    assert live.act_on() is False  # a second press changes nothing
    clock.advance(60)
    live.toggle_pause()
    clock.advance(90)
    live.toggle_pause()
    saved = tomllib.loads(path.read_text())
    assert saved["moments"] == [{"kind": "moment", "at": 1390}]
    assert saved["acted_on"][0]["at"] == 1390
    assert saved["pauses"] == [{"at": 1450, "seconds": 90}]
    assert saved["decks"] == ["here-and-now", "frame"]
    pending, problems = SessionStore().pending()
    assert problems == [] and pending[0].id == live.record.id


def test_end_keeps_the_record_with_its_length(clock) -> None:
    live = make(clock)
    clock.advance(48 * 60)
    record = live.end()
    assert record.ended is not None and record.elapsed_seconds == 48 * 60
    pending, _ = SessionStore().pending()
    assert pending[0].ended is not None


def test_an_unwritable_folder_never_stops_the_session(clock, herenow_home, monkeypatch) -> None:
    live = make(clock)

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("herenow.store.records.SessionStore.save", full)
    clock.advance(60)
    live.mark("rupture")
    assert live.save_error == "could not save the session record: No space left on device"
    assert live.record.moments[-1].kind == "rupture"


def test_going_back_and_forward_again_does_not_count_cues_twice(clock) -> None:
    live = make(clock)
    first = live.current
    second = live.next_cue()
    live.previous_cue()
    assert live.next_cue() == second
    third = live.next_cue()
    assert [c.id for c in live.record.cues_shown] == [first.cue.id, second.cue.id, third.cue.id]


def test_a_quiet_session_is_written_once_a_minute_not_once_a_second(clock, herenow_home, monkeypatch) -> None:
    live = make(clock)
    writes = []
    save = SessionStore.save
    monkeypatch.setattr(SessionStore, "save", lambda self, record: (writes.append(record.elapsed_seconds),
                                                                    save(self, record)))
    for _ in range(3 * 60 + 30):  # three and a half minutes, no keys pressed, before the next cue is due
        clock.advance(1)
        live.tick()
    assert writes == [60, 120, 180]
    path = herenow_home / "sessions" / f"{live.record.id}.toml"
    assert tomllib.loads(path.read_text())["elapsed_seconds"] == 180  # a crash now keeps 3 of 3.5 minutes


def test_a_clock_set_back_mid_session_never_ends_before_it_started(clock) -> None:
    steady = [0.0]
    decks = [load_library().get("frame").deck]
    live = LiveSession(decks, Config(), now=clock, steady=lambda: steady[0], seed=1)
    steady[0] += 30 * 60
    clock.advance(30 * 60 - 3 * 3600)  # thirty real minutes, and the wall clock set back three hours
    record = live.end()
    assert record.ended > record.started and record.elapsed_seconds == 30 * 60
    assert (record.ended - record.started).total_seconds() == 30 * 60


def test_a_running_session_is_locked_for_other_windows_until_it_is_done(clock) -> None:
    live = make(clock)
    other = SessionStore()  # another window on the same home
    assert other.in_use_elsewhere(live.record.id)
    assert not live.records.in_use_elsewhere(live.record.id)  # not "elsewhere" for the window that runs it
    live.end()
    assert other.in_use_elsewhere(live.record.id)  # still in use: its reflection is being written
    live.records.discard(live.record.id)
    assert not other.in_use_elsewhere(live.record.id)


def test_the_lock_dies_with_the_process(clock, herenow_home) -> None:
    import subprocess
    import sys

    code = ("from herenow.store.records import SessionStore; import sys; s = SessionStore(); "
            "s.hold('2026-11-17-1400-ab12'); print('held', flush=True); sys.stdin.read()")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        assert SessionStore().in_use_elsewhere("2026-11-17-1400-ab12")
        child.kill()
        child.wait(timeout=10)
        assert not SessionStore().in_use_elsewhere("2026-11-17-1400-ab12")
    finally:
        child.kill()


def test_a_dead_sessions_lock_file_goes_with_its_record(clock, herenow_home) -> None:
    import os

    live = make(clock)
    lock = herenow_home / "sessions" / f"{live.record.id}.lock"
    SessionStore().discard("2026-01-01-0000-00000000")  # another session's tidy-up leaves this lock alone
    assert lock.exists() and SessionStore().in_use_elsewhere(live.record.id)
    os.close(live.records._held.pop(live.record.id))  # the process that held it dies: the kernel drops the lock
    assert lock.exists() and not SessionStore().in_use_elsewhere(live.record.id)
    SessionStore().discard(live.record.id)  # e.g. tidied once its reflection is saved
    assert not lock.exists() and not SessionStore().path(live.record.id).exists()


def test_a_record_written_before_cue_events_were_one_model_still_loads(herenow_home) -> None:
    folder = herenow_home / "sessions"
    folder.mkdir(parents=True)
    (folder / "2026-11-17-1400-abcd.toml").write_text(
        'schema_version = 1\nid = "2026-11-17-1400-abcd"\nstarted = 2026-11-17T14:00:00Z\nplanned_minutes = 50\n'
        'decks = ["frame"]\n\n[[cues_shown]]\ndeck = "frame"\nid = "f1"\ntext = "Notice the time."\nat = 300\n\n'
        '[[acted_on]]\ndeck = "frame"\nid = "f1"\ntext = "Notice the time."\nat = 320\n')
    (record,), problems = SessionStore().pending()
    assert problems == []
    assert [(c.id, c.at) for c in record.cues_shown] == [("f1", 300)] and record.acted_on[0].at == 320
    SessionStore().save(record)
    saved = tomllib.loads((folder / "2026-11-17-1400-abcd.toml").read_text())
    assert saved["acted_on"] == [{"deck": "frame", "id": "f1", "text": "Notice the time.", "at": 320}]


def test_a_first_session_is_recorded_as_such(clock, herenow_home) -> None:
    import tomllib

    from herenow.decks.library import load_library

    frame = load_library().get("frame").deck
    first = LiveSession([frame], Config(), now=clock, seed=2, first_session=True)
    assert first.record.first_session
    saved = tomllib.loads((herenow_home / "sessions" / f"{first.record.id}.toml").read_text())
    assert saved["first_session"] is True
    ordinary = LiveSession([frame], Config(), now=clock, seed=2)
    saved = tomllib.loads((herenow_home / "sessions" / f"{ordinary.record.id}.toml").read_text())
    assert "first_session" not in saved and not ordinary.record.first_session
