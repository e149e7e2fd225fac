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


def waiting_line(app: HerenowApp) -> str:
    """The line under the title about what waits (quiet lines such as the offer to protect follow it)."""
    return str(app.screen.query_one("#home-waiting").render()).splitlines()[0]


async def test_a_session_running_in_another_window_is_not_offered(clock) -> None:
    from herenow.store.reflections import ReflectionStore

    window_a = HerenowApp(AppContext.load(now=clock, seed=1), start="session")
    async with window_a.run_test(size=(80, 24)) as pilot_a:
        clock.advance(1200)
        running = window_a.screen.live.record
        window_b = HerenowApp(AppContext.load(now=clock, seed=2))
        async with window_b.run_test(size=(80, 24)) as pilot_b:
            assert not any("Reflect on" in o or "Finish" in o for o in options(window_b))
            assert f"The session from {running.started:%a %d %b, %H:%M} is running in another window." == \
                waiting_line(window_b)
            await pilot_b.press("q")
        await pilot_a.press("e")  # window A ends its session and writes its reflection
        await pilot_a.pause()
        window_a.screen.query_one("#answer-0").text = "window A's own words"
        await pilot_a.press("ctrl+s")
        await pilot_a.pause()
    saved, _ = ReflectionStore().get(running.id)
    assert saved.answers[0].text == "window A's own words"
    assert len(list(ReflectionStore().files())) == 1  # nothing else written, nothing replaced


async def test_a_quit_session_is_offered_again_once_its_window_is_closed(clock) -> None:
    window_a = HerenowApp(AppContext.load(now=clock, seed=1), start="session")
    async with window_a.run_test(size=(80, 24)) as pilot_a:
        clock.advance(600)
        await pilot_a.press("q")
        await pilot_a.pause()
        await pilot_a.press("left", "enter")
    window_b = HerenowApp(AppContext.load(now=clock, seed=2))
    async with window_b.run_test(size=(80, 24)):
        # Start stays at the top; the waiting session follows it.
        assert options(window_b)[0].startswith("Start a") and any(
            o.startswith("Reflect on the 10-minute session") for o in options(window_b))
        assert "running in another window" not in waiting_line(window_b)


async def test_leftovers_of_a_saved_reflection_are_tidied_not_offered(clock, herenow_home: Path) -> None:
    import datetime as dt

    from herenow.store.drafts import DraftStore
    from herenow.store.records import SessionRecord
    from herenow.store.reflections import Answer, Reflection, ReflectionStore

    record = SessionRecord(id="2026-11-17-1400-ab12cd34", started=dt.datetime(2026, 11, 17, 14, 0,
                                                                             tzinfo=dt.timezone.utc),
                           planned_minutes=50, elapsed_seconds=3000)
    final = Reflection(id=record.id, created=record.started, session=record,
                       answers=[Answer(prompt="What happened?", text="the final text")])
    ReflectionStore().save(final)
    ctx = AppContext.load(now=clock)
    ctx.records.save(record)  # killed between the save and the tidy-up: both leftovers are still there
    DraftStore().save(final.model_copy(update={"answers": [Answer(prompt="What happened?", text="the fin")]}))
    app = HerenowApp(ctx)
    async with app.run_test(size=(80, 24)):
        assert options(app)[0] == "Start a 50-minute session"
        assert "waiting" not in waiting_line(app)
    assert not (herenow_home / "sessions" / f"{record.id}.toml").exists()
    assert DraftStore().pending() == ([], [])
    assert ReflectionStore().get(record.id)[0].answers[0].text == "the final text"


async def test_a_first_session_tick_brings_the_first_session_cues(clock) -> None:
    from textual.widgets import Checkbox

    app = HerenowApp(AppContext.load(now=clock, seed=1))
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.screen.query_one("#home-first", Checkbox)
        assert box.label.plain == "First session with this client" and not box.value
        await pilot.press("f")
        assert box.value
        decks = app.screen.query_one("#home-decks", SelectionList)
        decks.deselect_all()
        decks.select("frame")
        await pilot.press("enter")  # the first preset
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        live = app.screen.live
        assert live.record.first_session
        assert any(c.cue.first_session for c in live.scheduler.cues)


async def test_an_ordinary_session_never_deals_first_session_cues(clock) -> None:
    from herenow.ui.app import SessionOptions

    app = HerenowApp(AppContext.load(now=clock, seed=1), start="session",
                     session=SessionOptions(deck_names=["frame", "ethics-boundaries"]))
    async with app.run_test(size=(80, 24)):
        live = app.screen.live
        assert not live.record.first_session
        assert live.scheduler.cues and not any(c.cue.first_session for c in live.scheduler.cues)


def test_session_first_on_the_command_line() -> None:
    from herenow.cli import build_parser

    assert build_parser().parse_args(["session", "--first"]).first is True
    assert build_parser().parse_args(["session"]).first is False
