"""The session served in a browser (`--served`): buttons and a tap on the card; over the local network, "end"
says where the reflection waits and shows no reflection. Resuming from the home screen and after a drop."""

import tomllib
from pathlib import Path

from textual.widgets import Button, Static

from herenow.context import AppContext
from herenow.store.records import SessionStore
from herenow.ui.app import HerenowApp, SessionOptions
from herenow.ui.screens.blank import BlankScreen
from herenow.ui.screens.kept import KEPT_TEXT, KeptScreen
from herenow.ui.screens.session import SessionScreen


def served_app(clock, served="lan", **options) -> HerenowApp:
    ctx = AppContext.load(now=clock, seed=4)
    return HerenowApp(ctx, start="session", session=SessionOptions(served=served, **options))


def on_disk(record_id: str, home: Path) -> dict:
    return tomllib.loads((home / "sessions" / f"{record_id}.toml").read_text())


async def test_touch_buttons_and_a_tap_on_the_card(clock, herenow_home: Path, tmp_path: Path) -> None:
    app = served_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        labels = [str(b.label) for b in screen.query(Button)]
        assert labels == ["next", "mark", "blank", "pause", "end"]
        record_id = screen.live.record.id
        first = screen.query_one("#cue", Static).shown
        app.save_screenshot(str(tmp_path / "served.svg"))
        await pilot.click("#cue")
        assert screen.query_one("#cue", Static).shown != first
        assert len(on_disk(record_id, herenow_home)["cues_shown"]) == 2
        clock.advance(95)
        await pilot.click("#touch-mark")
        assert on_disk(record_id, herenow_home)["moments"] == [{"kind": "moment", "at": 95}]
        await pilot.click("#touch-pause")
        assert str(screen.query_one("#touch-pause", Button).label) == "resume"
        assert screen.live.clock.paused
        await pilot.click("#touch-pause")
        await pilot.click("#touch-blank")
        assert isinstance(app.screen, BlankScreen)
        await pilot.click(offset=(10, 10))
        assert app.screen is screen
        await pilot.click("#touch-end")
        await pilot.pause()
        assert isinstance(app.screen, KeptScreen)
        assert app.screen.query_one("#kept", Static).content == KEPT_TEXT
        # The record waits for a reflection on the computer; nothing of a reflection was drawn here.
        assert "ended" in on_disk(record_id, herenow_home)
        assert not list((herenow_home).rglob("drafts/*.toml"))


async def test_the_terminal_session_has_no_buttons_and_a_click_changes_nothing(clock) -> None:
    ctx = AppContext.load(now=clock, seed=4)
    app = HerenowApp(ctx, start="session")
    async with app.run_test(size=(80, 24)) as pilot:
        first = app.screen.query_one("#cue", Static).shown
        assert not list(app.screen.query(Button))
        await pilot.click("#cue")
        assert app.screen.query_one("#cue", Static).shown == first


async def test_served_locally_end_leads_to_the_reflection(clock) -> None:
    app = served_app(clock, served="local")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#touch-end")
        await pilot.pause()
        assert type(app.screen).__name__ == "ReflectionScreen"


async def test_a_dropped_connection_leaves_the_session_interrupted_and_the_next_resumes_it(clock, herenow_home) -> None:
    app = served_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.screen.live
        record_id = live.record.id
        await pilot.click("#cue")
        clock.advance(7 * 60)
        await pilot.click("#touch-mark")
        clock.advance(20)
        app.exit()  # what the web driver does when `herenow serve` says the connection is gone
        await pilot.pause()
    saved = on_disk(record_id, herenow_home)
    assert saved["interrupted"] is True and saved["elapsed_seconds"] == 7 * 60 + 20
    assert not SessionStore().in_use_elsewhere(record_id)

    clock.advance(40)  # the tablet reconnects 40 seconds later
    from herenow.ui.launch import _to_resume

    ctx = AppContext.load(now=clock, seed=4)
    record = _to_resume(ctx, None, served="lan")
    assert record is not None and record.id == record_id
    again = HerenowApp(ctx, start="session", session=SessionOptions(served="lan", resume=record))
    async with again.run_test(size=(80, 24)) as pilot:
        live = again.screen.live
        assert live.record.id == record_id and live.elapsed() == 8 * 60
        ids = [c.id for c in live.record.cues_shown]
        assert ids[:2] == [c["id"] for c in saved["cues_shown"]] and len(set(ids)) == len(ids)
        # The card shows the cue the record shows last (a cue fell due at 4:00: dealt now, not repeated).
        assert again.screen.query_one("#cue", Static).shown == live.record.cues_shown[-1].text


async def test_home_offers_resume_beside_reflect(clock, herenow_home) -> None:
    first = HerenowApp(AppContext.load(now=clock, seed=4), start="session")
    async with first.run_test(size=(80, 24)) as pilot:
        record_id = first.screen.live.record.id
        clock.advance(5 * 60)
        first.screen.tick()
        import signal

        first.close_from_outside(signal.SIGHUP)
        await pilot.pause()
    clock.advance(60)
    home = HerenowApp(AppContext.load(now=clock, seed=4))
    async with home.run_test(size=(100, 30)) as pilot:
        actions = home.screen.query_one("#home-actions")
        ids = [actions.get_option_at_index(i).id for i in range(actions.option_count)]
        at = ids.index(f"record:{record_id}")
        assert ids[at + 1] == f"resume:{record_id}" and ids[0].startswith("start:")  # start stays at the top
        actions.highlighted = at + 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(home.screen, SessionScreen)
        assert home.screen.live.record.id == record_id and home.screen.live.elapsed() == 6 * 60
        assert not list(home.screen.query(Button)), "in the terminal, a resumed session looks as a new one does"
