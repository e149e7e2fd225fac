"""Where decks come from: built-in decks shipped with the package and the user's own, loaded, checked and saved.

A user deck with the same name as a built-in one overrides it. A broken file is reported and skipped, never fatal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from herenow.decks.model import NAME_PATTERN, Deck, deck_to_toml
from herenow.problems import Problem
from herenow.store import paths

Origin = Literal["built-in", "user", "file"]


@dataclass
class LoadedDeck:
    deck: Deck
    path: Path
    origin: Origin
    overrides_builtin: bool = False


@dataclass
class DeckLibrary:
    decks: dict[str, LoadedDeck] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def get(self, name: str) -> LoadedDeck | None:
        return self.decks.get(name)

    def names(self) -> list[str]:
        return sorted(self.decks)


def parse_deck(path: Path) -> tuple[Deck | None, list[Problem]]:
    """Read and validate one deck file: every problem at once, in plain words. Never raises for a user's mistake."""
    from herenow.decks.checks import check_deck_file

    deck, problems, _hints = check_deck_file(path)
    return deck, problems


def _scan(folder: Path, origin: Origin) -> tuple[list[LoadedDeck], list[Problem]]:
    found: list[LoadedDeck] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return found, problems
    for path in sorted(folder.glob("*.toml")):
        deck, deck_problems = parse_deck(path)
        problems.extend(deck_problems)
        if deck is not None:
            found.append(LoadedDeck(deck, path, origin))
    return found, problems


def _check_duplicates(loaded: list[LoadedDeck]) -> tuple[list[LoadedDeck], list[Problem]]:
    seen: dict[str, LoadedDeck] = {}
    problems = []
    for item in loaded:
        first = seen.get(item.deck.name)
        if first is not None:
            problems.append(
                Problem(str(item.path), f"deck name {item.deck.name!r} is already used by {first.path}; skipped",
                        line=None, field="name")
            )
            continue
        seen[item.deck.name] = item
    return list(seen.values()), problems


def load_library() -> DeckLibrary:
    """Built-in decks, then the user's (a user deck overrides a built-in one of the same name)."""
    library = DeckLibrary()
    builtin, problems = _scan(paths.builtin_decks_dir(), "built-in")
    builtin, dup = _check_duplicates(builtin)
    library.problems += problems + dup
    for item in builtin:
        library.decks[item.deck.name] = item
    user, problems = _scan(paths.locations().decks_dir, "user")
    user, dup = _check_duplicates(user)
    library.problems += problems + dup
    for item in user:
        item.overrides_builtin = item.deck.name in library.decks
        library.decks[item.deck.name] = item
    return library


def validate_files(files: list[Path]) -> tuple[list[Deck], list[Problem]]:
    """What ``herenow decks validate`` checks: each file, and names used twice across them."""
    decks: list[LoadedDeck] = []
    problems: list[Problem] = []
    for path in files:
        if path.is_dir():
            problems.append(Problem(str(path), "is a folder, not a deck file"))
            continue
        deck, found = parse_deck(path)
        problems += found
        if deck is not None:
            decks.append(LoadedDeck(deck, path, "file"))
    decks, dup = _check_duplicates(decks)
    return [d.deck for d in decks], problems + dup


def save_deck(deck: Deck, path: Path) -> None:
    from herenow.store.files import atomic_write

    atomic_write(path, deck_to_toml(deck))


def copy_deck(source: Deck, new_name: str) -> tuple[Deck, Path]:
    """Copy a deck into the user decks dir under a new name, ready to edit. Raises ValueError if not possible."""
    if not re.match(NAME_PATTERN, new_name):
        raise ValueError(f"{new_name!r} is not a valid deck name: use lowercase letters, digits and hyphens")
    target = paths.locations().decks_dir / f"{new_name}.toml"
    if target.exists():
        raise ValueError(f"{target} already exists")
    data = source.model_dump()
    data["name"] = new_name
    if new_name != source.name and not source.title.endswith("(my copy)"):
        data["title"] = f"{source.title} (my copy)"
    deck = Deck.model_validate(data)
    save_deck(deck, target)
    return deck, target
