"""Where decks come from: built-in decks shipped with the package and the user's own, loaded, checked and saved.

A user deck with the same name as a built-in one overrides it. A broken file is reported and skipped, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from herenow.decks.model import Deck, deck_to_toml, normalised
from herenow.names import is_name
from herenow.problems import Problem, line_index, locate
from herenow.store import paths
from herenow.store.checked import CheckedCache, cached_reader

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
    _hints: list[Problem] | None = field(default=None, repr=False)

    @property
    def hints(self) -> list[Problem]:
        """Advice, not errors: e.g. the same cue in two decks. Worked out when asked (a session never asks)."""
        if self._hints is None:
            self._hints = duplicate_texts(list(self.decks.values()))
        return self._hints

    def get(self, name: str) -> LoadedDeck | None:
        return self.decks.get(name)

    def names(self) -> list[str]:
        return sorted(self.decks)


def parse_deck(path: Path, raw: bytes | None = None) -> tuple[Deck | None, list[Problem]]:
    """Read and validate one deck file: every problem at once, in plain words. Never raises for a user's mistake."""
    from herenow.decks.checks import check_deck_file

    deck, problems, _hints = check_deck_file(path, raw)
    return deck, problems


def _scan(folder: Path, origin: Origin, cache: CheckedCache) -> tuple[list[LoadedDeck], list[Problem]]:
    from herenow.store.files import scan_toml

    parse = cached_reader(cache, "deck", parse_deck, Deck.data, Deck.from_data)
    loaded, problems = scan_toml(folder, parse)
    return [LoadedDeck(deck, path, origin) for path, deck in loaded], problems


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
    cache = CheckedCache()
    builtin, problems = _scan(paths.builtin_decks_dir(), "built-in", cache)
    builtin, dup = _check_duplicates(builtin)
    library.problems += problems + dup
    for item in builtin:
        library.decks[item.deck.name] = item
    user, problems = _scan(paths.locations().decks_dir, "user", cache)
    cache.save()
    user, dup = _check_duplicates(user)
    library.problems += problems + dup
    for item in user:
        item.overrides_builtin = item.deck.name in library.decks
        library.decks[item.deck.name] = item
    return library


def duplicate_texts(loaded: list[LoadedDeck], against: list[LoadedDeck] = ()) -> list[Problem]:
    """Cues in ``loaded`` whose normalised text is already used by an earlier cue (in ``against`` first, then
    in ``loaded``). A session shows such a text only once, so the second copy is never seen with the first."""
    seen: dict[str, str] = {}
    for item in against:
        for cue in item.deck.cues:
            seen.setdefault(normalised(cue.text), f"{item.deck.name} {cue.id}")
    out: list[Problem] = []
    for item in loaded:
        index: dict | None = None
        for number, cue in enumerate(item.deck.cues):
            key = normalised(cue.text)
            first = seen.get(key)
            here = f"{item.deck.name} {cue.id}"
            if first is None:
                seen[key] = here
                continue
            if index is None:
                from herenow.store.files import Unreadable, read_bytes_safely

                try:
                    index = line_index(read_bytes_safely(item.path).decode("utf-8"))
                except (Unreadable, UnicodeDecodeError):
                    index = {}
            out.append(Problem(str(item.path), f"the same text as {first}; a session shows it only once",
                               line=locate(index, ("cues", number, "text")), field=f"cues[{number + 1}].text"))
    return out


def validate_files(files: list[Path]) -> tuple[list[Deck], list[Problem]]:
    """What ``herenow decks validate`` checks: each file, and names used twice across them.

    ``text_hints`` gives the advice that goes with it (the same cue text in two decks)."""
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


def text_hints(files: list[Path]) -> list[Problem]:
    """Cue texts in these deck files that repeat one another, or a cue of the built-in and user decks (a deck
    being checked is not compared with the library deck it would replace)."""
    checked: list[LoadedDeck] = []
    for path in files:
        if path.is_file():
            deck, _problems = parse_deck(path)
            if deck is not None:
                checked.append(LoadedDeck(deck, path, "file"))
    library = load_library()
    names = {item.deck.name for item in checked}
    paths_checked = {item.path.resolve() for item in checked}
    others = [item for item in library.decks.values()
              if item.deck.name not in names and item.path.resolve() not in paths_checked]
    return duplicate_texts(checked, others)


def save_deck(deck: Deck, path: Path) -> None:
    from herenow.store.files import atomic_write

    atomic_write(path, deck_to_toml(deck))


def copy_deck(source: Deck, new_name: str) -> tuple[Deck, Path]:
    """Copy a deck into the user decks dir under a new name, ready to edit. Raises ValueError if not possible."""
    if not is_name(new_name):
        raise ValueError(f"{new_name!r} is not a valid deck name: use lowercase letters, digits and hyphens")
    target = paths.locations().decks_dir / f"{new_name}.toml"
    if target.exists():
        raise ValueError(f"{target} already exists")
    from herenow.decks.schema import validate_deck

    data = source.file_data()
    data["name"] = new_name
    if new_name != source.name and not source.title.endswith("(my copy)"):
        data["title"] = f"{source.title} (my copy)"
    deck = validate_deck(data)
    save_deck(deck, target)
    return deck, target
