"""The reflection screen, driven through the real app: summary, fields, save, drafts, resume, errors, snapshot."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, TextArea

from herenow.context import AppContext
from herenow.reflecting import ReflectionDraft
from herenow.store.drafts import DraftStore
from herenow.store.records import CueEvent, Moment, SessionRecord, SessionStore
from herenow.store.reflections import Reflection, ReflectionStore
from herenow.ui import dialogs
from herenow.ui.app import HerenowApp
from herenow.ui.screens.reflection import ReflectionScreen
from herenow.ui.widgets.rating import Rating

from conftest import fill, mode, read_every_file, read_only, screen_text

UTC = dt.timezone.utc


def make_record(record_id: str = "2026-11-17-1400-ab12", decks=("here-and-now", "frame")) -> SessionRecord:
    return SessionRecord(
        id=record_id, started=dt.datetime(2026, 11, 17, 14, 0, tzinfo=UTC),
        ended=dt.datetime(2026, 11, 17, 14, 50, tzinfo=UTC), planned_minutes=50, elapsed_seconds=50 * 60,
        decks=list(decks),
        cues_shown=[CueEvent(deck="here-and-now", id="c1", text="What is happening between us right now?", at=60),
                    CueEvent(deck="frame", id="f1", text="Notice the time.", at=300)],
        acted_on=[CueEvent(deck="here-and-now", id="c1", text="What is happening between us right now?", at=90)],
        moments=[Moment(kind="rupture", at=1905), Moment(kind="moment", at=1390)],
    )




def status(app: HerenowApp) -> str:
    return str(app.screen.query_one("#refl-status").render())


async def open_reflection(pilot, record: SessionRecord, draft: Reflection | None = None) -> ReflectionScreen:
    app = pilot.app
    if draft is None:
        app.reflect_on(record, replace=False)
    else:
        app.push_screen(ReflectionScreen(draft.session, draft=draft))
    await pilot.pause()
    await pilot.pause()
    assert isinstance(app.screen, ReflectionScreen)
    return app.screen


def new_app(clock, **config) -> HerenowApp:
    ctx = AppContext.load(now=clock)
    for key, value in config.items():
        setattr(ctx.config, key, value)
    return HerenowApp(ctx)


@pytest.fixture(autouse=True)
def autosave_only_when_asked(monkeypatch):
    """The draft autosave runs on a real timer (1 s after typing pauses, 1.5 s at most). On a loaded machine a
    test takes longer than that between its steps, and the autosave's own line ("Note: could not keep a draft")
    replaced the line a test was checking, or cleared it. So here it never comes due unless a test sets its own
    delays (``quick_autosave``, the steady-typing test); keeping a draft on escape, quit or a failed save does not
    wait for it."""
    monkeypatch.setattr(ReflectionDraft, "pause", 3600.0)
    monkeypatch.setattr(ReflectionDraft, "max_wait", 3600.0)


@pytest.fixture
def quick_autosave(monkeypatch):
    monkeypatch.setattr(ReflectionDraft, "pause", 0.05)
    monkeypatch.setattr(ReflectionDraft, "max_wait", 0.1)


async def test_summary_prompts_and_first_focus(clock) -> None:
    record = make_record()
    SessionStore().save(record)
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        shown = screen_text(app)
        assert "Tue 17 Nov 2026, 14:00" in shown and "50 min" in shown
        assert "Decks: here-and-now, frame · 2 cues shown · 1 acted on" in shown
        assert "Moments: 23:10 moment · 31:45 rupture" in shown
        # One prompt per stage, in order, each from one of the session's decks, labelled with its stage.
        offered = {p.text: (name, p.stage) for name in record.decks for p in app.ctx.decks.get(name).deck.prompts}
        assert [offered[p][1] for p in screen._prompts] == ["what", "so-what", "now-what"]
        labels = [str(screen.query_one(f"#prompt-{i}").render()) for i in range(3)]
        assert labels[0].startswith("What? · ") and labels[1].startswith("So what? · ")
        assert labels[2].startswith("Now what? · ")
        assert not screen.query("#answer-3")
        assert app.focused is screen.query_one("#answer-0", TextArea)
        assert not screen.query("#client-code")


async def test_fill_everything_save_and_find_the_file(clock) -> None:
    record = make_record()
    SessionStore().save(record)
    ReflectionStore().save(Reflection(id="older", created=dt.datetime(2026, 11, 1, tzinfo=UTC),
                                      session=make_record("older"), tags=["grief"]))
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        await fill(pilot, "We laughed.")
        await pilot.press("enter", *"Ça touché ✨")
        await pilot.press("tab", *"I rushed.")
        count = len(screen._prompts)
        for _ in range(count - 1):
            await pilot.press("tab")
        assert app.focused is screen.query_one("#supervision", Checkbox)
        await pilot.press("space")
        await pilot.press("tab")  # the yes/no question
        await pilot.press("enter")  # "yes" is highlighted first
        await pilot.press("tab", "4", "tab", "2", "tab", "5", "9")  # 9 is not a rating: ignored
        await pilot.press("tab")
        assert app.focused is screen.query_one("#tags", Input)
        await pilot.press(*"gr")
        await app.workers.wait_for_complete()  # the suggestion is looked up by a worker: under load it comes late
        await pilot.pause()
        await pilot.press("right")  # accept the completion from tags used before
        await fill(pilot, ", Ending")
        await pilot.press("tab", *"Quiet.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"

    path = ReflectionStore().find(record.id)
    assert path is not None and path.parent.parent.name == "2026" and path.parent.name == "11"
    assert mode(path) == 0o600
    data = tomllib.loads(path.read_text("utf-8"))
    assert data["schema_version"] == 2
    answers = [a["text"] for a in data["answers"]]
    assert answers[0] == "We laughed.\nÇa touché ✨"
    assert answers[1] == "I rushed."
    assert data["supervision"] is True and data["invited_feedback"] is True
    assert data["ratings"] == {"connection": 4, "direction": 2, "choice": 5}
    assert [a.get("stage") for a in data["answers"]] == ["what", "so-what", "now-what"]
    assert data["tags"] == ["grief", "ending"]
    assert data["note"] == "Quiet."
    assert data["session"]["moments"][0] == {"kind": "rupture", "at": 1905}
    assert len(data["session"]["cues_shown"]) == 2
    assert "client_code" not in data or data["client_code"] == ""
    # Reflected on: no longer waiting, no draft left.
    assert SessionStore().pending()[0] == []
    assert DraftStore().pending() == ([], [])


async def test_saving_an_untouched_reflection_keeps_only_the_session(clock) -> None:
    record = make_record()
    SessionStore().save(record)
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_reflection(pilot, record)
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved, problems = ReflectionStore().get(record.id)
    assert problems == [] and saved is not None
    assert saved.answers == [] and not saved.has_content
    assert saved.session == record
    assert SessionStore().pending()[0] == []


async def test_escape_keeps_a_draft_and_it_resumes_after_a_restart(clock) -> None:
    record = make_record()
    SessionStore().save(record)
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_reflection(pilot, record)
        await fill(pilot, "Half a thought")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, dialogs.Choice)
        await pilot.press("enter")  # "Keep a draft" has the focus
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
    draft_file = Path(os.environ["HERENOW_HOME"]) / "drafts" / f"{record.id}.toml"
    assert mode(draft_file) == 0o600
    assert ReflectionStore().find(record.id) is None

    # A new app, as after a restart: the draft is offered and comes back as it was.
    drafts, problems = DraftStore().pending()
    assert problems == [] and [d.id for d in drafts] == [record.id]
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record, draft=drafts[0])
        assert screen.query_one("#answer-0", TextArea).text == "Half a thought"
        assert "draft is back" in status(app)
        await pilot.press("end", *", finished.")
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved, _ = ReflectionStore().get(record.id)
    assert saved.answers[0].text == "Half a thought, finished."
    assert not draft_file.exists()


async def test_reflect_on_a_record_with_a_draft_resumes_the_draft(clock) -> None:
    record = make_record()
    draft = Reflection(id=record.id, created=dt.datetime(2026, 11, 17, 14, 51, tzinfo=UTC), session=record,
                       answers=[{"prompt": "My own prompt?", "text": "kept"}],
                       ratings={"choice": 3, "power": 2})
    DraftStore().save(draft)
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        assert screen._prompts == ["My own prompt?"]
        assert screen.query_one("#answer-0", TextArea).text == "kept"
        assert screen.query_one("#rating-choice", Rating).value == 3
        # A rating under the old "power" key (no longer asked) is not shown as a field, and not dropped either.
        assert not screen.query("#rating-power")
        assert screen.current().ratings == {"choice": 3, "power": 2}


async def test_escape_then_stay_or_discard(clock) -> None:
    record = make_record()
    SessionStore().save(record)
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        await fill(pilot, "not for keeping")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")  # escape in the dialog means stay
        await pilot.pause()
        assert app.screen is screen and screen.query_one("#answer-0", TextArea).text == "not for keeping"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click("#choice-discard")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
    saved, _ = ReflectionStore().get(record.id)
    assert saved is not None and not saved.has_content and saved.session.moments
    assert DraftStore().pending() == ([], [])
    assert SessionStore().pending()[0] == []


async def test_steady_typing_is_kept_before_it_pauses(clock, monkeypatch) -> None:
    """Typing that never pauses long enough: the draft still follows, within the max-wait."""
    monkeypatch.setattr(ReflectionDraft, "pause", 30.0)  # never reached in this test: only the max-wait writes
    monkeypatch.setattr(ReflectionDraft, "max_wait", 0.15)
    record = make_record()
    app = new_app(clock)
    draft_file = Path(os.environ["HERENOW_HOME"]) / "drafts" / f"{record.id}.toml"
    async with app.run_test(size=(80, 24)) as pilot:
        await open_reflection(pilot, record)
        kept_while_typing = []
        for letter in "steady typing, never a pause":
            await pilot.press(letter)
            await pilot.pause(0.05)
            if draft_file.exists():
                kept_while_typing.append(DraftStore().load(record.id)[0].answers[0].text)
        assert len(set(kept_while_typing)) >= 3  # written again and again during the typing
        await pilot.pause(ReflectionDraft.max_wait + 0.2)
        assert DraftStore().load(record.id)[0].answers[0].text == "steady typing, never a pause"


async def test_quitting_keeps_the_latest_text(clock) -> None:
    record = make_record()
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_reflection(pilot, record)
        await fill(pilot, "typed just before quitting")
        await pilot.press("ctrl+q")
        await pilot.pause()
    draft, _ = DraftStore().load(record.id)
    assert draft is not None and draft.answers[0].text == "typed just before quitting"


async def test_a_failed_save_says_so_and_keeps_text_and_draft(clock, monkeypatch) -> None:
    record = make_record()
    store = ReflectionStore()
    month = store.root / "2026" / "11"
    month.mkdir(parents=True)
    writable = read_only(monkeypatch, month)
    try:
        app = new_app(clock)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_reflection(pilot, record)
            await fill(pilot, "precious words")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is screen
            message = status(app)
            assert message.startswith("Not saved: could not save (Permission denied).")
            assert "still here and in the draft" in message
            assert "\n" not in message.strip() and "Traceback" not in screen_text(app)
            assert screen.query_one("#answer-0", TextArea).text == "precious words"
        draft, _ = DraftStore().load(record.id)
        assert draft.answers[0].text == "precious words"
        assert list(month.iterdir()) == []
    finally:
        writable()


async def test_private_looking_text_is_flagged_once_then_saved(clock) -> None:
    record = make_record()
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        await fill(pilot, "She left her number 07700 900123")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert status(app) == "Answer 1 looks like it holds a phone number. ctrl+s again saves it as it is."
        assert ReflectionStore().find(record.id) is None
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
    assert ReflectionStore().find(record.id) is not None


async def test_the_privacy_warning_outlasts_the_draft_autosave(clock, quick_autosave) -> None:
    """The draft kept after the warning must not wipe it: it stays until the text changes or is saved."""
    record = make_record()
    app = new_app(clock)
    warning = "Answer 1 looks like it holds a phone number. ctrl+s again saves it as it is."
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        await fill(pilot, "She left her number 07700 900123")
        await pilot.press("ctrl+s")  # before the autosave: its timer is still running
        await pilot.pause(0.3)
        assert DraftStore().load(record.id)[0] is not None  # the autosave did run
        assert status(app) == warning
        await pilot.pause(ReflectionDraft.max_wait)
        assert status(app) == warning
        assert app.screen is screen and ReflectionStore().find(record.id) is None


async def test_a_change_after_the_privacy_warning_is_checked_again(clock, quick_autosave) -> None:
    """"ctrl+s again saves it as it is" holds only for exactly the text warned about."""
    record = make_record()
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        await fill(pilot, "She left her number 07700 900123")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "phone number" in status(app)
        screen.query_one("#note", TextArea).focus()
        await fill(pilot, "write to sam@example.org")
        await pilot.pause(0.3)
        assert status(app) == ""  # the warning was about the text before this change
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert app.screen is screen and ReflectionStore().find(record.id) is None
        assert status(app) == ("Answer 1 looks like it holds a phone number (and 1 more). "
                               "ctrl+s again saves it as it is.")
        # A rating is a change too; taking it back still means checking again.
        screen.query_one("#rating-choice", Rating).focus()
        await pilot.press("3")
        await pilot.press("0")
        await pilot.pause()
        assert status(app) == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen and "(and 1 more)" in status(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
    saved, _ = ReflectionStore().get(record.id)
    assert saved.note == "write to sam@example.org"


def home_line(app: HerenowApp) -> str:
    return str(app.screen.query_one("#home-waiting").render()).splitlines()[0]  # quiet lines may follow


async def test_saving_says_so_on_the_home_screen(clock) -> None:
    record = make_record()
    waiting = make_record("2026-11-18-0900-cd34")
    records = SessionStore()
    records.save(record)
    records.save(waiting)
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_reflection(pilot, record)
        await fill(pilot, "We laughed.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert home_line(app) == "Reflection saved. 1 session waiting for a reflection."
        # Only once: after a visit elsewhere the home screen says what it usually says.
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert home_line(app) == "1 session waiting for a reflection."


async def test_saving_after_a_session_started_straight_away_says_so_too(clock) -> None:
    """`herenow session`: no home screen under the reflection; the new one still says it was saved."""
    from herenow.ui.app import SessionOptions

    app = new_app(clock)
    app.start = "session"
    app.session_options = SessionOptions()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        clock.advance(600)
        await pilot.press("e")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ReflectionScreen)
        await pilot.press("ctrl+s")  # untouched: only the session is kept
        await pilot.pause()
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert home_line(app) == "Session kept, without a reflection."


async def test_ratings_take_keys_and_can_be_cleared(clock) -> None:
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, make_record())
        rating = screen.query_one("#rating-connection", Rating)
        rating.focus()
        await pilot.press("3")
        assert rating.value == 3
        await pilot.press("right", "right", "right")
        assert rating.value == 5
        await pilot.press("left")
        assert rating.value == 4
        await pilot.press("0")
        assert rating.value is None
        assert screen.current().ratings == {}


async def test_client_code_only_when_turned_on(clock) -> None:
    record = make_record()
    app = new_app(clock, client_code=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        screen.query_one("#client-code", Input).focus()
        await fill(pilot, "Robin")
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved, _ = ReflectionStore().get(record.id)
    assert saved.client_code == "Robin"


async def test_draft_errors_are_quiet_and_the_text_stays(clock, quick_autosave, monkeypatch) -> None:
    drafts_dir = Path(os.environ["HERENOW_HOME"]) / "drafts"
    drafts_dir.mkdir(parents=True)
    writable = read_only(monkeypatch, drafts_dir)
    try:
        app = new_app(clock)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_reflection(pilot, make_record())
            await fill(pilot, "still here")
            await pilot.pause(0.3)
            assert status(app).startswith("Note: could not keep a draft (Permission denied).")
            assert screen.query_one("#answer-0", TextArea).text == "still here"
            writable()
            await pilot.press("!")
            await pilot.pause(0.3)
            assert status(app) == ""
            assert DraftStore().load(screen.record.id)[0].answers[0].text == "still here!"
    finally:
        writable()


async def test_a_bad_draft_file_is_left_alone(clock, quick_autosave) -> None:
    record = make_record()
    drafts_dir = Path(os.environ["HERENOW_HOME"]) / "drafts"
    drafts_dir.mkdir(parents=True)
    bad = drafts_dir / f"{record.id}.toml"
    bad.write_bytes(b"not = [valid")
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_reflection(pilot, record)
        assert "could not be read and is left as it is" in status(app)
        await fill(pilot, "new text")
        await pilot.pause(0.3)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert bad.read_bytes() == b"not = [valid"
    assert ReflectionStore().get(record.id)[0].answers[0].text == "new text"


def test_reflection_screen_snapshot(snap_compare, clock) -> None:
    record = make_record()
    app = new_app(clock)

    async def run_before(pilot) -> None:
        await open_reflection(pilot, record)
        await fill(pilot, "She arrived late and apologised twice.")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_reflection_screen_snapshot_lower_fields(snap_compare, clock) -> None:
    record = make_record()
    app = new_app(clock)

    async def run_before(pilot) -> None:
        screen = await open_reflection(pilot, record)
        screen.query_one("#rating-direction", Rating).focus()
        await pilot.press("4")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def fill_disk(monkeypatch, under: Path) -> dict:
    """Every write under ``under`` fails as on a full disk (works as root too, unlike chmod)."""
    import errno

    from herenow.store import files as fsutil

    state = {"full": True}

    def refusing(real):
        def write(path, data, **kwargs):
            if state["full"] and Path(path).is_relative_to(under):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(path, data, **kwargs)
        return write

    # Both writers: replacing (drafts) and creating a reflection's file for the first time.
    monkeypatch.setattr(fsutil, "atomic_write", refusing(fsutil.atomic_write))
    monkeypatch.setattr(fsutil, "create_exclusive", refusing(fsutil.create_exclusive))
    return state


async def test_a_full_disk_on_save_says_so_and_keeps_text_and_draft(clock, monkeypatch) -> None:
    record = make_record()
    disk = fill_disk(monkeypatch, ReflectionStore().root)
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        await fill(pilot, "precious words")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert status(app) == ("Not saved: could not save (No space left on device). "
                               "Your text is still here and in the draft.")
        assert screen.query_one("#answer-0", TextArea).text == "precious words"
        assert DraftStore().load(record.id)[0].answers[0].text == "precious words"
        disk["full"] = False  # space freed: the same key saves
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
    assert ReflectionStore().get(record.id)[0].answers[0].text == "precious words"
    assert DraftStore().pending() == ([], [])


async def test_a_failed_save_is_not_cleared_by_the_autosave_after_it(clock, monkeypatch, quick_autosave) -> None:
    """The draft is kept (the drafts folder has room), but the reflection is not saved: that line stays."""
    fill_disk(monkeypatch, ReflectionStore().root)
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, make_record())
        await fill(pilot, "precious words")
        await pilot.press("ctrl+s")  # the autosave of that edit is still due
        await pilot.pause(ReflectionDraft.max_wait + 0.2)
        assert app.screen is screen
        assert status(app).startswith("Not saved: could not save (No space left on device).")


async def test_a_full_disk_for_drafts_is_a_quiet_note(clock, monkeypatch, quick_autosave) -> None:
    disk = fill_disk(monkeypatch, Path(os.environ["HERENOW_HOME"]) / "drafts")
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, make_record())
        await fill(pilot, "still here")
        await pilot.pause(0.3)
        assert status(app) == "Note: could not keep a draft (No space left on device). Your text is still here."
        disk["full"] = False
        await pilot.press("!")
        await pilot.pause(0.3)
        assert status(app) == ""
        assert DraftStore().load(screen.record.id)[0].answers[0].text == "still here!"


async def test_end_a_session_then_reflect_on_it(clock) -> None:
    """From the live session: mark moments, end with `e`, see them in the summary, save."""
    from herenow.ui.app import SessionOptions

    ctx = AppContext.load(now=clock, seed=4)
    app = HerenowApp(ctx, start="session", session=SessionOptions(deck_names=["here-and-now"]))
    async with app.run_test(size=(80, 24)) as pilot:
        clock.advance(23 * 60 + 10)
        await pilot.press("m")
        clock.advance(8 * 60 + 35)
        await pilot.press("r")
        clock.advance(60)
        await pilot.press("e")
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReflectionScreen)
        assert "Moments: 23:10 moment · 31:45 rupture" in screen_text(app)
        record_id = screen.record.id
        assert [r.id for r in SessionStore().pending()[0]] == [record_id]
        await fill(pilot, "It held.")
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved, _ = ReflectionStore().get(record_id)
    assert saved.answers[0].text == "It held." and saved.session.elapsed_seconds == 32 * 60 + 45
    assert SessionStore().pending()[0] == []


async def test_escape_keep_with_a_full_disk_stays_put(clock, monkeypatch) -> None:
    fill_disk(monkeypatch, Path(os.environ["HERENOW_HOME"]) / "drafts")
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, make_record())
        await fill(pilot, "words")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")  # keep a draft
        await pilot.pause()
        assert app.screen is screen
        assert status(app) == ("Still here: could not keep a draft (No space left on device). "
                               "Your text is safe on screen.")


async def test_ratings_by_mouse(clock) -> None:
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, make_record())
        rating = screen.query_one("#rating-choice", Rating)
        rating.scroll_visible(animate=False)
        await pilot.pause()
        await pilot.click(rating, offset=(rating.label_width + 1 + 3 * 2 + 1, 0))  # the "3"
        assert rating.value == 3


def _read_only(monkeypatch) -> None:
    def refuse(self, reflection):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(DraftStore, "save", refuse)
    monkeypatch.setattr(ReflectionStore, "save", refuse)


async def test_quitting_asks_first_when_nothing_could_be_saved_or_kept(clock, monkeypatch) -> None:
    _read_only(monkeypatch)
    record = make_record()
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        screen.query_one("#answer-0", TextArea).text = "words nowhere else"
        screen.query_one("#note", TextArea).text = "and a note"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert status(app).startswith("Not saved: could not save (Read-only file system). Your text is still here.")
        await pilot.press("ctrl+q")
        await pilot.pause()
        shown = " ".join(screen_text(app).replace("│", " ").split())
        assert "Nothing here could be saved or kept as a draft (Read-only file system)." in shown
        assert "Quitting now loses 1 answer, the note." in shown
        await pilot.press("enter")  # the focus is on "Stay"
        await pilot.pause()
        assert app.screen is screen and app.is_running
        assert screen.query_one("#answer-0", TextArea).text == "words nowhere else"
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("left", "enter")  # "Quit anyway": the person's own say
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_quitting_does_not_ask_when_the_draft_can_be_kept(clock) -> None:
    record = make_record()
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        screen.query_one("#answer-0", TextArea).text = "kept on the way out"
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running
    assert DraftStore().load(record.id)[0].answers[0].text == "kept on the way out"


async def test_a_reflection_saved_meanwhile_in_another_window_is_never_replaced(clock) -> None:
    record = make_record()
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        screen.query_one("#answer-0", TextArea).text = "written in this window"
        ReflectionStore().save(Reflection(id=record.id, created=dt.datetime(2026, 11, 17, 15, 0, tzinfo=UTC),
                                          session=record, note="saved in the other window"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert home_line(app).startswith("A reflection for this session was already saved, perhaps in another "
                                         "window. Yours is kept beside it as a second one; nothing was replaced.")
    assert ReflectionStore().get(record.id)[0].note == "saved in the other window"
    found, problems = read_every_file(ReflectionStore())
    assert problems == [] and sorted(r.note or r.answers[0].text for r in found) == [
        "saved in the other window", "written in this window"]


async def test_discarding_a_leftover_keeps_the_saved_reflection(clock) -> None:
    record = make_record()
    ReflectionStore().save(Reflection(id=record.id, created=dt.datetime(2026, 11, 17, 15, 0, tzinfo=UTC),
                                      session=record, note="the final text"))
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_reflection(pilot, record)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("right", "enter")  # "Discard"
        await pilot.pause()
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert "already saved; it is kept as it was" in home_line(app)
    assert ReflectionStore().get(record.id)[0].note == "the final text"


async def test_more_prompts_on_demand_and_any_subset_saves(clock) -> None:
    record = make_record()
    SessionStore().save(record)
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        first_three = list(screen._prompts)
        await pilot.press("ctrl+o")
        await pilot.pause()
        added = screen._prompts[3:]
        assert 1 <= len(added) and not set(added) & set(first_three)
        deck_texts = {p.text for name in record.decks for p in app.ctx.decks.get(name).deck.prompts}
        assert set(added) <= deck_texts
        assert app.focused is screen.query_one("#answer-3", TextArea)  # straight to the first new prompt
        await fill(pilot, "Only this one.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
    saved, _ = ReflectionStore().get(record.id)
    assert [a.prompt for a in saved.answers] == first_three + added
    assert [a.text for a in saved.answers if a.text] == ["Only this one."]


async def test_more_prompts_run_out_quietly(clock) -> None:
    record = make_record(decks=("power",))
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        for _ in range(6):
            await pilot.press("ctrl+o")
            await pilot.pause()
        assert len(screen._prompts) == len(set(screen._prompts)) == 8  # the deck's 5 and the 3 defaults
        assert status(app) == "No more prompts from these decks."


async def test_client_voice_off_by_default(clock) -> None:
    app = new_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, make_record())
        assert not screen.query("#client-words") and not screen.query("#client-score")
        assert "client's own" not in screen_text(app)


async def test_client_voice_when_turned_on(clock) -> None:
    record = make_record()
    SessionStore().save(record)
    app = new_app(clock, client_voice=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reflection(pilot, record)
        # fill() waits for the focus to land before it writes; typing straight after focus() did not, and typed 22
        # keys against the real autosave timer.
        screen.query_one("#client-words", TextArea).focus()
        await fill(pilot, "Felt heard today.")
        screen.query_one("#client-score", Input).focus()
        await fill(pilot, "34/")
        await pilot.press("ctrl+s")
        await pilot.pause()
        # A score without its scale is not guessed at: one calm line, the text stays, nothing saved yet.
        assert app.screen is screen and ReflectionStore().find(record.id) is None
        assert status(app) == "Not saved yet: the client's score: write the score with its scale, for example 34/40."
        assert app.focused is screen.query_one("#client-score", Input)
        await fill(pilot, "40")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
    saved, _ = ReflectionStore().get(record.id)
    assert saved.client_words == "Felt heard today."
    assert (saved.client_score, saved.client_scale_max) == (34, 40)
