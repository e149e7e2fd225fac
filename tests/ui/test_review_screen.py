"""The review screen, the reflection view and the trends, driven as a user would (and snapshots of each)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from conftest import fill, mode
from herenow.context import AppContext
from herenow.store.records import CueEvent, Moment, SessionRecord
from herenow.store.indexed import IndexedStore as ReflectionStore
from herenow.store.reflections import DEFAULT_PROMPTS, new_reflection
from herenow.ui.app import HerenowApp
from herenow.ui.screens.reflection_view import ReflectionViewScreen
from herenow.ui.dialogs import PathPrompt
from herenow.ui.screens.review import ReviewScreen
from herenow.ui.screens.trends import TrendsScreen

UTC = dt.timezone.utc

# (month, day, hour, first answer, tags, decks, connection rating)
STORE = [
    (10, 5, 9, "We started slowly and found our footing.", ["first-session"], ["collaboration"], 4),
    (10, 7, 14, "There was a long silence about the father.", ["grief"], ["here-and-now"], 4),
    (10, 12, 10, "The client arrived late and apologised twice.", ["lateness"], ["frame"], 5),
    (10, 14, 11, "We talked about the move and what it costs.", [], ["collaboration", "power"], 4),
    (10, 19, 9, "I noticed I was rushing to fill the gaps.", ["silence"], ["here-and-now"], 4),
    (10, 21, 15, "A warm session; we laughed once.", ["humour"], ["recognition"], 5),
    (10, 26, 10, "Something went wrong when I explained too much.", ["rupture"], ["rupture-repair"], 2),
    (10, 28, 13, "We came back to last week's rupture and repaired it.", ["repair", "rupture"],
     ["rupture-repair", "here-and-now"], 4),
    (11, 2, 9, "Grief again, closer this time.", ["grief"], ["here-and-now"], 4),
    (11, 9, 16, "Work stress; we agreed a focus together.", ["work-stress"], ["collaboration"], 3),
    (11, 16, 10, "Quiet session, the supervision question came up.", ["supervision"], ["power"], 4),
    (11, 17, 14, "The ending is coming; we named it together.", ["ending"], ["frame", "collaboration"], 4),
]


def save(store: ReflectionStore, month: int, day: int, hour: int, text: str, tags, decks, connection: int):
    started = dt.datetime(2026, month, day, hour, 0, tzinfo=UTC)
    cue = CueEvent(deck=decks[0], id="c-01", text="What is happening between us right now?", at=610)
    record = SessionRecord(
        id=f"{started:%Y-%m-%d-%H%M}-{day:02d}{hour:02d}", started=started,
        ended=started + dt.timedelta(minutes=50), planned_minutes=50, elapsed_seconds=50 * 60 - day, decks=decks,
        cues_shown=[cue, CueEvent(deck=decks[0], id="c-02", text="How do we want to close today?", at=2500)],
        acted_on=[CueEvent(deck=decks[0], id="c-01", text=cue.text, at=640)] if day % 2 else [],
        moments=[Moment(kind="moment", at=900 + day * 10)] + ([Moment(kind="rupture", at=1800)]
                                                              if "rupture" in tags else []))
    reflection = new_reflection(record, list(DEFAULT_PROMPTS))
    reflection.answers[0].text = ("[b]Laughs[/b] " if day == 14 else "") + text
    reflection.answers[1].text = "My part was wanting to help too soon."
    reflection.ratings = {"connection": connection, "direction": 3 + day % 2, "choice": 4}
    reflection.tags = list(tags)
    reflection.note = "Check the pace next time." if day % 3 == 0 else ""
    store.save(reflection)
    return reflection


@pytest.fixture
def store() -> ReflectionStore:
    store = ReflectionStore()
    for entry in STORE:
        save(store, *entry)
    return store


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for the user's home folder (exports go there by default, unless HERENOW_HOME is set)."""
    folder = tmp_path / "user-home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


def new_app(clock) -> HerenowApp:
    return HerenowApp(AppContext.load(now=clock), start="review")


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def ready(pilot) -> ReviewScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


def first_column(screen: ReviewScreen) -> list[str]:
    """The dates in the table (the Date column without its time)."""
    table = screen.table
    return [str(table.get_row_at(i)[0])[:10] for i in range(table.row_count)]


def headers(screen: ReviewScreen) -> list[str]:
    """The column headers as they show on screen: each label cut to its column's width."""
    return [str(col.label)[: col.width] for col in screen.table.ordered_columns]


def title(screen) -> str:
    widget = screen.query_one("#review-title") if isinstance(screen, ReviewScreen) else screen.query_one(
        "#view-title")
    return str(widget.render())


def status(screen: ReviewScreen) -> str:
    return str(screen.query_one("#review-status").render())


# ---------------------------------------------------------------------------- the table
async def test_table_lists_newest_first_with_the_count(store, clock) -> None:
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert first_column(screen)[:2] == ["2026-11-17", "2026-11-16"]
        assert len(first_column(screen)) == 12
        assert "12 reflections" in title(screen) and "newest first" in title(screen)
        row = screen.table.get_row_at(0)
        assert str(row[0]) == "2026-11-17 14:00"  # the time too, even at 80 columns
        assert [str(cell) for cell in (row[1], row[3], row[4])] == ["50 min", "4 4 4", "ending"]
        assert str(row[2]) == "frame, …"  # whole words that fit 80 columns, and a mark for the rest
        assert str(row[5]).startswith("The ending …")
        assert str(screen.table.get_row_at(8)[5]).startswith("[b]Laughs[/b]")  # words, never markup


async def test_filter_as_you_type_across_answers_and_notes(store, clock) -> None:
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("slash", *"grief")
        await pilot.pause(0.3)
        assert first_column(screen) == ["2026-11-02", "2026-10-07"]
        assert "2 of 12 match" in title(screen)
        await fill(pilot, " closer")
        await pilot.pause(0.3)
        assert first_column(screen) == ["2026-11-02"]
        search = screen.query_one("#filter-search")
        search.value = "check the PACE"  # the note counts too
        await pilot.pause(0.3)
        assert first_column(screen) == ["2026-11-09", "2026-10-21", "2026-10-12"]
        search.value = "nothing like this anywhere"
        await pilot.pause(0.3)
        assert first_column(screen) == [] and "0 of 12 match" in title(screen)


async def test_tag_deck_and_date_filters(store, clock) -> None:
    async with new_app(clock).run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        screen.query_one("#filter-tag").value = "rupture"
        await pilot.pause()
        assert [d[:10] for d in first_column(screen)] == ["2026-10-28", "2026-10-26"]
        screen.query_one("#filter-tag").clear()
        screen.query_one("#filter-deck").value = "frame"
        await pilot.pause()
        assert [d[:10] for d in first_column(screen)] == ["2026-11-17", "2026-10-12"]
        screen.query_one("#filter-deck").clear()
        screen.query_one("#filter-range").value = "week"  # the fake clock says Wednesday 18 November 2026
        await pilot.pause()
        assert [d[:10] for d in first_column(screen)] == ["2026-11-17", "2026-11-16"]
        screen.query_one("#filter-range").value = "month"
        await pilot.pause()
        assert len(first_column(screen)) == 4
        screen.query_one("#filter-range").value = "custom"
        await pilot.pause()
        assert screen.query_one("#filter-custom").has_class("shown")
        await fill(pilot, "2026-10-20")  # the "from" box has the focus
        await pilot.press("tab", *"2026-10-31")
        await pilot.pause(0.3)
        assert [d[:10] for d in first_column(screen)] == ["2026-10-28", "2026-10-26", "2026-10-21"]
        screen.query_one("#filter-until").value = "31/10/2026"  # a mistake: a quiet note, no crash
        await pilot.pause(0.3)
        assert "is not a date like 2026-11-18" in status(screen)
        assert len(first_column(screen)) == 3  # the last good filter stays


async def test_sort_by_key_and_by_header(store, clock) -> None:
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert headers(screen)[:2] == ["Date ▼", "Length"]
        await pilot.press("s")  # date -> length, longest first
        assert screen.order == "length" and "by length, high to low" in title(screen)
        assert headers(screen)[:2] == ["Date", "Length ▼"]  # the arrow fits, on the column sorted
        assert first_column(screen)[0] == "2026-11-02"  # 50 min minus 2 s
        await pilot.press("r")
        assert headers(screen)[1] == "Length ▲"
        assert first_column(screen)[0] == "2026-10-28"
        # Click the "Ratings" header: highest average first, then lowest first.
        table = screen.table
        x = sum(col.get_render_width(table) for col in table.ordered_columns[:3]) + 2
        await pilot.click("#review-table", offset=(x, 0))
        await pilot.pause()
        assert screen.order == "ratings" and screen.descending
        assert first_column(screen)[0] == "2026-10-21"
        await pilot.click("#review-table", offset=(x, 0))
        await pilot.pause()
        assert not screen.descending and first_column(screen)[0] == "2026-10-26"
        assert headers(screen) == ["Date", "Length", "Decks", "Ratings ▲", "Tags", "First words"]
        for _ in range(2):  # on to the first words, the widest label
            await pilot.press("s")
        assert screen.order == "preview" and headers(screen)[-1] == "First words ▲"
        total = sum(col.get_render_width(screen.table) for col in screen.table.ordered_columns)
        assert total <= screen.table.size.width  # still no sideways scrolling at 80 columns


async def test_two_sessions_on_one_day_are_told_apart_by_their_time(clock) -> None:
    store = ReflectionStore()
    save(store, 11, 23, 9, "Morning session.", [], ["frame"], 4)
    save(store, 11, 23, 10, "Later the same day.", [], ["frame"], 4)
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert [str(screen.table.get_row_at(i)[0]) for i in range(2)] == ["2026-11-23 10:00", "2026-11-23 09:00"]


async def test_many_reflections_load_page_by_page(clock) -> None:
    store = ReflectionStore()
    for i in range(130):
        started = dt.datetime(2025, 1, 1, 9, tzinfo=UTC) + dt.timedelta(hours=i)
        record = SessionRecord(id=f"{started:%Y-%m-%d-%H%M}-{i:04x}", started=started, planned_minutes=50,
                               elapsed_seconds=3000)
        reflection = new_reflection(record, ["What happened?"])
        reflection.answers[0].text = f"Session number {i}."
        store.save(reflection)
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert screen.table.row_count < 130 and "130 reflections" in title(screen)
        await pilot.press("end")
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        assert screen.table.row_count == 130
        assert screen.rids[screen.table.cursor_row] == screen.rids[-1]
        assert str(screen.table.get_row_at(screen.table.cursor_row)[0]) == "2025-01-01 09:00"  # the oldest


# ---------------------------------------------------------------------------- one reflection
async def test_open_and_move_between_reflections(store, clock) -> None:
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        view = pilot.app.screen
        assert isinstance(view, ReflectionViewScreen)
        assert "Monday 16 November 2026, 10:00" in title(view) and "2 of 12" in title(view)
        assert view.reflection.answers[0].text.startswith("Quiet session")
        body = view.query_one("#view-markdown")
        assert "My part was wanting to help too soon." in body.source
        details = view.query_one("#view-details")
        assert "acted on" not in str(details.render())  # 16 is even: nothing acted on that day
        await pilot.press("n")
        assert "Monday 09 November 2026" in title(view) and "acted on at 10:40" in str(details.render())
        await pilot.press("p", "p")
        assert "Tuesday 17 November 2026" in title(view)
        await pilot.press("p")  # already the first: stays
        assert "1 of 12" in title(view)
        await pilot.press("right", "right")
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert screen.table.cursor_row == 2  # where the view was


async def test_open_a_filtered_reflection_navigates_within_the_matches(store, clock) -> None:
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"rupture", "enter")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        view = pilot.app.screen
        assert "1 of 2" in title(view)
        await pilot.press("n")
        assert "2 of 2" in title(view) and "October 2026" in title(view)
        await pilot.press("n")
        assert "2 of 2" in title(view)


# ---------------------------------------------------------------------------- export and delete
async def test_export_what_is_filtered(store, clock, home, herenow_home) -> None:
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("slash", *"grief", "enter")
        await pilot.pause(0.3)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PathPrompt)
        assert not (herenow_home / "exports").exists()
        await pilot.press("enter")  # the default: the exports folder inside HERENOW_HOME (portable mode)
        await pilot.pause()
        await pilot.press("enter")  # no supervisor's key: a plain file
        await settle(pilot)
        target = herenow_home / "exports" / "herenow-reflections-2026-11-18.md"
        assert target.exists() and mode(target) == 0o600 and mode(target.parent) == 0o700
        assert list(home.iterdir()) == []  # nothing outside the stick
        text = target.read_text()
        assert "not encrypted" in text
        assert "There was a long silence about the father." in text and "Grief again" in text
        assert "The client arrived late" not in text
        assert str(target) in status(screen) and "2 reflections" in status(screen)
        # Again, to a path of one's own; an existing file is only replaced when asked.
        await pilot.press("e")
        await pilot.pause()
        field = pilot.app.screen.query_one("#path")
        field.value = str(home / "for-supervision.md")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert (home / "for-supervision.md").exists()
        assert "Exported 2 reflections" in status(screen)
        await pilot.press("e", "enter")  # the default again: it exists now
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")  # keep it
        await settle(pilot)
        assert target.read_text() == text
        assert status(screen) == "Not exported; the file is left as it was."


async def test_export_sealed_to_a_supervisor_key(store, clock, home) -> None:
    import pyrage

    supervisor = pyrage.x25519.Identity.generate()
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("e")
        await pilot.pause()
        pilot.app.screen.query_one("#path").value = str(home / "for-supervision.md.age")
        await pilot.press("enter")
        await pilot.pause()
        pilot.app.screen.query_one("#path").value = "age1notakey"
        await pilot.press("enter")
        await settle(pilot)
        assert status(screen) == "The key: not a valid age recipient (age1...); nothing was exported."
        assert not (home / "for-supervision.md.age").exists()
        await pilot.press("e")
        await pilot.pause()
        pilot.app.screen.query_one("#path").value = str(home / "for-supervision.md.age")
        await pilot.press("enter")
        await pilot.pause()
        pilot.app.screen.query_one("#path").value = str(supervisor.to_public())
        await pilot.press("enter")
        await settle(pilot)
        assert "sealed to your supervisor's key" in status(screen)
    sealed = (home / "for-supervision.md.age").read_bytes()
    assert b"father" not in sealed
    assert "There was a long silence about the father." in pyrage.decrypt(sealed, [supervisor]).decode()


def test_export_goes_to_the_home_folder_without_herenow_home(home, monkeypatch) -> None:
    from herenow.store.export import default_export_path

    monkeypatch.delenv("HERENOW_HOME")
    assert default_export_path(dt.date(2026, 11, 18)) == home / "herenow-reflections-2026-11-18.md"


async def test_export_to_an_unwritable_place_says_so(store, clock, home) -> None:
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        blocker = home / "a-file"
        blocker.write_text("not a folder")
        await pilot.press("e")
        await pilot.pause()
        pilot.app.screen.query_one("#path").value = str(blocker / "export.md")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert "Could not write" in status(screen)
        assert isinstance(pilot.app.screen, ReviewScreen)


async def test_delete_asks_first(store, clock) -> None:
    path = store.find("2026-11-17-1400-1714")
    assert path is not None
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert "Tue 17 Nov 2026, 14:00" in str(pilot.app.screen.query_one("#question").render())
        await pilot.press("enter")  # the focus starts on "Keep it"
        await pilot.pause()
        assert path.exists() and len(first_column(screen)) == 12
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("left", "enter")  # "Delete"
        await pilot.pause()
        assert not path.exists()
        assert len(first_column(screen)) == 11 and first_column(screen)[0] == "2026-11-16"
        assert "Deleted the reflection" in status(screen) and "11 reflections" in title(screen)


# ---------------------------------------------------------------------------- odd stores
async def test_empty_store_is_calm(clock) -> None:
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert screen.has_class("empty")
        assert "No reflections yet" in str(screen.query_one("#review-empty").render())
        await pilot.press("enter", "e", "t", "d", "s")  # nothing to act on: nothing happens
        await pilot.pause()
        assert pilot.app.screen is screen
        await pilot.press("escape")  # back, from the screen herenow started on: herenow closes
        await pilot.pause()
        assert pilot.app.return_code == 0


async def test_opened_from_home_escape_goes_back_home(store, clock) -> None:
    from herenow.ui.screens.home import HomeScreen

    async with HerenowApp(AppContext.load(now=clock)).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen) and len(pilot.app.screen_stack) == 1  # nothing under it
        await pilot.press("r")
        await ready(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen) and pilot.app.return_code is None


async def test_bad_files_are_a_quiet_line_not_a_stop(store, clock) -> None:
    folder = store.root / "2026" / "11"
    (folder / "scribbled.toml").write_text("this = is = not toml\n")
    (folder / "half.toml").write_text('id = "x"\n')
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert len(first_column(screen)) == 12
        line = status(screen)
        assert "2 files could not be read and were left out" in line
        assert (folder / "half.toml").read_text() == 'id = "x"\n'


async def test_index_follows_the_files_while_the_screen_is_open(store, clock) -> None:
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        index = store.index()
        # Another program adds one, removes one, and edits one.
        save(store, 11, 18, 9, "Written from another window.", ["late-addition"], ["power"], 3)
        os.unlink(store.find("2026-10-05-0900-0509"))
        edited = store.find("2026-11-16-1000-1610")
        edited.write_text(edited.read_text().replace("Quiet session", "Edited session"))
        screen.refresh_index()
        await settle(pilot)
        assert len(first_column(screen)) == 12
        assert first_column(screen)[0] == "2026-11-18"
        assert str(screen.table.get_row_at(2)[5]).startswith("Edited …")
        assert "late-addition" in screen.query_one("#filter-tag")._legal_values
        # The index is thrown away: the next look rebuilds it, nothing lost.
        os.unlink(index.db_path)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert len(first_column(screen)) == 12 and index.db_path.exists()


# ---------------------------------------------------------------------------- trends
async def test_trends_for_the_filtered_set(store, clock) -> None:
    async with new_app(clock).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("t")
        await pilot.pause()
        trends_screen = pilot.app.screen
        assert isinstance(trends_screen, TrendsScreen)
        result = trends_screen.result
        assert result.sessions == 12
        assert result.ratings["connection"].values[:3] == [4, 4, 5]
        assert [f.id for f in result.flags] == ["2026-10-26-1000-2610"]
        assert "recent average" in str(trends_screen.query_one("#trends-flags").render())
        assert trends_screen.query_one("#spark-rating-connection").data == result.ratings["connection"].values
        await pilot.press("escape")
        screen.query_one("#filter-tag").value = "grief"
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert pilot.app.screen.result.sessions == 2
        assert "tag grief" in str(pilot.app.screen.query_one("#trends-title").render())


# ---------------------------------------------------------------------------- snapshots
async def _table(pilot) -> None:
    await settle(pilot)


async def _view(pilot) -> None:
    await settle(pilot)
    await pilot.press("down", "down", "down", "enter")  # 9 Nov: a moment and a cue acted on
    await pilot.pause()


async def _trends(pilot) -> None:
    await settle(pilot)
    await pilot.press("t")
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("what", ["table", "view", "trends"])
def test_snapshots(snap_compare, store, clock, what: str, size: tuple[int, int]) -> None:
    run_before = {"table": _table, "view": _view, "trends": _trends}[what]
    assert snap_compare(new_app(clock), terminal_size=size, run_before=run_before)
