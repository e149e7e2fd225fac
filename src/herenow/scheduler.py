"""Which cue shows when: phase-aware, weighted, no repeats until a pool is used up, deterministic given a seed.

Two cues with the same text (normalised: lowercase, punctuation gone, spaces collapsed) are one card: only the
first of them, in the order of the session's decks, is ever dealt. Cues marked ``first_session`` are dealt only
in a session marked as a first session.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from herenow.decks.model import Cue, Deck, normalised


class DealtCue(NamedTuple):
    """A cue as dealt, with its deck's name. (NamedTuple rather than a frozen dataclass: cheaper to create, issue 12.)"""

    deck: str
    cue: Cue

    @property
    def key(self) -> str:
        return f"{self.deck}:{self.cue.id}"


class CueScheduler:
    """Deals cues. ``elapsed`` is always session time in seconds, passed in by the caller (no clock inside)."""

    def __init__(self, decks: list[Deck], *, planned: float, interval: float = 240, opening: float = 300,
                 closing: float = 600, seed: int | None = None, first_session: bool = False) -> None:
        self.first_session = first_session
        self.cues: list[DealtCue] = []
        texts: set[str] = set()
        for deck in decks:
            for cue in deck.cues:
                text = normalised(cue.text)
                if text in texts or (cue.first_session and not first_session):
                    continue
                texts.add(text)
                self.cues.append(DealtCue(deck.name, cue))
        if not self.cues:
            raise ValueError("no cues to show")
        self.planned = planned
        self.interval = interval
        self.opening = opening
        self.closing = closing
        self._random = random.Random(seed)
        self._used: set[str] = set()
        self.history: list[DealtCue] = []
        self._position = -1
        self.changed_at = 0.0

    # ---------------------------------------------------------------- phases
    def phase_at(self, elapsed: float) -> str:
        if elapsed >= self.planned - self.closing:
            return "closing"
        if elapsed < self.opening:
            return "opening"
        return "middle"

    def _pool(self, phase: str) -> list[DealtCue]:
        specific = [c for c in self.cues if c.cue.phase == phase]
        general = [c for c in self.cues if c.cue.phase == "any"]
        if phase in ("opening", "closing"):
            fresh = [c for c in specific if c.key not in self._used]
            if fresh:
                return specific
            return specific + general if specific + general else self.cues
        pool = specific + general
        return pool or self.cues

    def _pick(self, elapsed: float) -> DealtCue:
        pool = self._pool(self.phase_at(elapsed))
        fresh = [c for c in pool if c.key not in self._used]
        if not fresh:
            self._used -= {c.key for c in pool}
            fresh = list(pool)
        if self.current is not None and len(fresh) > 1:
            fresh = [c for c in fresh if c.key != self.current.key]
        choice = self._random.choices(fresh, weights=[c.cue.weight for c in fresh], k=1)[0]
        self._used.add(choice.key)
        return choice

    # ---------------------------------------------------------------- moving
    @property
    def current(self) -> DealtCue | None:
        return self.history[self._position] if self._position >= 0 else None

    @property
    def going_back_over(self) -> bool:
        """True after stepping back: the next cue forward is one already shown, not a new one."""
        return self._position < len(self.history) - 1

    def carry_on(self, shown: list[DealtCue], changed_at: float) -> DealtCue | None:
        """A resumed session: ``shown`` were dealt already (oldest first; not dealt again until their pool is used
        up), the last of them is the current cue, shown at ``changed_at``."""
        self.history = list(shown)
        self._used = {c.key for c in shown}
        self._position = len(self.history) - 1
        self.changed_at = changed_at
        return self.current

    def find(self, deck: str, cue_id: str, text: str) -> DealtCue | None:
        """The cue a record names (by deck and id, else by deck and text); None if its deck no longer has it."""
        for dealt in self.cues:
            if dealt.deck == deck and ((cue_id and dealt.cue.id == cue_id) or (not cue_id and dealt.cue.text == text)):
                return dealt
        for dealt in self.cues:
            if dealt.deck == deck and dealt.cue.text == text:
                return dealt
        return None

    def start(self, elapsed: float = 0.0) -> DealtCue:
        return self.next(elapsed)

    def next(self, elapsed: float) -> DealtCue:
        """Forward: through cues already seen after going back, then a new one."""
        self.changed_at = elapsed
        if self._position < len(self.history) - 1:
            self._position += 1
            return self.history[self._position]
        self.history.append(self._pick(elapsed))
        self._position = len(self.history) - 1
        return self.history[self._position]

    def previous(self, elapsed: float) -> DealtCue | None:
        self.changed_at = elapsed
        if self._position > 0:
            self._position -= 1
        return self.current

    def due(self, elapsed: float) -> bool:
        return self.interval > 0 and elapsed - self.changed_at >= self.interval

    def tick(self, elapsed: float) -> DealtCue | None:
        """A new cue if one is due (the interval passed, or the phase turned to closing); else None."""
        if self.current is None:
            return self.start(elapsed)
        entering_closing = (self.phase_at(elapsed) == "closing" and self.phase_at(self.changed_at) != "closing"
                            and self.current.cue.phase not in ("closing", "any"))
        if self.due(elapsed) or entering_closing:
            return self.next(elapsed)
        return None
