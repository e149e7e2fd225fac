"""The deck workshop's editing model: edits, live checks, dirty state, safe saving, import and export."""

import os
import string
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import mode
from herenow.decks.model import PHASES, STAGES, Deck
from herenow.decks.schema import validate_deck
from herenow.decks.library import load_library, parse_deck, save_deck
from herenow.decks.draft import DeckDraft, WorkshopError, export_deck, import_deck, make_own_copy

SHARED = """\
# A deck a colleague shared
schema_version = 1
name = "shared"
title = "Shared deck"
reflection_prompts = ["What happened?"]

[[cues]]
text = "What is happening between us right now?"
"""


def my_copy(name: str = "power") -> DeckDraft:
    deck, path = make_own_copy(load_library().get(name).deck)
    draft, problems = DeckDraft.open(path)
    assert problems == [] and draft is not None
    return draft


def test_own_copy_of_a_builtin_deck_is_a_user_file_with_a_free_name(herenow_home: Path) -> None:
    first = my_copy()
    assert first.path == herenow_home / "decks" / "my-power.toml" and first.name == "my-power"
    assert first.title == "Power (my copy)" and mode(first.path) == 0o600
    second = my_copy()
    assert second.name == "my-power-2"
    assert load_library().get("power").origin == "built-in"  # the built-in one is still there, untouched


def test_a_copy_of_a_copy_says_my_copy_once(herenow_home: Path) -> None:
    first = my_copy("collaboration")
    assert first.title == "Collaboration (my copy)"
    second = my_copy(first.name)
    assert (second.name, second.title) == ("my-collaboration-2", "Collaboration (my copy)")
    # A title that already says it more than once (written by hand, or by an older version) is tidied too.
    second.title = "Collaboration (my copy) (My copy)"
    assert second.save().saved
    third = my_copy(second.name)
    assert third.title == "Collaboration (my copy)"
    assert parse_deck(third.path)[0].title == "Collaboration (my copy)"
    # A title that is only "(my copy)" keeps it: there would be nothing left.
    third.title = "(my copy)"
    assert third.save().saved
    assert my_copy(third.name).title == "(my copy)"


def test_edits_make_the_deck_dirty_and_saving_writes_them() -> None:
    draft = my_copy()
    assert not draft.dirty
    count = len(draft.cues)
    first_id = draft.cues[0].id
    index = draft.add_cue(after=0, text="What is it like to be asked that?")
    assert index == 1 and draft.dirty
    draft.edit_cue(1, phase="closing", weight="2.5", tags="asking, feedback", detail="Just notice.")
    assert draft.move_cue(1, -1) == 0 and draft.cues[1].id == first_id
    assert draft.move_cue(0, -1) == 0  # already at the top
    draft.delete_cue(len(draft.cues) - 1)
    draft.title = "My power"
    draft.set_prompts(["what: What did I decide for the client today?", "  ", "now-what:  What could I hand back?"])
    result = draft.save()
    assert result.saved and not draft.dirty
    saved, problems = parse_deck(draft.path)
    assert problems == [] and all(cue.id_in_file for cue in saved.cues)
    assert saved.title == "My power" and len(saved.cues) == count
    new = saved.cues[0]
    assert (new.text, new.phase, new.weight, new.tags, new.detail) == (
        "What is it like to be asked that?", "closing", 2.5, ["asking", "feedback"], "Just notice.")
    assert saved.cues[1].id == first_id
    assert [(p.stage, p.text) for p in saved.prompts] == [("what", "What did I decide for the client today?"),
                                                          ("now-what", "What could I hand back?")]
    assert mode(draft.path) == 0o600
    # The new cue keeps the id written for it when its text changes later.
    draft.edit_cue(0, text="What is it like to be asked?")
    assert draft.save().saved
    assert parse_deck(draft.path)[0].cues[0].id == new.id


def test_undoing_an_edit_is_not_an_unsaved_change() -> None:
    draft = my_copy()
    text = draft.cues[0].text
    draft.edit_cue(0, text=text + "?")
    assert draft.dirty
    draft.edit_cue(0, text=text + "  ")  # spaces at the ends are not kept anyway
    assert not draft.dirty
    draft.edit_cue(0, weight="1.0")
    assert not draft.dirty


def test_checks_are_those_of_decks_validate_keyed_per_field() -> None:
    draft = my_copy()
    draft.edit_cue(1, text="   ")
    draft.edit_cue(2, weight="heavy")
    draft.edit_cue(3, text="Tell the client to slow down")
    draft.edit_cue(4, text="What is it like for them to sit here with me right now in this room today?")
    draft.title = ""
    checks = draft.check()
    assert not checks.ok
    assert [p.message for p in checks.for_field("cues[2].text")] == ["is empty: a cue needs some text"]
    assert [p.message for p in checks.for_field("cues[3].weight")] == [
        "Input should be a valid number, unable to parse string as a number"]
    assert [p.message for p in checks.for_field("title")] == ["String should have at least 1 character"]
    assert [p.message for p in checks.for_field("cues[4].text")] == [
        "reads like an order; perhaps phrase it as a question or invitation"]
    assert [p.message for p in checks.for_field("cues[5].text")] == ["17 words; a glance takes about 12"]
    assert str(checks.for_field("cues[2]")[0]) == f"{draft.path}: cues[2].text: is empty: a cue needs some text"
    result = draft.save()
    assert result.status == "invalid" and "Not saved" in result.message
    assert parse_deck(draft.path)[0].title == "Power (my copy)"  # nothing written


def test_a_deck_without_cues_is_reported_where_no_field_shows_it() -> None:
    draft = my_copy()
    while draft.cues:
        draft.delete_cue(0)
    checks = draft.check()
    assert [str(p.message) for p in checks.unplaced({"title", "description", "language"})] == [
        "the deck has no cues"]


def test_a_file_changed_on_disk_is_never_overwritten_silently() -> None:
    draft = my_copy()
    other = draft.path.read_text().replace("Power (my copy)", "Edited elsewhere")
    draft.path.write_text(other)
    draft.edit_cue(0, text="Mine, edited here?")
    result = draft.save()
    assert result.status == "conflict" and "changed on disk" in result.message
    assert draft.path.read_text() == other and draft.dirty  # both sides still there
    # Overwrite: mine wins, on purpose.
    assert draft.save(overwrite=True).saved
    assert parse_deck(draft.path)[0].cues[0].text == "Mine, edited here?"
    # Reload: theirs wins, on purpose.
    draft.path.write_text(draft.path.read_text().replace("Power (my copy)", "Theirs"))
    draft.edit_cue(0, text="Mine again?")
    assert draft.save().status == "conflict"
    assert draft.reload() == [] and draft.title == "Theirs" and not draft.dirty
    assert draft.save().saved  # no conflict after reloading


def test_touching_a_file_without_changing_it_is_not_a_conflict() -> None:
    draft = my_copy()
    os.utime(draft.path, ns=(1, 1))
    draft.title = "Touched"
    assert draft.save().saved


def test_a_removed_file_is_a_conflict_too() -> None:
    draft = my_copy()
    draft.path.unlink()
    draft.title = "Still mine"
    result = draft.save()
    assert result.status == "conflict" and "removed" in result.message
    assert draft.save(overwrite=True).saved and draft.path.exists()


def test_reload_of_a_broken_file_keeps_the_edits() -> None:
    draft = my_copy()
    draft.title = "Mine"
    draft.path.write_text("name = \n")
    problems = draft.reload()
    assert problems and "TOML syntax error" in str(problems[0])
    assert draft.title == "Mine"


def test_builtin_decks_are_read_only() -> None:
    item = load_library().get("frame")
    draft = DeckDraft(item.deck, item.path, read_only=True)
    draft.title = "Changed"
    before = item.path.read_bytes()
    assert draft.save().status == "read-only"
    assert item.path.read_bytes() == before


def test_import_checks_the_file_first_and_asks_before_replacing(tmp_path: Path, herenow_home: Path) -> None:
    source = tmp_path / "from-a-colleague.toml"
    source.write_text(SHARED)
    result = import_deck(source)
    assert result.status == "imported" and result.path == herenow_home / "decks" / "shared.toml"
    assert result.path.read_text() == SHARED and mode(result.path) == 0o600  # as shared, comments and all
    assert load_library().get("shared").origin == "user"
    source.write_text(SHARED.replace("Shared deck", "Shared deck, second version"))
    again = import_deck(source)
    assert again.status == "exists" and "already" in again.message
    assert "second version" not in result.path.read_text()
    assert import_deck(source, overwrite=True).status == "imported"
    assert "second version" in result.path.read_text()


def test_import_replaces_a_builtin_deck_only_as_the_user_deck_of_that_name(tmp_path: Path) -> None:
    source = tmp_path / "frame.toml"
    source.write_text(SHARED.replace('name = "shared"', 'name = "frame"'))
    result = import_deck(source)
    assert result.status == "imported" and "instead of the built-in" in result.message
    assert load_library().get("frame").origin == "user"


@pytest.mark.parametrize(("content", "expected"), [
    ("name = \n", "bad.toml:1: TOML syntax error"),
    ('name = "x"\ntitle = "X"\ncues = []\n', "bad.toml:3: cues: the deck has no cues"),
    (b"\x89PNG\x00", "bad.toml: is not a text file"),
])
def test_a_bad_import_is_one_line_naming_the_file(tmp_path: Path, herenow_home: Path, content, expected) -> None:
    source = tmp_path / "bad.toml"
    source.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(WorkshopError) as caught:
        import_deck(source)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(tmp_path / expected.split(":")[0]))
    assert expected.split(":", 1)[1] in message
    assert not (herenow_home / "decks").exists() or not list((herenow_home / "decks").iterdir())
    with pytest.raises(WorkshopError, match="cannot be read"):
        import_deck(tmp_path / "missing.toml")


def test_export_writes_a_valid_deck_and_does_not_replace_without_asking(tmp_path: Path) -> None:
    deck = load_library().get("power").deck
    target = export_deck(deck, tmp_path)
    assert target == tmp_path / "power.toml" and mode(target) == 0o600
    assert parse_deck(target)[0] == deck
    with pytest.raises(FileExistsError):
        export_deck(deck, target)
    export_deck(deck, target, overwrite=True)
    with pytest.raises(WorkshopError, match="no such folder"):
        export_deck(deck, tmp_path / "nowhere" / "x.toml")


# ---------------------------------------------------------------- round trip
# Any text a deck can hold: every Unicode character but lone surrogates (not UTF-8, so no file can hold them).
# Control characters are fine: tomli-w writes them as \\uXXXX escapes and tomllib reads them back.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
SOME_TEXT = ANY_TEXT.filter(lambda s: s.strip() != "")
NAMES = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z")
IDS = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,10}\Z")
WEIGHTS = st.floats(min_value=0, max_value=100, exclude_min=True, allow_nan=False)

CUES = st.fixed_dictionaries(
    {"text": SOME_TEXT},
    optional={"id": IDS, "detail": ANY_TEXT, "phase": st.sampled_from(PHASES), "weight": WEIGHTS,
              "tags": st.lists(ANY_TEXT, max_size=3)},
)
PROMPTS = st.lists(st.fixed_dictionaries({"stage": st.sampled_from(STAGES), "text": SOME_TEXT}), max_size=4).map(
    lambda prompts: [dict(p, id=f"p-{i}") for i, p in enumerate(prompts)])
BASE = st.fixed_dictionaries(
    {"name": NAMES, "title": ANY_TEXT.filter(bool), "cues": st.lists(CUES, min_size=1, max_size=5)},
    optional={"description": ANY_TEXT, "version": st.text(string.printable, max_size=8), "language": ANY_TEXT,
              "author": ANY_TEXT, "sources": st.lists(ANY_TEXT, max_size=2)},
)
# Version 2 decks with staged prompts, and version 1 decks with a list of prompt strings (which still load).
DECKS = st.one_of(
    st.tuples(BASE, PROMPTS).map(lambda d: {**d[0], "schema_version": 2, "prompts": d[1]}),
    st.tuples(BASE, st.lists(ANY_TEXT, max_size=4)).map(
        lambda d: {**d[0], "schema_version": 1, "reflection_prompts": d[1]}),
)


def same_deck(a: Deck, b: Deck) -> bool:
    """Equal in everything but the format version (a version 1 deck is written back as version 2)."""
    return replace(a, schema_version=0) == replace(b, schema_version=0)


def _unique_ids(data: dict) -> bool:
    ids = [c["id"] for c in data["cues"] if "id" in c]
    return len(ids) == len(set(ids))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(DECKS.filter(_unique_ids))
def test_any_valid_deck_saved_and_loaded_again_is_the_same_deck(tmp_path: Path, data: dict) -> None:
    deck = validate_deck(data)
    path = tmp_path / "roundtrip.toml"
    save_deck(deck, path)
    again, problems = parse_deck(path)
    assert problems == []
    assert same_deck(again, deck) and again.schema_version == 2
    assert not again.ids_missing_in_file()
    # And through the workshop: opened, saved unchanged, still the same deck.
    draft, _ = DeckDraft.open(path)
    assert not draft.dirty
    assert draft.save().saved
    assert same_deck(parse_deck(path)[0], deck)
