"""No surprises in the app: exports land in the exports folder, starting with no deck ticked says so, the deck
choice is remembered, and the terminal's title comes back."""

from __future__ import annotations

from pathlib import Path

import pytest

from herenow.context import AppContext
from herenow.ui.app import HerenowApp
from herenow.ui.dialogs import PathPrompt
from test_review_screen import settle, store  # noqa: F401  (the store fixture: twelve reflections)


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch) -> Path:
    """The shell's current folder, where a bare file name used to land by accident."""
    folder = tmp_path / "where-the-shell-was"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


async def test_workshop_export_of_a_bare_name_goes_to_the_exports_folder(clock, herenow_home, elsewhere) -> None:
    app = HerenowApp(AppContext.load(now=clock), start="workshop")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, PathPrompt)
        field = app.screen.query_one("#path")
        exports = herenow_home / "exports"
        assert Path(field.value).parent == exports  # the suggestion says where it goes
        field.value = "for-my-group.toml"
        await pilot.press("enter")
        await pilot.pause()
        assert (exports / "for-my-group.toml").exists()
        assert list(elsewhere.iterdir()) == []
        assert str(exports / "for-my-group.toml") in str(app.screen.query_one("#ws-message").render())


async def test_review_export_of_a_bare_name_goes_to_the_exports_folder(store, clock, herenow_home,  # noqa: F811
                                                                       elsewhere) -> None:
    app = HerenowApp(AppContext.load(now=clock), start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#path").value = "supervision.md"
        await pilot.press("enter")
        await settle(pilot)
        assert (herenow_home / "exports" / "supervision.md").exists()
        assert list(elsewhere.iterdir()) == []


async def test_an_explicit_dot_slash_still_means_the_current_folder(clock, herenow_home, elsewhere) -> None:
    app = HerenowApp(AppContext.load(now=clock), start="workshop")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#path").value = "./here.toml"
        await pilot.press("enter")
        await pilot.pause()
        assert (elsewhere / "here.toml").exists()


def home_app(clock) -> HerenowApp:
    return HerenowApp(AppContext.load(now=clock, seed=1))


async def test_starting_with_no_deck_ticked_says_so_and_does_not_start(clock) -> None:
    from textual.widgets import SelectionList

    from herenow.ui.screens.home import HomeScreen

    app = home_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#home-decks", SelectionList).deselect_all()
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "No deck is ticked; tick one or more below for the session." in str(
            app.screen.query_one("#home-waiting").render())
        await pilot.press("enter")  # the "Start a 50-minute session" row: the same
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_the_last_choice_of_decks_is_remembered(clock, herenow_home) -> None:
    from textual.widgets import SelectionList

    from herenow.config import load_config

    app = home_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        decks = app.screen.query_one("#home-decks", SelectionList)
        decks.deselect_all()
        decks.select("power")
        decks.select("frame")
        await pilot.press("s")
        await pilot.pause()
        assert app.screen.live.record.decks == ["frame", "power"]
    assert load_config()[0].decks == ["frame", "power"]
    app = home_app(clock)
    async with app.run_test(size=(80, 24)):
        assert app.screen.chosen_decks() == ["frame", "power"]
