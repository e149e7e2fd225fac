"""Every terminal: colour is never the only signal (16 colours, NO_COLOR), and a dumb terminal gets one line."""

import re

import pytest

from conftest import screen_text
from herenow.cli import main
from herenow.context import AppContext
from herenow.ui.app import HerenowApp, SessionOptions
from herenow.ui.widgets.rating import Rating
from herenow.ui.widgets.session_widgets import DrainBar


def session_app(clock) -> HerenowApp:
    return HerenowApp(AppContext.load(now=clock, seed=4), start="session",
                      session=SessionOptions(deck_names=["frame"], planned_seconds=50 * 60))


def bar_cells(app) -> str:
    bar = app.screen.query_one(DrainBar)
    return str(bar.render())


async def test_on_16_colours_the_bar_drains_in_characters_not_only_colour(clock, monkeypatch) -> None:
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM")
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        clock.advance(25 * 60)
        app.screen.tick()
        await pilot.pause()
        cells = bar_cells(app)
        half = len(cells) // 2
        assert set(cells[:half - 1]) == {"█"} and set(cells[half + 1:]) == {"░"}
        clock.advance(15 * 60)  # 10 minutes left: the warning is in words, not only a colour
        app.screen.tick()
        await pilot.pause()
        assert "10 min left" in screen_text(app)


async def test_in_full_colour_the_bar_stays_one_thin_line(clock) -> None:
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        clock.advance(25 * 60)
        app.screen.tick()
        await pilot.pause()
        assert set(bar_cells(app)) == {"━"}


async def test_no_color_means_no_colour_at_all(clock, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        clock.advance(40 * 60 + 15)
        app.screen.tick()
        await pilot.pause()
        svg = app.export_screenshot()
        # Every cell is drawn in the terminal's own two colours: one for text, one for the background.
        text_colours = set(re.findall(r"\.terminal-[\w-]*r\d+ \{ fill: (#[0-9a-f]{6})", svg))
        backgrounds = set(re.findall(r'<rect fill="(#[0-9a-f]{6})" x="[0-9.]+" y="[0-9.]+" width', svg))
        assert len(text_colours) == 1 and len(backgrounds) <= 1, (text_colours, backgrounds)
        text = screen_text(app)
        assert "10 min left" in text and "█" in text and "░" in text


async def test_home_ticks_read_without_colour(clock) -> None:
    app = HerenowApp(AppContext.load(now=clock))
    async with app.run_test(size=(80, 24)) as pilot:
        text = screen_text(app)
        assert "[x] Collaboration" in text and "[ ] Endings and breaks" in text  # ten decks: Power is further down
        decks = app.screen.query_one("#home-decks")
        decks.focus()
        decks.highlighted = 0
        await pilot.press("space")  # untick the first deck
        await pilot.pause()
        assert "[ ] Collaboration" in screen_text(app)


async def test_the_chosen_rating_is_bracketed(clock) -> None:
    app = session_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        rating = app.screen.query(Rating).first()
        rating.focus()
        await pilot.press("4")
        assert " 1  2  3 [4] 5 " in str(rating.render())


@pytest.mark.parametrize("term", ["dumb", "unknown"])
def test_a_dumb_terminal_gets_one_line_and_exit_2(capsys, monkeypatch, term) -> None:
    monkeypatch.setenv("TERM", term)
    assert main(["session"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("herenow: needs a terminal that can draw a full screen") and f"'{term}'" in err


async def lines_once_shown(pilot, app, wanted) -> list[str]:
    """The screen's lines once one is ``wanted``: focusing scrolls a field into view a refresh or two later (more
    on a busy machine), so give it up to 20 pauses rather than exactly one."""
    for _ in range(20):
        await pilot.pause()
        lines = screen_text(app).splitlines()
        if any(wanted(line) for line in lines):
            break
    return lines


@pytest.mark.parametrize("width", [40, 50, 60])
async def test_in_a_narrow_window_every_rating_and_choice_is_on_screen(clock, width) -> None:
    """At 60 columns "no" was cut off, at 50 the rating "5", at 40 all of them: now they wrap onto their own line."""
    app = session_app(clock)
    async with app.run_test(size=(width, 12)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#feedback").focus()
        lines = await lines_once_shown(pilot, app, lambda line: "( ) yes" in line and "( ) no" in line)
        assert any("( ) yes" in line and "( ) no" in line for line in lines), lines
        for rating in screen.query(Rating):
            rating.focus()
            await pilot.press("5")
            lines = await lines_once_shown(pilot, app, lambda line: " 1  2  3  4 [5]" in line)
            assert any(" 1  2  3  4 [5]" in line for line in lines), (rating.label, lines)
            region = rating.region
            assert region.right <= width and rating.size.width >= 15
