"""SVG snapshots of the home, session and blank screens. Update with: pytest --snapshot-update"""

from pathlib import Path

import pytest

import herenow.ui.app

from conftest import FakeClock
from herenow.context import AppContext
from herenow.ui.app import HerenowApp, SessionOptions


def app_for(start: str = "session", theme: str | None = None, clock: FakeClock | None = None) -> HerenowApp:
    ctx = AppContext.load(now=clock or FakeClock(), seed=4)
    return HerenowApp(ctx, start=start, theme=theme, session=SessionOptions(deck_names=["here-and-now", "frame"]))


@pytest.mark.parametrize("size", [(80, 24), (40, 12)])
@pytest.mark.parametrize("theme", ["herenow-dusk", "herenow-contrast"])
@pytest.mark.parametrize("moment", ["start", "warning"])
def test_session_screen(snap_compare, size, theme, moment) -> None:
    clock = FakeClock()

    async def run_before(pilot) -> None:
        await pilot.pause()  # the first screen composed
        if moment == "warning":
            clock.advance(40 * 60 + 15)
            pilot.app.screen.tick()
        await pilot.pause()

    assert snap_compare(app_for(theme=theme, clock=clock), terminal_size=size, run_before=run_before)


def test_session_screen_with_detail_and_a_mark(snap_compare) -> None:
    clock = FakeClock()

    async def run_before(pilot) -> None:
        await pilot.pause()  # the first screen composed
        clock.advance(12 * 60 + 5)
        pilot.app.screen.tick()
        await pilot.press("d", "m")

    assert snap_compare(app_for(clock=clock), terminal_size=(80, 24), run_before=run_before)


def test_session_screen_small_with_detail(snap_compare) -> None:
    assert snap_compare(app_for(), terminal_size=(40, 12), press=["d"])


def test_session_screen_compact(snap_compare) -> None:
    ctx = AppContext.load(now=FakeClock(), seed=4)
    app = HerenowApp(ctx, start="session", session=SessionOptions(compact=True))
    assert snap_compare(app, terminal_size=(80, 24))


def test_blank_screen(snap_compare) -> None:
    assert snap_compare(app_for(), terminal_size=(80, 24), press=["b"])


@pytest.mark.parametrize("theme", ["herenow-dusk", "herenow-paper", "herenow-ember"])
def test_home_screen(snap_compare, theme) -> None:
    assert snap_compare(app_for("home", theme=theme), terminal_size=(80, 24))


class SixteenColourApp(HerenowApp):
    """The app on a 16-colour terminal, pictured as such: the snapshot shows the colours such a terminal gets."""

    CSS_PATH = str(Path(herenow.ui.app.__file__).with_name("herenow.tcss"))

    def get_line_filters(self):
        return [*super().get_line_filters(), _Downgrade16()]


class _Downgrade16:
    enabled = True

    def apply(self, segments, background):
        from rich.color import ColorSystem
        from rich.segment import Segment
        from rich.style import Style

        def down(color):
            return None if color is None else color.downgrade(ColorSystem.STANDARD)

        return [Segment(text, style if style is None else style + Style(color=down(style.color),
                                                                          bgcolor=down(style.bgcolor)), control)
                for text, style, control in segments]


@pytest.mark.parametrize("screen", ["session", "home"])
@pytest.mark.parametrize("colours", ["16", "none"])
def test_few_colours(snap_compare, monkeypatch, screen, colours) -> None:
    """TERM=linux (16 colours) and NO_COLOR: the bar drains in characters, ticks read [x], warnings in words."""
    clock = FakeClock()
    if colours == "16":
        monkeypatch.setenv("TERM", "linux")
        monkeypatch.delenv("COLORTERM")
    else:
        monkeypatch.setenv("NO_COLOR", "1")
    ctx = AppContext.load(now=clock, seed=4)
    app = (SixteenColourApp if colours == "16" else HerenowApp)(
        ctx, start=screen, session=SessionOptions(deck_names=["here-and-now", "frame"]))

    async def run_before(pilot) -> None:
        await pilot.pause()  # the first screen composed
        if screen == "session":
            clock.advance(40 * 60 + 15)  # past half-way, and the 10-minute warning
            pilot.app.screen.tick()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
