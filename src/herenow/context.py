"""Everything a running app needs, gathered once at start: config, decks, themes, stores, the clock.

Plain Python (no Textual), so the CLI and tests can build one directly. Tests pass ``now`` and ``seed``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from herenow.config import Config, load_config
from herenow.decks.model import Deck
from herenow.decks.library import DeckLibrary, load_library
from herenow.problems import Problem
from herenow.store.records import SessionStore
from herenow.themes import ThemeLibrary, load_themes

if TYPE_CHECKING:
    from herenow.store.indexed import IndexedStore


@dataclass
class AppContext:
    config: Config
    decks: DeckLibrary
    themes: ThemeLibrary
    problems: list[Problem] = field(default_factory=list)
    now: Callable[[], float] = time.time
    seed: int | None = None
    records: SessionStore = field(default_factory=SessionStore)
    _store: IndexedStore | None = None

    @property
    def store(self) -> IndexedStore:
        """The reflection store, made on first use (a session does not need it to start)."""
        if self._store is None:
            from herenow.store.indexed import IndexedStore

            self._store = IndexedStore()
        return self._store

    @classmethod
    def load(cls, *, now: Callable[[], float] = time.time, seed: int | None = None) -> AppContext:
        config, config_problems = load_config()
        decks = load_library()
        themes = load_themes()
        return cls(config=config, decks=decks, themes=themes,
                   problems=config_problems + decks.problems + themes.problems, now=now, seed=seed)

    def reload_decks(self) -> list[Problem]:
        """Pick up decks edited in another editor (called when a session starts)."""
        self.decks = load_library()
        return self.decks.problems

    def resolve_decks(self, names: list[str]) -> tuple[list[Deck], list[str]]:
        """The decks with these names, and the names not found."""
        found, missing = [], []
        for name in names:
            item = self.decks.get(name)
            if item is None:
                missing.append(name)
            else:
                found.append(item.deck)
        return found, missing

    def default_decks(self) -> list[Deck]:
        found, _ = self.resolve_decks(self.config.decks)
        if not found:
            found = [item.deck for item in (self.decks.decks[n] for n in self.decks.names())]
        return found
