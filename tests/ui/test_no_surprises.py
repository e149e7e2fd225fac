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
        await pilot.pause()
        await pilot.press("enter")  # no supervisor's key: a plain file
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


async def test_the_home_screen_reports_config_decks_that_do_not_exist(clock, herenow_home) -> None:
    herenow_home.mkdir(parents=True, exist_ok=True)
    (herenow_home / "config.toml").write_text('decks = ["frame", "powr"]\n')
    app = home_app(clock)
    async with app.run_test(size=(100, 24)):
        box = app.screen.query_one("#home-problems")
        assert box.display
        assert "config.toml:1: decks: no deck named 'powr'; it is left out" in str(box.render())


async def test_a_failed_import_shows_every_problem_and_v_shows_them_again(clock, tmp_path) -> None:
    from herenow.ui.problem_list import ProblemList
    from herenow.ui.screens.workshop import WorkshopScreen
    from test_workshop_screen import type_text

    shared = tmp_path / "shared.toml"
    shared.write_text('name = "Shared Deck"\ntitle = "S"\n[[cues]]\nid = "a"\ntext = "A?"\n'
                      '[[cues]]\nid = "a"\ntext = "B?"\nphase = "soon"\n')
    app = HerenowApp(AppContext.load(now=clock), start="workshop")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("i")
        await type_text(pilot, str(shared))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProblemList)
        listed = [str(s.render()) for s in app.screen.query(".problem")]
        assert [line.replace(f"{tmp_path}/", "") for line in listed] == [
            "· shared.toml:1: name: use lowercase letters, digits and hyphens, starting with a letter or digit "
            "(like my-deck)",
            "· shared.toml:7: cues[2].id: 'a' is already the id of cue 1; each cue needs its own",
            "· shared.toml:9: cues[2].phase: should be opening, middle, closing or any",
        ]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WorkshopScreen)
        assert "(and 2 more: v shows them all)" in str(app.screen.query_one("#ws-message").render())
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ProblemList) and len(app.screen.query(".problem")) == 3
