"""Every screen at 40x12 (the smallest window herenow promises to be usable in), beside the 80x24 snapshots kept
with each screen's own tests. Update with: pytest --snapshot-update; look at each picture before accepting it."""

from __future__ import annotations

import pytest

from conftest import FakeClock, fill
from herenow.context import AppContext
from herenow.store.reflections import ReflectionStore
from herenow.ui.app import HerenowApp, SessionOptions
from herenow.ui.widgets.rating import Rating
from test_reflection_screen import make_record, open_reflection
from test_review_screen import STORE, save, settle
from test_workshop_screen import own_copy

SMALL = (40, 12)


def app_for(start: str, deck: str | None = None) -> HerenowApp:
    return HerenowApp(AppContext.load(now=FakeClock(), seed=4), start=start, deck=deck,
                      session=SessionOptions(deck_names=["here-and-now", "frame"]))


async def _reflection_top(pilot) -> None:
    await open_reflection(pilot, make_record())
    await fill(pilot, "She arrived late.")


async def _reflection_choices(pilot) -> None:
    screen = await open_reflection(pilot, make_record())
    screen.query_one("#feedback").focus()
    await pilot.pause()


async def _reflection_ratings(pilot) -> None:
    screen = await open_reflection(pilot, make_record())
    screen.query_one("#rating-direction", Rating).focus()
    await pilot.press("4")


async def _review(pilot) -> None:
    await settle(pilot)


async def _view(pilot) -> None:
    await settle(pilot)
    await pilot.press("down", "enter")
    await pilot.pause()


async def _trends(pilot) -> None:
    await settle(pilot)
    await pilot.press("t")
    await pilot.pause()


async def _workshop(pilot) -> None:
    await pilot.pause()
    await pilot.press("down")


async def _editor(pilot) -> None:
    await pilot.pause()
    await pilot.press("enter", "end")


async def _preview(pilot) -> None:
    await pilot.pause()
    await pilot.press("p")


async def _blank(pilot) -> None:
    await pilot.press("b")


SCREENS = {
    # name: (start, needs, run_before)
    "home": ("home", None, None),
    "reflection-top": ("home", None, _reflection_top),
    "reflection-choices": ("home", None, _reflection_choices),
    "reflection-ratings": ("home", None, _reflection_ratings),
    "review": ("review", "store", _review),
    "reflection-view": ("review", "store", _view),
    "trends": ("review", "store", _trends),
    "workshop": ("workshop", "deck", _workshop),
    "editor": ("workshop", "deck-open", _editor),
    "preview": ("workshop", "deck-open", _preview),
    "blank": ("session", None, _blank),
}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_screen_at_40x12(snap_compare, screen: str) -> None:
    start, needs, run_before = SCREENS[screen]
    deck = None
    if needs == "store":
        store = ReflectionStore()
        for entry in STORE:
            save(store, *entry)
    elif needs in ("deck", "deck-open"):
        name = own_copy("power")
        deck = name if needs == "deck-open" else None
    kwargs = {"run_before": run_before} if run_before else {}
    assert snap_compare(app_for(start, deck), terminal_size=SMALL, **kwargs)


@pytest.mark.parametrize("size", [(80, 24), SMALL], ids=["80x24", "40x12"])
def test_the_full_list_of_an_import_s_problems(snap_compare, tmp_path, monkeypatch, size) -> None:
    from test_workshop_screen import type_text

    shared = tmp_path / "shared.toml"
    shared.write_text('name = "Shared Deck"\ntitle = "S"\n[[cues]]\nid = "a"\ntext = "A?"\n'
                      '[[cues]]\nid = "a"\ntext = "B?"\nphase = "soon"\ncolour = "red"\n')

    async def run_before(pilot) -> None:
        await pilot.pause()
        await pilot.press("i")
        await type_text(pilot, "shared.toml")
        await pilot.press("enter")
        await pilot.pause()

    monkeypatch.chdir(tmp_path)  # a short, stable path in the picture
    assert snap_compare(app_for("workshop"), terminal_size=size, run_before=run_before)
