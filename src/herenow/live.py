"""A live session: the clock, the cue scheduler and the record, kept together and autosaved as they change.

Plain Python: the session screen calls these methods and renders what they return. The record is written on every
change and at least once a minute (``HEARTBEAT``), so after a crash its length is right to the minute; a tick in
between writes nothing. The session holds its record's lock (``SessionStore.hold``) while this process lives, so
another window shows it as running, not as waiting.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from herenow.clock import Reading, SessionClock, steady_for
from herenow.config import Config
from herenow.decks.model import Deck
from herenow.store.records import CueEvent, Moment, Pause, SessionRecord, SessionStore, new_record_id
from herenow.scheduler import CueScheduler, DealtCue


HEARTBEAT = 60.0  # seconds: the record is written at least this often while the session runs


class LiveSession:
    def __init__(self, decks: list[Deck], config: Config, *, planned_seconds: float | None = None,
                 now: Callable[[], float] = time.time, seed: int | None = None,
                 records: SessionStore | None = None, steady: Callable[[], float] | None = None,
                 first_session: bool = False) -> None:
        self.config = config
        planned = float(planned_seconds if planned_seconds is not None else config.session_minutes * 60)
        self._steady = steady if steady is not None else steady_for(now)
        self.clock = SessionClock(planned, config.warnings, now=now, steady=self._steady)
        self.scheduler = CueScheduler(
            decks, planned=planned, interval=config.cue_interval_minutes * 60,
            opening=config.opening_minutes * 60, closing=config.closing_minutes * 60, seed=seed,
            first_session=first_session,
        )
        started = dt.datetime.fromtimestamp(self.clock.started).astimezone().replace(microsecond=0)
        self.record = SessionRecord(
            id=new_record_id(started), started=started, planned_minutes=round(planned / 60, 2),
            decks=[deck.name for deck in decks], first_session=first_session,
        )
        self.records = records if records is not None else SessionStore()
        self.records.hold(self.record.id)
        self.save_error: str | None = None
        self.ended = False
        self._undoable: list[Moment | CueEvent] = []  # marks and acted-on tallies of this run, newest last
        self._saved_at = self._steady()
        if self._show(self.scheduler.start(0.0)) is None:
            self.save()  # on disk from the first second: a crash before any key still leaves a record

    # ---------------------------------------------------------------- state
    @property
    def current(self) -> DealtCue | None:
        return self.scheduler.current

    def elapsed(self) -> int:
        return int(self.clock.elapsed())

    def save(self) -> None:
        """Autosave the record. A failure is remembered (and shown quietly), never raised into the session."""
        self.record.elapsed_seconds = self.elapsed()
        self._saved_at = self._steady()
        try:
            self.records.save(self.record)
            self.save_error = None
        except OSError as exc:
            self.save_error = f"could not save the session record: {exc.strerror or exc}"

    def _show(self, dealt: DealtCue | None) -> DealtCue | None:
        if dealt is not None:
            self.record.cues_shown.append(CueEvent(deck=dealt.deck, id=dealt.cue.id or "", text=dealt.cue.text,
                                                   at=self.elapsed()))
            self.save()
        return dealt

    # ---------------------------------------------------------------- what the screen forwards
    def tick(self) -> tuple[Reading, DealtCue | None]:
        """Call often (once a second). Returns the timer reading and a new cue if one became due."""
        reading = self.clock.read()
        changed = None
        if not reading.paused and not self.ended:
            changed = self._show(self.scheduler.tick(reading.elapsed))
        if not reading.paused and not self.ended and self._steady() - self._saved_at >= HEARTBEAT:
            self.save()  # the heartbeat: the length on disk is never more than a minute behind
        return reading, changed

    def next_cue(self) -> DealtCue:
        """Forward. Stepping forward again over cues already shown does not count them as shown twice."""
        revisit = self.scheduler.going_back_over
        dealt = self.scheduler.next(self.clock.elapsed())
        return dealt if revisit else self._show(dealt)

    def previous_cue(self) -> DealtCue | None:
        return self.scheduler.previous(self.clock.elapsed())

    def act_on(self) -> bool:
        """Mark the current cue as acted on. Returns False if it already was (a second press does nothing)."""
        dealt = self.current
        if dealt is None:
            return False
        if any(a.deck == dealt.deck and a.id == dealt.cue.id for a in self.record.acted_on):
            return False
        acted = CueEvent(deck=dealt.deck, id=dealt.cue.id or "", text=dealt.cue.text, at=self.elapsed())
        self.record.acted_on.append(acted)
        self._undoable.append(acted)
        self.save()
        return True

    def mark(self, kind: str = "moment") -> Moment:
        moment = Moment(kind=kind, at=self.elapsed())
        self.record.moments.append(moment)
        self._undoable.append(moment)
        self.save()
        return moment

    def undo(self) -> Moment | CueEvent | None:
        """Take back the last mark or acted-on tally (a key pressed by mistake): it leaves the record, which is
        saved again, so the reflection never counts it. Each call goes one further back; None when nothing is left."""
        while self._undoable:
            last = self._undoable.pop()
            kept = self.record.moments if isinstance(last, Moment) else self.record.acted_on
            for index in range(len(kept) - 1, -1, -1):
                if kept[index] is last:
                    del kept[index]
                    self.save()
                    return last
        return None

    def toggle_pause(self) -> bool:
        """Pause or resume; returns True when now paused."""
        if self.clock.paused:
            seconds = self.clock.resume()
            if self.record.pauses:
                self.record.pauses[-1].seconds = int(round(seconds))
            self.save()
            return False
        at = self.clock.pause()
        self.record.pauses.append(Pause(at=int(at)))
        self.save()
        return True

    def end(self) -> SessionRecord:
        if self.clock.paused:
            self.toggle_pause()
        self.ended = True
        # The start plus the real time since: a wall clock set back meanwhile cannot make it end before it began.
        self.record.ended = dt.datetime.fromtimestamp(self.clock.ended_at()).astimezone().replace(microsecond=0)
        self.save()
        return self.record
