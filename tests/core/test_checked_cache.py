"""The checked cache (issue 12): decks, themes and config.toml kept as plain data once checked, so a session
starts without pydantic. It must never serve a stale or an invalid deck, and a session from a warm cache must
import neither pydantic, nor sqlite3, nor tomllib."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import mode, read_only
from herenow.config import load_config
from herenow.decks import schema
from herenow.decks.library import load_library
from herenow.decks.model import Cue, Deck, Prompt
from herenow.store import checked
from herenow.store.paths import locations
from herenow.themes import ThemeFile, load_themes

DECK = """\
name = "mine"
title = "Mine"

[[cues]]
id = "m-1"
text = "What is happening between us right now?"
"""


def write_deck(home: Path, text: str) -> Path:
    folder = home / "decks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cues_of(name: str) -> list[str]:
    item = load_library().get(name)
    return [] if item is None else [cue.text for cue in item.deck.cues]


def test_an_edit_is_seen_even_with_the_same_size_and_time(herenow_home: Path) -> None:
    """A key of size and mtime could miss an edit within one clock tick: the cache is keyed on the bytes."""
    path = write_deck(herenow_home, DECK)
    assert cues_of("mine") == ["What is happening between us right now?"]
    assert locations().checked_cache_file.exists()
    before = path.stat()
    path.write_text(DECK.replace("happening", "unfolding"), encoding="utf-8")  # same length
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert cues_of("mine") == ["What is unfolding between us right now?"]


def test_a_deck_broken_after_it_was_cached_is_a_problem_not_the_old_deck(herenow_home: Path) -> None:
    path = write_deck(herenow_home, DECK)
    assert cues_of("mine")
    path.write_text(DECK.replace('name = "mine"', 'name = "Not A Name"'), encoding="utf-8")
    library = load_library()
    assert library.get("mine") is None
    assert [p.file for p in library.problems] == [str(path)]
    # A warm start says the same thing, from the cache, line number and all.
    assert [str(p) for p in load_library().problems] == [str(p) for p in library.problems]


def test_a_damaged_or_foreign_cache_is_ignored_and_rewritten(herenow_home: Path, monkeypatch) -> None:
    write_deck(herenow_home, DECK)
    fresh = cues_of("mine")
    cache = locations().checked_cache_file
    for damage in (b"\x00not json", b"[]", json.dumps({"format": 1, "version": "0.0.0", "entries": {}}).encode()):
        cache.write_bytes(damage)
        assert cues_of("mine") == fresh
        assert json.loads(cache.read_bytes())["version"] == checked.__version__  # rewritten by this herenow
    # An entry that is not what this herenow writes is checked again rather than trusted.
    document = json.loads(cache.read_bytes())
    for key, entry in document["entries"].items():
        if key.endswith("mine.toml"):
            entry["value"] = {"cues": "not a list"}
    cache.write_text(json.dumps(document))
    assert cues_of("mine") == fresh
    # Another herenow version never reads this one's entries.
    monkeypatch.setattr(checked, "__version__", "99.0")
    document = json.loads(cache.read_bytes())
    for entry in document["entries"].values():
        if isinstance(entry, dict) and "value" in entry and isinstance(entry["value"], dict) and "cues" in entry[
                "value"]:
            entry["value"]["cues"] = [{"text": "served from a stale cache"}]
    cache.write_text(json.dumps(document))
    assert cues_of("mine") == fresh


def test_config_and_themes_come_from_the_cache_and_follow_their_files(herenow_home: Path) -> None:
    config_file = locations().config_file
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text("# mine\nsession_minutes = 45\n", encoding="utf-8")
    assert load_config()[0].session_minutes == 45
    assert load_config()[0].session_minutes == 45  # warm
    config_file.write_text("# mine\nsession_minutes = 0\n", encoding="utf-8")
    config, problems = load_config()
    assert config.session_minutes == 50 and [p.field for p in problems] == ["session_minutes"]
    assert [str(p) for p in load_config()[1]] == [str(p) for p in problems]  # warm: the same problem

    themes = herenow_home / "themes"
    themes.mkdir()
    theme = themes / "mine.toml"
    theme.write_text('name = "mine"\n[colors]\nprimary = "#336699"\nforeground = "#eeeeee"\n'
                     'background = "#111111"\n', encoding="utf-8")
    assert load_themes().themes["mine"].theme.colors.foreground == "#eeeeee"
    theme.write_text(theme.read_text().replace("#eeeeee", "#222222"), encoding="utf-8")  # too little contrast
    library = load_themes()
    assert "mine" not in library.themes and any("contrast" in p.message for p in library.problems)


def test_the_cache_is_private(herenow_home: Path) -> None:
    write_deck(herenow_home, DECK)
    load_library()
    cache = locations().checked_cache_file
    assert mode(cache) == 0o600 and mode(cache.parent) == 0o700


def test_a_read_only_cache_folder_still_starts(herenow_home: Path, monkeypatch) -> None:
    write_deck(herenow_home, DECK)
    folder = locations().checked_cache_file.parent
    folder.mkdir(parents=True, exist_ok=True)
    writable = read_only(monkeypatch, folder)
    assert cues_of("mine") == ["What is happening between us right now?"]
    assert cues_of("mine") == ["What is happening between us right now?"]
    assert not locations().checked_cache_file.exists()
    writable()


def test_the_plain_deck_and_the_file_rules_have_the_same_fields() -> None:
    """decks.model (what a session uses) and decks.schema (what pydantic checks): one format, in step."""
    for plain, rules in ((Deck, schema.DeckFile), (Cue, schema.CueFile), (Prompt, schema.PromptFile)):
        fields = {f.name: f for f in dataclasses.fields(plain) if f.name != "id_in_file"}
        assert list(fields) == list(rules.model_fields), plain
        for name, field in fields.items():
            info = rules.model_fields[name]
            if not info.is_required():
                default = field.default_factory() if field.default_factory is not dataclasses.MISSING \
                    else field.default
                assert default == info.get_default(call_default_factory=True), (plain, name)


def test_a_theme_round_trips_through_plain_data() -> None:
    for item in load_themes().themes.values():
        assert ThemeFile.from_data(dataclasses.asdict(item.theme)) == item.theme


SESSION_START = """
import asyncio, sys
from herenow.context import AppContext
from herenow.ui.app import HerenowApp, SessionOptions

async def main():
    app = HerenowApp(AppContext.load(), start="session", session=SessionOptions(planned_seconds=3000))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "SessionScreen", app.screen
        await pilot.press("space", "m")
        await pilot.pause()

asyncio.run(main())
print(" ".join(sorted(m for m in ("pydantic", "pydantic_core", "sqlite3", "tomllib", "sqlcipher3", "pyrage")
                      if m in sys.modules)))
"""


def test_a_session_from_a_warm_cache_imports_neither_pydantic_nor_sqlite(herenow_home: Path) -> None:
    write_deck(herenow_home, DECK)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    first = subprocess.run([sys.executable, "-c", SESSION_START], env=env, capture_output=True, text=True,
                           timeout=60)
    assert first.returncode == 0, first.stderr
    assert "pydantic" in first.stdout  # the first start checks every file
    warm = subprocess.run([sys.executable, "-c", SESSION_START], env=env, capture_output=True, text=True,
                          timeout=60)
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout.split() == [], warm.stdout  # and the record was written meanwhile (tomli-w, not these)
    assert list((herenow_home / "sessions").glob("*.toml"))
