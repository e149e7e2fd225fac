from pathlib import Path

import pytest

from herenow.decks import library as decks, model as deck_model
from herenow.decks.model import Deck, hints
from herenow.decks.library import load_library, parse_deck, validate_files

GOOD = """\
schema_version = 1
name = "mine"
title = "Mine"
reflection_prompts = ["What happened?", "What was my part?", "What next?"]

[[cues]]
id = "m-1"
text = "What is happening between us right now?"
phase = "any"

[[cues]]
text = "How are the two of us doing today?"
phase = "closing"
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str | bytes) -> list[str]:
    path = write(tmp_path, "deck.toml", text)
    deck, problems = parse_deck(path)
    assert deck is None
    return [str(p) for p in problems]


def test_builtin_decks_are_valid_and_rich() -> None:
    library = load_library()
    assert library.problems == []
    assert len(library.decks) >= 6
    for name, item in library.decks.items():
        deck = item.deck
        assert item.origin == "built-in"
        assert item.path.stem == name
        assert len(deck.cues) >= 8, name
        assert len(deck.reflection_prompts) >= 3, name
        assert hints(deck) == [], (name, [str(h) for h in hints(deck)])
        assert not deck.ids_missing_in_file(), name
        phases = {cue.phase for cue in deck.cues}
        assert {"opening", "closing"} <= phases, name
        for cue in deck.cues:
            assert len(cue.text.split()) <= 12
            assert not cue.text.endswith("!")


def test_cue_without_id_gets_a_stable_one_written_on_save(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.toml", GOOD)
    deck, problems = parse_deck(path)
    assert problems == [] and deck is not None
    assert deck.ids_missing_in_file()
    derived = deck.cues[1].id
    again, _ = parse_deck(path)
    assert again.cues[1].id == derived  # the same id every time it is read
    decks.save_deck(deck, path)
    assert f'id = "{derived}"' in path.read_text()
    saved, _ = parse_deck(path)
    assert not saved.ids_missing_in_file()
    # Editing the text keeps the id once written.
    path.write_text(path.read_text().replace("How are the two of us doing today?", "How are we doing?"))
    edited, _ = parse_deck(path)
    assert edited.cues[1].id == derived and edited.cues[1].text == "How are we doing?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "x"\ntitle = "X"\n[[cues]]\ntext = "Fine"\nphase = "middel"\n', ["deck.toml:5: cues[1].phase: should be opening, middle, closing or any"]),
        ('name = "x"\ntitle = "X"\n[[cues]]\nphase = "any"\n', ["deck.toml:3: cues[1].text: is missing"]),
        ('name = "x"\ntitle = "X"\n[[cues]]\ntext = "   "\n', ["deck.toml:4: cues[1].text: is empty: a cue needs some text"]),
        ('name = "x"\ntitle = "X"\n[[cues]]\ntext = "Fine"\nweight = "heavy"\n', ["deck.toml:5: cues[1].weight: should be a number"]),
        ('name = "x"\ntitle = "X"\ncues = []\n', ["deck.toml:3: cues: the deck has no cues"]),
        ('name = "x"\ntitle = "X"\n', ["deck.toml: cues: is missing"]),
        ('name = "x"\ntitle = "X"\n[[cues]]\ntext = "A"\ncolour = "red"\n', ["deck.toml:5: cues[1].colour: is not a known field (check the spelling; known: id, text, detail, phase, weight, tags)"]),
        ('name = "x"\ntitle = "X"\n[[cues]]\nid="a"\ntext = "A"\n[[cues]]\nid="a"\ntext = "B"\n', ["deck.toml:7: cues[2].id: 'a' is already the id of cue 1; each cue needs its own"]),
        ('name = "x"\ntitle = "X"\n[[cues]\ntext = "A"\n', ["deck.toml:3: TOML syntax error: Expected ']]' at the end of an array declaration"]),
        ('name = "Not Valid"\ntitle = "X"\n[[cues]]\ntext = "A"\n', ["deck.toml:1: name: use lowercase letters, digits and hyphens, starting with a letter or digit (like my-deck)"]),
    ],
)
def test_bad_decks_give_one_line_per_problem_with_file_line_and_field(tmp_path: Path, text: str, expected: list[str]) -> None:
    got = problems_of(tmp_path, text)
    assert [line.replace(str(tmp_path) + "/", "") for line in got] == expected


def test_not_text_files(tmp_path: Path) -> None:
    assert problems_of(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00") == [f"{tmp_path}/deck.toml: is not a text file"]
    assert problems_of(tmp_path, "name = 'caf\xe9'".encode("latin-1")) == [f"{tmp_path}/deck.toml: is not UTF-8 text"]


def test_broken_user_deck_never_hides_the_others(herenow_home: Path) -> None:
    user = herenow_home / "decks"
    write(user, "broken.toml", "this is not toml")
    write(user, "mine.toml", GOOD)
    library = load_library()
    assert "mine" in library.decks and library.decks["mine"].origin == "user"
    assert "here-and-now" in library.decks
    assert len(library.problems) == 1 and "broken.toml:1" in str(library.problems[0])


def test_user_deck_overrides_builtin_of_same_name(herenow_home: Path) -> None:
    write(herenow_home / "decks", "frame.toml", GOOD.replace('name = "mine"', 'name = "frame"'))
    item = load_library().get("frame")
    assert item.origin == "user" and item.overrides_builtin and len(item.deck.cues) == 2


def test_duplicate_names_are_reported(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", GOOD)
    b = write(tmp_path, "b.toml", GOOD)
    found, problems = validate_files([a, b])
    assert len(found) == 1
    assert [str(p) for p in problems] == [f"{b}: name: deck name 'mine' is already used by {a}; skipped"]


def test_hints_flag_long_cues_and_orders() -> None:
    deck = Deck(name="x", title="X", reflection_prompts=["a"], cues=[
        {"text": "Tell the client to breathe"},
        {"text": "What is it like for them to sit here with me right now in this room today?"},
        {"text": "What is happening between us?"},
    ])
    found = [str(h) for h in hints(deck, "x.toml")]
    assert found == [
        "x.toml: cues[1].text: reads like an order; perhaps phrase it as a question or invitation",
        "x.toml: cues[2].text: 17 words; a glance takes about 12",
    ]


def test_copy_deck_into_user_dir(herenow_home: Path) -> None:
    source = load_library().get("frame").deck
    deck, path = decks.copy_deck(source, "my-frame")
    assert path == herenow_home / "decks" / "my-frame.toml"
    again, problems = parse_deck(path)
    assert problems == [] and again.name == "my-frame" and again.title.endswith("(my copy)")
    assert [c.id for c in again.cues] == [c.id for c in source.cues]
    with pytest.raises(ValueError, match="already exists"):
        decks.copy_deck(source, "my-frame")
    copy_of_copy, _ = decks.copy_deck(again, "my-frame-2")
    assert copy_of_copy.title == again.title  # never "(my copy) (my copy)"
    with pytest.raises(ValueError, match="not a valid deck name"):
        decks.copy_deck(source, "My Frame")


def test_schema_describes_the_format() -> None:
    import json

    schema = json.loads(deck_model.json_schema())
    assert set(schema["required"]) == {"name", "title", "cues"}
    cue = schema["$defs"]["Cue"]
    assert cue["properties"]["phase"]["enum"] == ["opening", "middle", "closing", "any"]
