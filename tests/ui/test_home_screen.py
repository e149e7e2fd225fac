"""The home screen: start a session with the chosen decks and length, see sessions waiting for a reflection."""

from pathlib import Path

from textual.widgets import OptionList, SelectionList

from herenow.context import AppContext
from herenow.ui.app import HerenowApp
from herenow.ui.screens.home import HomeScreen
from herenow.ui.screens.session import SessionScreen


def options(app: HerenowApp) -> list[str]:
    menu = app.screen.query_one("#home-actions", OptionList)
    return [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)]


async def test_start_a_preset_session_with_the_chosen_decks(clock) -> None:
    app = HerenowApp(AppContext.load(now=clock, seed=1))
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        assert options(app)[:3] == ["Start a 50-minute session", "Start a 45-minute session",
                                    "Start a 60-minute session"]
        decks = app.screen.query_one("#home-decks", SelectionList)
        assert sorted(decks.selected) == ["collaboration", "frame", "here-and-now", "rupture-repair"]
        decks.deselect_all()
        decks.select("power")
        await pilot.press("down", "enter")  # the 45-minute preset
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        assert app.screen.live.record.decks == ["power"]
        assert app.screen.live.clock.planned == 45 * 60


async def test_a_session_left_behind_is_offered_for_reflection(clock) -> None:
    app = HerenowApp(AppContext.load(now=clock, seed=1), start="session")
    async with app.run_test(size=(80, 24)) as pilot:
        clock.advance(1200)
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("left", "enter")
    app = HerenowApp(AppContext.load(now=clock, seed=1))
    async with app.run_test(size=(80, 24)) as pilot:
        # Start stays at the top; the waiting session comes right after the three lengths.
        assert options(app)[:4] == ["Start a 50-minute session", "Start a 45-minute session",
                                    "Start a 60-minute session",
                                    "Reflect on the 20-minute session from Wed 18 Nov, 11:06"]
        assert "1 session waiting for a reflection." in str(app.screen.query_one("#home-waiting").render())
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        from herenow.ui.screens.reflection import ReflectionScreen

        assert isinstance(app.screen, ReflectionScreen) and app.screen.record.elapsed_seconds == 1200


async def test_problems_with_files_are_shown_quietly_not_fatal(clock, herenow_home: Path) -> None:
    (herenow_home / "decks").mkdir(parents=True)
    (herenow_home / "decks" / "oops.toml").write_text("name = \n")
    app = HerenowApp(AppContext.load(now=clock))
    async with app.run_test(size=(80, 24)):
        box = app.screen.query_one("#home-problems")
        assert box.display and "oops.toml:1: TOML syntax error" in str(box.render())
        assert options(app)[0] == "Start a 50-minute session"


async def test_no_color_is_honoured(clock, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = HerenowApp(AppContext.load(now=clock))
    async with app.run_test(size=(80, 24)):
        assert app.no_color
