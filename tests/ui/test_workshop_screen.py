"""The deck workshop, driven through the real app: copy, edit, check, save, conflicts, leaving, preview."""

import re
from pathlib import Path

import pytest
from textual.events import Paste
from textual.widgets import Input, OptionList, Static

from conftest import FakeClock, fill, screen_text
from herenow.errors import UserError
from herenow.cli import build_parser
from herenow.context import AppContext
from herenow.decks.library import load_library, parse_deck
from herenow.ui.app import HerenowApp
from herenow.ui.dialogs import Choice
from herenow.ui.screens.deck_editor import CueText, DeckEditorScreen
from herenow.ui.screens.home import HomeScreen
from herenow.ui.dialogs import PathPrompt
from herenow.ui.screens.workshop import WorkshopScreen
from herenow.ui.screens.cue_preview import CuePreviewScreen
from herenow.decks.draft import make_own_copy


def workshop_app(deck: str | None = None, clock=None, theme: str | None = None) -> HerenowApp:
    return HerenowApp(AppContext.load(now=clock or FakeClock(), seed=1), start="workshop", deck=deck, theme=theme)


def own_copy(name: str = "power") -> str:
    deck, _path = make_own_copy(load_library().get(name).deck)
    return deck.name




def shown(app: HerenowApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def items(app: HerenowApp) -> list[str]:
    listing = app.screen.query_one(OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def highlight(pilot, option_id: str) -> None:
    listing = pilot.app.screen.query_one(OptionList)
    listing.highlighted = listing.get_option_index(option_id)
    listing.focus()
    await pilot.pause()


type_text = fill


async def press_keys(pilot, text: str) -> None:
    """Type ``text`` key by key: for the one test that is about typing itself."""
    await pilot.press(*text)
    await pilot.pause()


async def test_copy_a_builtin_deck_then_add_edit_reorder_delete_check_and_save(herenow_home: Path) -> None:
    app = workshop_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, WorkshopScreen)
        assert any(line.startswith("Power ") and line.endswith("13 cues  built-in") for line in items(app))
        await highlight(pilot, "power")
        await pilot.press("enter")  # a built-in deck: asks, and offers my own copy first
        assert isinstance(app.screen, Choice) and "stays as it is" in app.screen.question
        await pilot.press("enter")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, DeckEditorScreen)
        draft = editor.draft
        assert draft.path == herenow_home / "decks" / "my-power.toml" and not draft.read_only
        assert shown(app, "#ed-header") == "Power (my copy)  ·  my-power.toml"
        first_text = draft.cues[0].text

        # Add a cue after the first one, and type it.
        await pilot.press("a")
        assert app.screen.focused.id == "f-text" and len(draft.cues) == 14
        await press_keys(pilot, "Tell the client to breathe")
        assert draft.cues[1].text == "Tell the client to breathe"
        assert shown(app, "#m-text") == "reads like an order; perhaps phrase it as a question or invitation"
        assert "unsaved changes" in shown(app, "#ed-header")
        await pilot.press("ctrl+u")
        await type_text(pilot, "What is it like to breathe together here?")
        assert not app.screen.query_one("#m-text").display  # the hint is gone as soon as it no longer applies
        assert items(app)[3] == "\u20072 What is it like to breat…"  # the list follows as you type

        # A value that is not valid: the message is next to the field, and saving is refused.
        await pilot.press("tab", "tab", "tab")
        assert app.screen.focused.id == "f-weight"
        await type_text(pilot, "x")
        assert shown(app, "#m-phase") == "weight: Input should be a valid number, unable to parse string as a number"
        assert items(app)[3].startswith("\u20072!")  # marked in the list too
        await pilot.press("ctrl+s")
        assert "Not saved" in shown(app, "#ed-status")
        assert parse_deck(draft.path)[0].title == "Power (my copy)"
        await pilot.press("backspace")
        assert not app.screen.query_one("#m-phase").display

        # Move it to the top with the keys, back in the list.
        await pilot.press("escape")
        assert app.screen.focused.id == "ed-items"
        await pilot.press("shift+up")
        assert [c.text for c in draft.cues[:2]] == ["What is it like to breathe together here?", first_text]
        await pilot.press("ctrl+down", "ctrl+up")
        assert draft.cues[0].text == "What is it like to breathe together here?"

        # Delete the last cue: asks first; "Keep" is the default.
        await highlight(pilot, "cue:13")
        last = draft.cues[13].text
        await pilot.press("delete")
        assert isinstance(app.screen, Choice)
        await pilot.press("enter")  # Keep
        assert len(draft.cues) == 14
        await pilot.press("delete")
        await pilot.press("left", "enter")  # Delete
        assert len(draft.cues) == 13 and last not in [c.text for c in draft.cues]

        # Edit the title in the deck form.
        await highlight(pilot, "deck")
        await pilot.press("enter")
        assert app.screen.focused.id == "f-title"
        await pilot.press("ctrl+u")
        await type_text(pilot, "My power")
        await pilot.press("ctrl+s")
        assert shown(app, "#ed-status") == "Saved my-power.toml."
        assert shown(app, "#ed-header") == "My power  ·  my-power.toml"
        expected = [(c.text, c.phase, c.weight) for c in draft.cues]
        # The app's decks are read again, so the next session uses the saved deck.
        assert app.ctx.decks.get("my-power").deck.title == "My power"
        await pilot.press("escape", "escape")  # out of the form, then out of the editor: nothing to ask
        assert isinstance(app.screen, WorkshopScreen)
        assert any(line.startswith("My power ") and line.endswith("13 cues  yours") for line in items(app))

    saved, problems = parse_deck(herenow_home / "decks" / "my-power.toml")
    assert problems == [] and all(cue.id_in_file for cue in saved.cues)
    assert [(c.text, c.phase, format(c.weight, "g")) for c in saved.cues] == expected
    # Opened again in a new app: the same deck.
    app = workshop_app("my-power")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DeckEditorScreen)
        again = app.screen.draft
        assert [(c.text, c.phase, c.weight) for c in again.cues] == expected and again.title == "My power"
        assert not again.dirty


async def test_a_deck_changed_on_disk_offers_reload_overwrite_or_cancel(herenow_home: Path) -> None:
    name = own_copy()
    path = herenow_home / "decks" / f"{name}.toml"
    app = workshop_app(name)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, DeckEditorScreen)
        await highlight(pilot, "deck")
        await pilot.press("enter", "ctrl+u")
        await type_text(pilot, "Mine")
        elsewhere = path.read_text().replace("Power (my copy)", "Theirs")
        path.write_text(elsewhere)

        await pilot.press("ctrl+s")
        assert isinstance(app.screen, Choice) and "changed on disk" in app.screen.question
        await pilot.press("escape")  # cancel: nothing written, my edits kept
        assert app.screen is editor and path.read_text() == elsewhere and editor.draft.dirty

        await pilot.press("ctrl+s")
        await pilot.click("#choice-overwrite")
        assert parse_deck(path)[0].title == "Mine" and not editor.draft.dirty

        path.write_text(path.read_text().replace('title = "Mine"', 'title = "Theirs again"'))
        await pilot.press("ctrl+u")
        await type_text(pilot, "Mine again")
        await pilot.press("ctrl+s")
        await pilot.click("#choice-reload")
        await pilot.pause()
        assert editor.draft.title == "Theirs again" and not editor.draft.dirty
        assert app.screen.query_one("#f-title", Input).value == "Theirs again"
        assert parse_deck(path)[0].title == "Theirs again"


async def test_leaving_with_unsaved_changes_asks_first(herenow_home: Path) -> None:
    name = own_copy("frame")
    path = herenow_home / "decks" / f"{name}.toml"
    before = path.read_text()
    app = workshop_app(name)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        editor = app.screen
        await pilot.press("enter", "end")
        await type_text(pilot, " Or not")
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, Choice) and "unsaved changes" in app.screen.question
        await pilot.press("escape")  # stay
        assert app.screen is editor and editor.draft.dirty
        await pilot.press("escape")
        await pilot.click("#choice-leave")
        await pilot.pause()
        assert isinstance(app.screen, WorkshopScreen) and path.read_text() == before

        await highlight(pilot, name)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter", "end")
        await type_text(pilot, " Or not")
        await pilot.press("escape", "escape")
        await pilot.press("enter")  # Save is the default
        await pilot.pause()
        assert isinstance(app.screen, WorkshopScreen)
        assert parse_deck(path)[0].cues[0].text.endswith(" Or not")


async def test_ctrl_q_with_unsaved_changes_asks_before_quitting(herenow_home: Path) -> None:
    name = own_copy("frame")
    app = workshop_app(name)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        editor = app.screen
        await pilot.press("enter", "end")
        await type_text(pilot, " Or not")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, Choice) and "Quit anyway?" in app.screen.question
        await pilot.press("enter")  # Stay is the default
        await pilot.pause()
        assert app.screen is editor and app.return_code is None
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.click("#choice-quit")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_builtin_deck_can_be_looked_at_and_copied_from_the_editor(herenow_home: Path) -> None:
    app = workshop_app("frame")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, Choice)
        await pilot.click("#choice-look")
        await pilot.pause()
        editor = app.screen
        assert editor.draft.read_only and app.screen.query_one("#f-text", CueText).disabled
        assert "built in, read-only" in shown(app, "#ed-header")
        await pilot.press("a", "ctrl+s")
        assert len(editor.draft.cues) == len(load_library().get("frame").deck.cues)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, DeckEditorScreen) and app.screen.draft.name == "my-frame"
        assert (herenow_home / "decks" / "my-frame.toml").exists()


async def test_preview_shows_the_cue_as_the_session_does() -> None:
    name = own_copy("here-and-now")
    app = workshop_app(name)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        draft = app.screen.draft
        await highlight(pilot, "cue:2")
        await pilot.press("p")
        preview = app.screen
        assert isinstance(preview, CuePreviewScreen)
        card = preview.query_one("#card-area #cue")
        assert card.shown == draft.cues[2].text
        assert preview.query_one("#timer").shown.startswith("00:00 in  ·  50:00 left")
        await pilot.press("right")
        assert card.shown == draft.cues[3].text
        await pilot.press("d")
        assert preview.query_one("#detail").display and preview.query_one("#detail").shown == draft.cues[3].detail
        await pilot.press("escape")
        assert isinstance(app.screen, DeckEditorScreen)
        assert app.screen.query_one(OptionList).highlighted_option.id == "cue:3"


async def test_import_and_export_from_the_list(tmp_path: Path, herenow_home: Path) -> None:
    shared = tmp_path / "shared.toml"
    shared.write_text('name = "shared"\ntitle = "Shared with me"\n[[cues]]\ntext = "What is here now?"\n')
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "broken"\ntitle = "B"\ncues = []\n')
    app = workshop_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("i")
        assert isinstance(app.screen, PathPrompt)
        await type_text(pilot, str(broken))
        await pilot.press("enter")
        await pilot.pause()
        assert shown(app, "#ws-message") == f"Not imported: {broken}:3: cues: the deck has no cues"
        assert not (herenow_home / "decks").exists()

        await pilot.press("i")
        await type_text(pilot, str(shared))
        await pilot.press("enter")
        await pilot.pause()
        assert (herenow_home / "decks" / "shared.toml").read_text() == shared.read_text()
        assert app.screen.query_one(OptionList).highlighted_option.id == "shared"
        await pilot.press("i")
        await type_text(pilot, str(shared))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, Choice) and "already" in app.screen.question
        await pilot.press("enter")  # keep mine (the default)

        await pilot.press("x")
        assert isinstance(app.screen, PathPrompt)
        await pilot.press("ctrl+u")
        await type_text(pilot, str(tmp_path / "out"))
        await pilot.press("enter")
        await pilot.pause()
        assert parse_deck(tmp_path / "out")[0].name == "shared"


async def test_home_opens_the_workshop_and_sees_new_decks_after(clock) -> None:
    app = HerenowApp(AppContext.load(now=clock, seed=1))
    async with app.run_test(size=(80, 24)) as pilot:
        menu = app.screen.query_one("#home-actions", OptionList)
        labels = [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)]
        assert "Decks: browse and edit" in labels
        await pilot.press("d")
        assert isinstance(app.screen, WorkshopScreen)
        await highlight(pilot, "collaboration")
        await pilot.press("c", "enter")  # asks first; "Make a copy" is ready
        await pilot.pause()
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        decks = app.screen.query_one("#home-decks")
        names = [decks.get_option_at_index(i).value for i in range(decks.option_count)]
        assert "my-collaboration" in names


def test_decks_edit_command(herenow_home: Path) -> None:
    from herenow.ui.launch import run_app

    args = build_parser().parse_args(["decks", "edit", "power"])
    assert (args.screen, args.deck_name) == ("workshop", "power")
    assert build_parser().parse_args(["decks", "edit"]).deck_name is None
    with pytest.raises(UserError, match="no deck named 'nope'"):
        run_app(build_parser().parse_args(["decks", "edit", "nope"]))


async def test_the_header_shows_every_unsaved_change(herenow_home: Path) -> None:
    app = workshop_app(own_copy())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        editor = app.screen
        header = lambda: shown(app, "#ed-header")  # noqa: E731
        assert header() == "Power (my copy)  ·  my-power.toml"
        await pilot.press("shift+down")  # move
        assert editor.draft.dirty and header().endswith("  ·  unsaved changes")
        await pilot.press("shift+up")  # moved back: nothing left to save
        assert not editor.draft.dirty and header() == "Power (my copy)  ·  my-power.toml"
        await pilot.press("ctrl+down", "ctrl+up")
        assert "unsaved changes" not in header()
        await pilot.press("a")  # add
        assert header().endswith("unsaved changes")
        await pilot.press("escape", "delete")
        await pilot.click("#choice-yes")  # delete the new, empty cue: the deck is as it was
        await pilot.pause()
        assert not editor.draft.dirty and "unsaved changes" not in header()
        await highlight(pilot, "cue:12")
        await pilot.press("delete")
        await pilot.click("#choice-yes")  # delete
        await pilot.pause()
        assert header().endswith("unsaved changes")
        await pilot.press("ctrl+s")
        assert "unsaved changes" not in header()
        await highlight(pilot, "cue:0")
        await pilot.press("enter")
        await type_text(pilot, "?")  # edit
        assert header().endswith("unsaved changes")
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, Choice)  # escape asks only when the header says so


async def test_the_status_line_never_claims_a_save_that_did_not_happen(herenow_home: Path) -> None:
    name = own_copy()
    path = herenow_home / "decks" / f"{name}.toml"
    app = workshop_app(name)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await highlight(pilot, "deck")
        await pilot.press("enter", "ctrl+u")
        await type_text(pilot, "Mine")
        await pilot.press("ctrl+s")
        assert shown(app, "#ed-status") == "Saved my-power.toml."
        await type_text(pilot, " too")
        assert "Saved" not in shown(app, "#ed-status")  # changed since: it is not saved any more
        path.write_text(path.read_text().replace('title = "Mine"', 'title = "Theirs"'))
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, Choice)
        await pilot.press("escape")  # cancel
        assert shown(app, "#ed-header").endswith("unsaved changes")
        assert shown(app, "#ed-status") == "Not saved: my-power.toml was changed on disk since it was opened."
        assert parse_deck(path)[0].title == "Theirs"


TWELVE_WORDS = "What feelings are surfacing between us while you describe yesterday's difficult conversation?"


async def test_a_whole_twelve_word_cue_is_visible_while_editing_it(herenow_home: Path) -> None:
    app = workshop_app(own_copy())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        draft = app.screen.draft
        await pilot.press("enter", "ctrl+u")
        field = app.screen.query_one("#f-text", CueText)
        assert app.screen.focused is field and field.text == ""
        await type_text(pilot, TWELVE_WORDS)
        assert len(TWELVE_WORDS.split()) == 12 and draft.cues[0].text == TWELVE_WORDS
        rows = field.wrapped_document.get_sections(0)
        assert len(rows) <= field.content_size.height and field.scroll_offset.y == 0
        text = screen_text(app)
        assert all(row.strip() in text for row in rows)  # every word on screen, as typed

        # A cue is one line: enter adds nothing, a pasted line break is a space.
        await pilot.press("enter")
        await pilot.pause()
        assert draft.cues[0].text == TWELVE_WORDS and "\n" not in field.text and app.screen.focused is field
        await pilot.press("ctrl+u")
        app.screen.focused.post_message(Paste("What is here\nnow?"))
        await pilot.pause()
        assert draft.cues[0].text == "What is here now?"
        # Live checks still follow the typing.
        await pilot.press("ctrl+u")
        await type_text(pilot, "Make them stop")
        assert shown(app, "#m-text") == "reads like an order; perhaps phrase it as a question or invitation"
        assert items(app)[2].startswith("\u20071·Make them stop")  # marked in the list
        await type_text(pilot, " and think about what they want from this hour together with you today")
        assert "words; a glance takes about 12" in shown(app, "#m-text")
        # home and end go to the start and end of the cue, not of a wrapped row.
        await pilot.press("home")
        await type_text(pilot, "Why ")
        await pilot.press("end")
        await type_text(pilot, "?")
        assert draft.cues[0].text.startswith("Why Make them") and draft.cues[0].text.endswith("today?")


async def test_counts_are_pluralised(tmp_path: Path, herenow_home: Path) -> None:
    decks = herenow_home / "decks"
    decks.mkdir(parents=True)
    (decks / "one.toml").write_text('name = "one"\ntitle = "Just one"\nreflection_prompts = ["What happened?"]\n'
                                    '[[cues]]\ntext = "What is here now?"\n')
    app = workshop_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        listing = items(app)
        assert any(line.startswith("Just one ") and line.endswith("  1 cue   yours") for line in listing)
        assert any(line.startswith("Power ") and line.endswith(" 13 cues  built-in") for line in listing)
        assert not any(re.search(r"\b1 cues\b", line) for line in listing)
    app = workshop_app("one")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert items(app)[1] == "Reflection prompts · 1"
        await pilot.press("delete")
        await pilot.click("#choice-yes")
        await pilot.press("ctrl+s")
        assert shown(app, "#ed-status") == "Not saved: 1 thing to look at first (cues: the deck has no cues)."


async def test_c_asks_before_making_a_copy_and_the_list_stays_on_the_copy(herenow_home: Path) -> None:
    app = workshop_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await highlight(pilot, "collaboration")
        await pilot.press("c")
        assert isinstance(app.screen, Choice)
        assert app.screen.question == "Make your own copy of “Collaboration”?"
        assert app.screen.focused.id == "choice-copy"  # c was pressed for it: it is the default
        await pilot.press("c", "c")  # more c's do nothing here
        await pilot.press("escape")  # cancel
        await pilot.pause()
        assert isinstance(app.screen, WorkshopScreen) and not (herenow_home / "decks").exists()
        await pilot.press("c")
        await pilot.click("#choice-cancel")
        await pilot.pause()
        assert not (herenow_home / "decks").exists()

        await pilot.press("c", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DeckEditorScreen) and app.screen.draft.name == "my-collaboration"
        assert [p.name for p in (herenow_home / "decks").iterdir()] == ["my-collaboration.toml"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WorkshopScreen)
        listing = app.screen.query_one(OptionList)
        assert listing.highlighted_option.id == "my-collaboration"  # on the copy, not where the list moved
        assert items(app)[listing.highlighted].startswith("Collaboration (my copy) ")

        # A copy of the copy: asked again, and "(my copy)" only once.
        await pilot.press("c", "enter")
        await pilot.pause()
        assert app.screen.draft.name == "my-collaboration-2"
        assert shown(app, "#ed-header") == "Collaboration (my copy)  ·  my-collaboration-2.toml"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one(OptionList).highlighted_option.id == "my-collaboration-2"


async def test_copying_from_a_builtin_deck_in_the_editor_leaves_the_list_on_the_copy(herenow_home: Path) -> None:
    app = workshop_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await highlight(pilot, "frame")
        await pilot.press("enter")
        await pilot.click("#choice-look")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert app.screen.draft.name == "my-frame"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one(OptionList).highlighted_option.id == "my-frame"


def footer_keys(app: HerenowApp) -> str:
    return " ".join(screen_text(app).splitlines()[-6:])


async def test_the_footer_shows_the_preview_key_that_works_there(herenow_home: Path) -> None:
    app = workshop_app(own_copy())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.focused.id == "ed-items"
        assert "p preview" in footer_keys(app) and "^r preview" not in footer_keys(app)
        await pilot.press("p")
        assert isinstance(app.screen, CuePreviewScreen)
        await pilot.press("escape")
        await pilot.press("ctrl+r")  # works here too
        assert isinstance(app.screen, CuePreviewScreen)
        await pilot.press("escape")

        await pilot.press("enter")  # into the form: p is typed there, ctrl+r previews
        assert app.screen.focused.id == "f-text"
        assert "^r preview" in footer_keys(app) and "p preview" not in footer_keys(app)
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, CuePreviewScreen)
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    workshop = readme[readme.index("## Deck workshop"):]
    workshop = workshop[: workshop.index("\n## ")]
    assert "| `p` (in the list), `ctrl+r` (anywhere) | preview the cue |" in workshop


# ---------------------------------------------------------------- snapshots
def test_snapshot_workshop_list(snap_compare) -> None:
    own_copy("power")
    assert snap_compare(workshop_app(), terminal_size=(80, 24), press=["down"])


def test_snapshot_editor_with_a_hint(snap_compare) -> None:
    name = own_copy("power")

    async def run_before(pilot) -> None:
        await pilot.pause()
        await pilot.press("enter", "end")
        await fill(pilot, " and why, when you must decide for them")

    assert snap_compare(workshop_app(name), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("theme", ["herenow-dusk", "herenow-paper"])
def test_snapshot_preview(snap_compare, theme) -> None:
    name = own_copy("power")
    app = workshop_app(name, theme=theme)

    async def run_before(pilot) -> None:
        await pilot.pause()
        await pilot.press("p", "d")

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_a_prompts_stage_is_edited_beside_it_and_checked(herenow_home: Path) -> None:
    name = own_copy("power")
    app = workshop_app(name)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, DeckEditorScreen)
        await highlight(pilot, "prompts")
        await pilot.press("enter")
        await pilot.pause()
        area = editor.query_one("#f-prompts")
        assert app.focused is area
        assert area.text.splitlines()[0] == "what: Where did I feel most like the expert today?"
        area.move_cursor((0, 0))
        await pilot.press("ctrl+t")  # what -> so-what
        await pilot.pause()
        assert area.text.splitlines()[0].startswith("so-what: Where did I")
        assert editor.draft.prompts[0].stage == "so-what"
        # pw-p2 follows pw-p1, which is no longer a "what": the check says so, next to the prompts.
        assert "follows names a \"what\" prompt" in shown(app, "#m-prompts")
        await pilot.press("ctrl+t", "ctrl+t")  # now-what, then back to what
        await pilot.pause()
        assert area.text.splitlines()[0].startswith("what: ") and shown(app, "#m-prompts") == ""
        area.move_cursor((4, len(area.document.get_line(4))))
        area.insert("\nWhat did I notice about pace?")  # a line without its stage
        await pilot.pause()
        assert "“What did I notice…”: stage: Input should be 'what', 'so-what' or 'now-what'" in shown(
            app, "#m-prompts")
        area.move_cursor((5, 0))
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert area.text.splitlines()[5] == "what: What did I notice about pace?"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert shown(app, "#ed-status") == f"Saved {name}.toml."
    saved, problems = parse_deck(herenow_home / "decks" / f"{name}.toml")
    assert problems == [] and saved.prompts[1].follows == "pw-p1"  # the link survived the edits
    assert [(p.stage, p.text) for p in saved.prompts][-1] == ("what", "What did I notice about pace?")
