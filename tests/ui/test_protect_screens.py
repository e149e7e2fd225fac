"""Issue 10 in the app: a sealed draft waiting while locked is listed by its date and opens after the passphrase
(asked in the app: a password field, three tries, a calm line after a wrong one); tag completion never asks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from herenow.context import AppContext
from herenow.store import protection as protection_module
from herenow.store.drafts import DraftStore
from herenow.store.records import SessionRecord
from herenow.store.reflections import Answer, Reflection
from herenow.ui.app import HerenowApp

from conftest import PASSPHRASE, MadeKeys, fill, install_keys, screen_text

CANARY = "wistful-pelican-7731"


@pytest.fixture
def protected(made_keys: MadeKeys, herenow_home: Path) -> Path:
    protection_module._current.clear()
    install_keys(made_keys, herenow_home)
    yield herenow_home
    protection_module._current.clear()


def options(app: HerenowApp) -> list[str]:
    menu = app.screen.query_one("#home-actions", OptionList)
    return [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)]


async def test_a_sealed_draft_opens_after_the_passphrase_asked_in_the_app(clock, protected: Path) -> None:
    record = SessionRecord(id="2026-11-17-1400-ab12cd34", started=dt.datetime(2026, 11, 17, 14, 0, tzinfo=dt.UTC),
                           planned_minutes=50, elapsed_seconds=3000, decks=["frame"])
    DraftStore().save(Reflection(id=record.id, created=record.started, session=record,
                                 answers=[Answer(prompt="What happened?", text=f"typed {CANARY}")]))
    protection_module._current.clear()  # a new run: locked
    app = HerenowApp(AppContext.load(now=clock, seed=1))
    async with app.run_test(size=(100, 30)) as pilot:
        locked = "Reflect on the session from Tue 17 Nov, 14:00 (asks for your passphrase)"
        assert locked in options(app) and options(app)[0].startswith("Start")  # start stays at the top
        assert "herenow protect seals them" not in screen_text(app)  # protected: no offer
        app.screen.query_one("#home-actions", OptionList).highlighted = options(app).index(locked)
        await pilot.press("enter")
        await pilot.pause()
        field = app.screen.query_one("#unlock-passphrase", Input)
        assert field.password
        await fill(pilot, "not my passphrase")
        await pilot.press("enter")
        await pilot.pause()
        assert "That passphrase does not open them; please try again." in screen_text(app)
        assert "not my passphrase" not in screen_text(app)
        await fill(pilot, PASSPHRASE)
        await pilot.press("enter")
        await pilot.pause()
        from herenow.ui.screens.reflection import ReflectionScreen

        assert isinstance(app.screen, ReflectionScreen)
        assert f"typed {CANARY}" in screen_text(app)


async def test_without_protection_the_home_screen_offers_it_once_quietly_and_h_declines(clock) -> None:
    app = HerenowApp(AppContext.load(now=clock, seed=1))
    async with app.run_test(size=(100, 30)) as pilot:
        assert "Reflections are plain files; herenow protect seals them (h later · H never)" in screen_text(app)
        await pilot.press("H")
        await pilot.pause()
        assert "herenow protect" not in screen_text(app)
    assert 'protect_offer = "never"' in (Path(app.ctx.store.root).parent / "config.toml").read_text()
    app = HerenowApp(AppContext.load(now=clock, seed=1))
    async with app.run_test(size=(100, 30)):
        assert "herenow protect" not in screen_text(app)


async def test_tag_completion_has_nothing_to_offer_while_locked_and_never_asks(clock, protected: Path) -> None:
    app = HerenowApp(AppContext.load(now=clock, seed=1))
    async with app.run_test(size=(100, 30)):
        assert app.ctx.store.known_tags() == []
        assert protection_module.current().identity is None
