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
