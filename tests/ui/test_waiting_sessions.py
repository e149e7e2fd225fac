"""Waiting sessions under control: the newest three on the home screen and a count of the rest; each can be
reflected on, set aside ("not now", kept) or dismissed for good (kept, marked, never pretending to be a
reflection); start stays at the top."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from textual.widgets import OptionList

from herenow.context import AppContext
from herenow.store.records import SessionRecord, SessionStore
from herenow.ui.app import HerenowApp
from herenow.ui.dialogs import Choice
from herenow.ui.screens.reflection import ReflectionScreen

UTC = dt.timezone.utc


def left_behind(count: int) -> list[SessionRecord]:
    """``count`` quit or crashed sessions, one a day from 1 November at 10:00, 20 + day minutes long."""
    store = SessionStore()
    records = []
    for day in range(1, count + 1):
        started = dt.datetime(2026, 11, day, 10, 0, tzinfo=UTC)
        record = SessionRecord(id=f"2026-11-{day:02d}-1000-ab{day:02d}", started=started, planned_minutes=50,
                               elapsed_seconds=(20 + day) * 60, decks=["frame"])
        store.save(record)
        records.append(record)
    return records


def options(app) -> list[str]:
    menu = app.screen.query_one("#home-actions", OptionList)
    return [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)]


async def go_to(pilot, label: str) -> None:
    menu = pilot.app.screen.query_one("#home-actions", OptionList)
    menu.highlighted = options(pilot.app).index(label)
    await pilot.pause()


def waiting_line(app) -> str:
    return str(app.screen.query_one("#home-waiting").render())


async def test_nine_waiting_show_the_newest_three_and_a_count_and_start_stays_on_top(clock) -> None:
    left_behind(9)
    app = HerenowApp(AppContext.load(now=clock))
    async with app.run_test(size=(80, 24)) as pilot:
        assert options(app)[:7] == [
            "Start a 50-minute session", "Start a 45-minute session", "Start a 60-minute session",
            "Reflect on the 29-minute session from Mon 09 Nov, 10:00",
            "Reflect on the 28-minute session from Sun 08 Nov, 10:00",
            "Reflect on the 27-minute session from Sat 07 Nov, 10:00",
            "and 6 more: v to see all",
        ]
        assert "9 sessions waiting for a reflection." in waiting_line(app)
        await pilot.press("v")
        await pilot.pause()
        listed = options(app)
        assert len([o for o in listed if o.startswith("Reflect on")]) == 9
        assert "fewer: v shows only the newest" in listed and listed[0] == "Start a 50-minute session"
        await pilot.press("v")
        await pilot.pause()
        assert "and 6 more: v to see all" in options(app)


async def test_not_now_sets_a_session_aside_and_keeps_it(clock, herenow_home) -> None:
    records = left_behind(4)
    app = HerenowApp(AppContext.load(now=clock))
    async with app.run_test(size=(80, 24)) as pilot:
        from conftest import screen_text

        assert "not now" not in screen_text(app)  # on a start row the footer does not offer it
        await go_to(pilot, "Reflect on the 24-minute session from Wed 04 Nov, 10:00")
        assert "n not now" in screen_text(app) and "x dismiss" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        listed = options(app)
        assert "Reflect on the 24-minute session from Wed 04 Nov, 10:00" not in listed
        assert "Reflect on the 21-minute session from Sun 01 Nov, 10:00" in listed  # the next one moves up
        assert listed[6] == "and 1 more: v to see all"
        assert "3 sessions waiting for a reflection. (1 set aside)" in waiting_line(app)
        saved = tomllib.loads((herenow_home / "sessions" / f"{records[3].id}.toml").read_text())
        assert saved["set_aside"] is True
        await pilot.press("v")
        await pilot.pause()
        aside = "Reflect on the 24-minute session from Wed 04 Nov, 10:00 (set aside)"
        assert aside in options(app)
        await go_to(pilot, aside)  # n again brings it back
        await pilot.press("n")
        await pilot.pause()
        assert "Reflect on the 24-minute session from Wed 04 Nov, 10:00" in options(app)
        await go_to(pilot, "Reflect on the 24-minute session from Wed 04 Nov, 10:00")
        await pilot.press("enter")  # and it can be reflected on as any other
        await pilot.pause()
        assert isinstance(app.screen, ReflectionScreen) and app.screen.record.id == records[3].id


@pytest.mark.parametrize("answer", ["Dismiss", "Keep it"])
async def test_dismiss_asks_then_keeps_the_record_marked_and_writes_no_reflection(clock, herenow_home,
                                                                                 answer) -> None:
    records = left_behind(2)
    app = HerenowApp(AppContext.load(now=clock))
    label = "Reflect on the 22-minute session from Mon 02 Nov, 10:00"
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to(pilot, label)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, Choice)
        assert "No reflection is written for it" in str(app.screen.query_one("#question").render())
        app.screen.query_one(f"#choice-{'yes' if answer == 'Dismiss' else 'no'}").press()
        await pilot.pause()
        pending = herenow_home / "sessions" / f"{records[1].id}.toml"
        dismissed = herenow_home / "sessions" / "dismissed" / f"{records[1].id}.toml"
        if answer == "Keep it":
            assert label in options(app) and pending.exists() and not dismissed.exists()
            return
        assert label not in options(app) and not pending.exists()
        kept = tomllib.loads(dismissed.read_text())
        assert kept["id"] == records[1].id and kept["elapsed_seconds"] == 22 * 60 and "dismissed" in kept
        assert not (herenow_home / "reflections").exists() or not any((herenow_home / "reflections").rglob("*.toml"))
        assert "Dismissed; its record is kept" in waiting_line(app)
    app = HerenowApp(AppContext.load(now=clock))  # and it is not offered again
    async with app.run_test(size=(80, 24)):
        assert label not in options(app) and "1 session waiting" in waiting_line(app)


async def test_n_and_x_do_nothing_on_a_start_row(clock, herenow_home) -> None:
    left_behind(1)
    app = HerenowApp(AppContext.load(now=clock))
    async with app.run_test(size=(80, 24)) as pilot:
        before = options(app)
        await pilot.press("x", "n")
        await pilot.pause()
        assert options(app) == before and not isinstance(app.screen, Choice)
        assert (herenow_home / "sessions" / "2026-11-01-1000-ab01.toml").exists()


def test_snapshot_nine_waiting(snap_compare) -> None:
    from conftest import FakeClock

    left_behind(9)
    assert snap_compare(HerenowApp(AppContext.load(now=FakeClock())), terminal_size=(80, 24))
