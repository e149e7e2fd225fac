from pathlib import Path

import pytest

from herenow.decks import library as decks, schema as deck_schema
from herenow.decks.model import STAGES, hints
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
    assert library.problems == [] and library.hints == []
    assert len(library.decks) == 10
    for name, item in library.decks.items():
        deck = item.deck
        assert item.origin == "built-in" and deck.schema_version == 2
        assert item.path.stem == name
        assert len(deck.cues) >= 8, name
        assert all(deck.prompts_at(stage) for stage in STAGES), name  # at least one prompt per stage
        assert deck.sources, name
        assert hints(deck) == [], (name, [str(h) for h in hints(deck)])
        assert all(cue.id_in_file for cue in deck.cues), name
        phases = {cue.phase for cue in deck.cues}
        assert {"opening", "closing"} <= phases, name
        for cue in deck.cues:
            assert len(cue.text.split()) <= 12
            assert not cue.text.endswith("!")


def test_cue_without_id_gets_a_stable_one_written_on_save(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.toml", GOOD)
    deck, problems = parse_deck(path)
    assert problems == [] and deck is not None
    assert not all(cue.id_in_file for cue in deck.cues)
    derived = deck.cues[1].id
    again, _ = parse_deck(path)
    assert again.cues[1].id == derived  # the same id every time it is read
    decks.save_deck(deck, path)
    assert f'id = "{derived}"' in path.read_text()
    saved, _ = parse_deck(path)
    assert all(cue.id_in_file for cue in saved.cues)
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
        ('name = "x"\ntitle = "X"\n[[cues]]\ntext = "A"\ncolour = "red"\n', ["deck.toml:5: cues[1].colour: is not a known field (check the spelling; known: id, text, detail, phase, weight, tags, first_session)"]),
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
    assert problems_of(tmp_path, "name = 'caf\xe9'".encode("latin-1")) == [f"{tmp_path}/deck.toml:1: is not UTF-8 text"]


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
    deck = deck_schema.validate_deck(dict(name="x", title="X", prompts=[{"id": "p", "stage": "what", "text": "a"}], cues=[
        {"text": "Tell the client to breathe"},
        {"text": "What is it like for them to sit here with me right now in this room today?"},
        {"text": "What is happening between us?"},
        {"text": "what is happening  between us"},
    ]))
    found = [str(h) for h in hints(deck, "x.toml")]
    assert found == [
        "x.toml: cues[1].text: reads like an order; perhaps phrase it as a question or invitation",
        "x.toml: cues[2].text: 17 words; a glance takes about 12",
        "x.toml: cues[4].text: the same text as cues[3]; a session shows it only once",
        "x.toml: prompts: no 'so-what' or 'now-what' prompt; the defaults fill in",
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

    schema = json.loads(deck_schema.json_schema())
    assert set(schema["required"]) == {"name", "title", "cues"}
    cue = schema["$defs"]["Cue"]
    assert cue["properties"]["phase"]["enum"] == ["opening", "middle", "closing", "any"]


# ---------------------------------------------------------------- schema 2: prompts with stages
V2 = """\
schema_version = 2
name = "mine"
title = "Mine"
sources = ["Rolfe, Freshwater & Jasper (2001)"]

[[prompts]]
id = "m-p1"
stage = "what"
text = "What happened?"

[[prompts]]
id = "m-p2"
stage = "so-what"
follows = "m-p1"
text = "What did it mean?"

[[prompts]]
id = "m-p3"
stage = "now-what"
text = "What next?"

[[cues]]
id = "m-1"
text = "Who is choosing, right now?"
first_session = true
"""


def test_a_version_2_deck_loads_with_staged_prompts_sources_and_first_session_cues(tmp_path: Path) -> None:
    deck, problems = parse_deck(write(tmp_path, "mine.toml", V2))
    assert problems == [] and deck.schema_version == 2
    assert [(p.id, p.stage, p.follows) for p in deck.prompts] == [
        ("m-p1", "what", None), ("m-p2", "so-what", "m-p1"), ("m-p3", "now-what", None)]
    assert deck.sources == ["Rolfe, Freshwater & Jasper (2001)"] and deck.cues[0].first_session
    # Saved and read again: the same deck, first_session and follows written out.
    path = tmp_path / "again.toml"
    decks.save_deck(deck, path)
    assert 'first_session = true' in path.read_text() and 'follows = "m-p1"' in path.read_text()
    assert parse_deck(path)[0] == deck


def test_a_version_1_deck_still_loads_its_prompts_given_stages_in_order(tmp_path: Path) -> None:
    legacy = GOOD.replace('reflection_prompts = ["What happened?", "What was my part?", "What next?"]',
                          'reflection_prompts = ["What happened?", "What was my part?", "What next?", "And?"]')
    deck, problems = parse_deck(write(tmp_path, "mine.toml", legacy))
    assert problems == [] and deck.schema_version == 1
    assert [(p.stage, p.text) for p in deck.prompts] == [
        ("what", "What happened?"), ("so-what", "What was my part?"), ("now-what", "What next?"), ("what", "And?")]
    assert "version 1 format" in " ".join(str(h) for h in hints(deck, "mine.toml"))
    # Saving writes version 2, and the prompts keep their stages.
    path = tmp_path / "saved.toml"
    decks.save_deck(deck, path)
    again, problems = parse_deck(path)
    assert problems == [] and again.schema_version == 2 and again.prompts == deck.prompts


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('stage = "now-what"', 'stage = "then-what"'),
         "deck.toml:19: prompts[3].stage: should be what, so-what or now-what"),
        (('follows = "m-p1"', 'follows = "m-p9"'),
         "deck.toml:14: prompts[2].follows: no prompt in this deck has the id 'm-p9'"),
        (('follows = "m-p1"', 'follows = "m-p3"'),
         "deck.toml:14: prompts[2].follows: 'm-p3' is a 'now-what' prompt; follows names a \"what\" prompt"),
        (('id = "m-p3"', 'id = "m-p1"'), "deck.toml:18: prompts[3].id: prompt id 'm-p1' is used twice"),
        (('stage = "now-what"', 'stage = "what"\nfollows = "m-p1"'),
         "deck.toml:20: prompts[3].follows: a \"what\" prompt follows nothing; only so-what and now-what "
         "prompts can follow one"),
        (('schema_version = 2', 'schema_version = 2\nreflection_prompts = ["Old?"]'),
         "deck.toml:2: reflection_prompts: is the version 1 format; with schema_version = 2 use [[prompts]] tables"),
        (('schema_version = 2', 'schema_version = 1'),
         "deck.toml: prompts: [[prompts]] tables need schema_version = 2"),
        (('schema_version = 2', 'schema_version = 3'), "deck.toml:1: schema_version: should be 1 or 2"),
    ],
)
def test_bad_prompts_name_the_file_line_and_field(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    got = problems_of(tmp_path, V2.replace(*change))
    assert [line.replace(str(tmp_path) + "/", "") for line in got] == [expected]


def test_duplicate_cue_texts_across_decks_are_a_hint_when_loading(herenow_home: Path) -> None:
    write(herenow_home / "decks", "mine.toml", V2.replace("Who is choosing, right now?",
                                                          "How are the two of us doing today"))
    library = load_library()
    assert library.problems == []
    assert [str(h) for h in library.hints] == [
        f"{herenow_home}/decks/mine.toml:24: cues[1].text: the same text as here-and-now hn-13; "
        "a session shows it only once"]
