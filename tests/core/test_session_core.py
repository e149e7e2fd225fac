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
