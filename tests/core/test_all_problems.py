"""All problems of a deck file in one pass, each with its line, in words a trainee understands."""

from pathlib import Path

from herenow.cli import main
from herenow.config import load_config
from herenow.decks.checks import check_deck_file

THREE_MISTAKES = """\
name = "My Deck"
title = "Mine"

[[cues]]
id = "a"
text = "What is here?"

[[cues]]
id = "a"
text = "You must tell the client what you noticed about the way they look at the clock"
phase = "start"
"""


def test_three_mistakes_are_three_lines_at_once_with_no_regex(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(THREE_MISTAKES)
    deck, problems, hints = check_deck_file(path)
    assert deck is None
    assert [str(p).replace(f"{tmp_path}/", "") for p in problems] == [
        "mine.toml:1: name: use lowercase letters, digits and hyphens, starting with a letter or digit (like my-deck)",
        "mine.toml:9: cues[2].id: 'a' is already the id of cue 1; each cue needs its own",
        "mine.toml:11: cues[2].phase: should be opening, middle, closing or any",
    ]
    assert not any(mark in str(p) for p in problems for mark in ("^", "$", "[a-z", "Input should"))
    # Hints too, for a deck that is not valid yet, each with the line of the cue's text.
    assert [str(h).replace(f"{tmp_path}/", "") for h in hints][:2] == [
        "mine.toml:10: cues[2].text: 16 words; a glance takes about 12",
        "mine.toml:10: cues[2].text: reads like an order; perhaps phrase it as a question or invitation",
    ]


def test_decks_validate_prints_them_all_and_the_hints_with_lines(capsys, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(THREE_MISTAKES)
    assert main(["decks", "validate", str(path)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len([line for line in lines if not line.startswith("hint:")]) == 3
    assert f"hint: {path}:10: cues[2].text: 16 words; a glance takes about 12" in lines
    assert err == "3 problem(s) found.\n"


def test_config_show_reports_deck_names_that_do_not_exist(capsys, herenow_home: Path) -> None:
    herenow_home.mkdir(parents=True, exist_ok=True)
    config = herenow_home / "config.toml"
    config.write_text('session_minutes = 45\ndecks = ["frame", "powr"]\n')
    code = main(["config", "show"])
    out, err = capsys.readouterr()
    assert code == 1 and '"powr"' in out
    assert err.strip() == f"{config}:2: decks: no deck named 'powr'; it is left out (see: herenow decks list)"
    assert load_config()[0].decks == ["frame", "powr"]  # reported, never rewritten behind the user's back
