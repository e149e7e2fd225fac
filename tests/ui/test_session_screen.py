"""The live session screen, driven through the real app with a fake clock."""

import tomllib
from pathlib import Path

from textual.widgets import Static

from conftest import screen_text
from herenow.context import AppContext
from herenow.store.records import SessionStore
from herenow.ui.app import HerenowApp, SessionOptions
from herenow.ui.screens.blank import BlankScreen
from herenow.ui.screens.session import SessionScreen


def session_app(clock, **options) -> HerenowApp:
    ctx = AppContext.load(now=clock, seed=4)
    return HerenowApp(ctx, start="session", session=SessionOptions(**options))




def text(app: HerenowApp, selector: str) -> str:
    return app.screen.query_one(selector, Static).shown


async def advance(pilot, clock, seconds: float) -> None:
    clock.advance(seconds)
    pilot.app.screen.tick()
    await pilot.pause()


async def test_cue_and_time_show_and_the_cue_rotates_by_time_and_by_key(clock) -> None:
    app = session_app(clock, deck_names=["here-and-now"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        first = text(app, "#cue")
        assert first and screen.live.current.cue.phase == "opening"
        assert text(app, "#timer").startswith("00:00 in  ·  50:00 left  ·  ends ")
        await advance(pilot, clock, 239)
        assert text(app, "#cue") == first
        await advance(pilot, clock, 1)
        second = text(app, "#cue")
        assert second != first
        await pilot.press("space")
        third = text(app, "#cue")
        assert third not in (first, second)
        await pilot.press("left")
        assert text(app, "#cue") == second
        await pilot.press("backspace")
        assert text(app, "#cue") == first
        shown = [c.text for c in screen.live.record.cues_shown]
        assert shown == [first, second, third]


async def test_detail_on_demand(clock) -> None:
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        detail = app.screen.query_one("#detail")
        assert not detail.display
        await pilot.press("d")
        assert detail.display and text(app, "#detail") == app.screen.live.current.cue.detail
        await pilot.press("d")
        assert not detail.display


async def test_warnings_are_words_and_colour_then_overtime(clock) -> None:
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        timer = app.screen.query_one("#timer")
        await advance(pilot, clock, 40 * 60 + 5)
        assert text(app, "#timer").startswith("10 min left  ·  40:05 in  ·  09:55 left")
        assert timer.has_class("warn") and not timer.has_class("over")
        await advance(pilot, clock, 9 * 60 + 55 + 3 * 60 + 12)
        assert text(app, "#timer") == "+03:12 over  ·  53:12 in"
        assert timer.has_class("over") and not timer.has_class("warn")


async def test_phases_closing_cues_in_the_last_ten_minutes(clock) -> None:
    app = session_app(clock, deck_names=["frame"])
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.screen.live
        await advance(pilot, clock, 40 * 60 + 1)
        assert live.current.cue.phase == "closing"
        assert text(app, "#cue") == live.current.cue.text


async def test_blank_hides_everything_and_any_key_brings_it_back(clock) -> None:
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        cue = text(app, "#cue")
        assert cue in screen_text(app)  # the check below can see a cue when there is one
        await pilot.press("b")
        assert isinstance(app.screen, BlankScreen)
        assert list(app.screen.query("*")) == []  # nothing at all on it
        assert cue not in screen_text(app) and "in  ·" not in screen_text(app)
        clock.advance(120)  # the timer keeps running underneath
        await pilot.press("x")
        assert isinstance(app.screen, SessionScreen)
        app.screen.tick()
        assert text(app, "#timer").startswith("02:00 in")


async def test_pause_and_resume(clock) -> None:
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await advance(pilot, clock, 60)
        await pilot.press("p")
        assert text(app, "#timer").startswith("paused  ·  01:00 in")
        await advance(pilot, clock, 300)
        assert "01:00 in" in text(app, "#timer")
        await pilot.press("p")
        await advance(pilot, clock, 30)
        assert text(app, "#timer").startswith("01:30 in")
        assert [(p.at, p.seconds) for p in app.screen.live.record.pauses] == [(60, 300)]


async def test_marks_and_acted_on_land_in_the_record_with_their_times(clock, herenow_home: Path) -> None:
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await advance(pilot, clock, 23 * 60 + 10)
        await pilot.press("m")
        assert text(app, "#status") == "moment marked at 23:10 · u undoes"
        await advance(pilot, clock, 8 * 60 + 35)
        await pilot.press("r")
        await pilot.press("R")
        await pilot.press("h")
        await pilot.press("n")
        assert text(app, "#status") == "✓ acted on"
        record_id = app.screen.live.record.id
    saved = tomllib.loads((herenow_home / "sessions" / f"{record_id}.toml").read_text())
    assert [(m["kind"], m["at"]) for m in saved["moments"]] == [
        ("moment", 1390), ("rupture", 1905), ("repair", 1905), ("here-and-now", 1905)]
    assert saved["acted_on"][0]["at"] == 1905


async def test_end_goes_to_the_reflection(clock) -> None:
    from herenow.ui.screens.reflection import ReflectionScreen

    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await advance(pilot, clock, 50 * 60)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ReflectionScreen)
        assert app.screen.record.elapsed_seconds == 3000


async def test_quit_asks_first_and_keeps_the_record(clock) -> None:
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await advance(pilot, clock, 600)
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("left", "enter")  # focus moves to "Quit"
        await pilot.pause()
    assert app.return_code == 0
    pending, _ = SessionStore().pending()
    assert len(pending) == 1 and pending[0].ended is not None and pending[0].elapsed_seconds == 600


async def test_keys_are_changeable_in_config(clock, herenow_home: Path) -> None:
    herenow_home.mkdir()
    (herenow_home / "config.toml").write_text('[keys]\nblank = "z"\nnext_cue = "j"\n')
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        first = text(app, "#cue")
        await pilot.press("j")
        assert text(app, "#cue") != first
        await pilot.press("z")
        assert isinstance(app.screen, BlankScreen)


async def test_too_small_says_so_plainly(clock) -> None:
    app = session_app(clock)
    async with app.run_test(size=(24, 6)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("too-small")
        assert "too small" in screen_text(app)
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert not app.screen.has_class("too-small")


async def test_hidden_seconds_and_session_length_option(clock, herenow_home: Path) -> None:
    herenow_home.mkdir()
    (herenow_home / "config.toml").write_text("show_seconds = false\n")
    app = session_app(clock, planned_seconds=45 * 60)
    async with app.run_test(size=(80, 24)) as pilot:
        await advance(pilot, clock, 90)
        assert text(app, "#timer").startswith("1 min in  ·  44 min left  ·  ends ")


async def test_theme_choice_is_remembered(clock, herenow_home: Path) -> None:
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "herenow-contrast"
        await pilot.pause()
    assert 'theme = "herenow-contrast"' in (herenow_home / "config.toml").read_text()
    assert AppContext.load().config.theme == "herenow-contrast"


async def test_ctrl_q_also_asks_during_a_session(clock) -> None:
    from herenow.ui.dialogs import Choice

    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, Choice)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen) and app.return_code is None


async def test_silent_unless_the_bell_is_turned_on_then_once_at_the_end(clock, herenow_home: Path, monkeypatch) -> None:
    rings: list[int] = []
    monkeypatch.setattr(HerenowApp, "bell", lambda self: rings.append(1))
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await advance(pilot, clock, 51 * 60)
    assert rings == []  # the default: no sound at all, even in overtime
    herenow_home.mkdir(exist_ok=True)
    (herenow_home / "config.toml").write_text("bell = true\n")
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await advance(pilot, clock, 49 * 60)
        assert rings == []
        await advance(pilot, clock, 61)
        await advance(pilot, clock, 60)
    assert rings == [1]


async def test_closed_from_outside_the_session_record_is_written_and_ended(clock, herenow_home: Path) -> None:
    """SIGHUP/SIGTERM mid-session (the blank screen up, even): the record is ended with its length, then exit."""
    import signal

    app = session_app(clock, deck_names=["frame"])
    async with app.run_test(size=(80, 24)) as pilot:
        record_id = app.screen.live.record.id
        await advance(pilot, clock, 17 * 60 + 30)  # no key pressed for 17 minutes: only the heartbeat wrote
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BlankScreen)
        app.close_from_outside(signal.SIGTERM)
        await pilot.pause()
    assert app.return_code == 128 + signal.SIGTERM
    saved = tomllib.loads((herenow_home / "sessions" / f"{record_id}.toml").read_text())
    assert saved["elapsed_seconds"] == 17 * 60 + 30 and saved["ended"] > saved["started"]


async def test_the_tick_writes_only_the_minute_heartbeat(clock, monkeypatch) -> None:
    writes = []
    save = SessionStore.save
    monkeypatch.setattr(SessionStore, "save", lambda self, record: (writes.append(record.elapsed_seconds),
                                                                    save(self, record)))
    app = session_app(clock, deck_names=["frame"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert writes == [0]  # on disk from the first frame on: a crash before any key still leaves the session
        writes.clear()
        for _ in range(150):  # two and a half minutes of once-a-second ticks
            clock.advance(1)
            app.screen.tick()
        await pilot.pause()
        assert "02:30 in" in text(app, "#timer")
        assert writes == [60, 120]
    assert writes == [60, 120, 150]  # the app closing with the session running: written once more, interrupted
