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
AWAY_LIMIT = 15 * 60.0  # seconds: a resumed session counts a shorter gap as session time, a longer one as a pause


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{round(minutes / 60)} hours"


class SessionInUse(Exception):
    """The session to resume is running in another window (its lock is held): it cannot run twice."""


class NotResumable(Exception):
    """The record was ended by the therapist: it waits for a reflection, not for more session."""


class LiveSession:
    def __init__(self, decks: list[Deck], config: Config, *, planned_seconds: float | None = None,
                 now: Callable[[], float] = time.time, seed: int | None = None,
                 records: SessionStore | None = None, steady: Callable[[], float] | None = None,
                 first_session: bool = False, save_now: bool = True) -> None:
        """``save_now=False``: the caller writes the first record itself, soon (the screen does it right after
        its first frame, so the disk's fsync is not in the way of the first cue)."""
        planned = float(planned_seconds if planned_seconds is not None else config.session_minutes * 60)
        self._setup(decks, config, planned, now=now, seed=seed, records=records, steady=steady,
                    first_session=first_session)
        self.clock = SessionClock(planned, config.warnings, now=now, steady=self._steady)
        started = dt.datetime.fromtimestamp(self.clock.started).astimezone().replace(microsecond=0)
        self.record = SessionRecord(
            id=new_record_id(started), started=started, planned_minutes=round(planned / 60, 2),
            decks=[deck.name for deck in decks], first_session=first_session,
        )
        self.records.hold(self.record.id)
        self._saved_at = self._steady()
        self._hold_saves = not save_now
        if self._show(self.scheduler.start(0.0)) is None and save_now:
            self.save()  # on disk from the first second: a crash before any key still leaves a record
        self._hold_saves = False

    def _setup(self, decks: list[Deck], config: Config, planned: float, *, now: Callable[[], float],
               seed: int | None, records: SessionStore | None, steady: Callable[[], float] | None,
               first_session: bool = False) -> None:
        self.config = config
        self._now = now
        self._steady = steady if steady is not None else steady_for(now)
        self.scheduler = CueScheduler(
            decks, planned=planned, interval=config.cue_interval_minutes * 60,
            opening=config.opening_minutes * 60, closing=config.closing_minutes * 60, seed=seed,
            first_session=first_session,
        )
        self.records = records if records is not None else SessionStore()
        self.save_error: str | None = None
        self._hold_saves = False  # while starting with save_now=False
        self.ended = False
        self.resumed_note = ""  # a resumed session: what it says about the time it was away, if anything
        self._undoable: list[Moment | CueEvent] = []  # marks and acted-on tallies of this run, newest last

    @classmethod
    def resume(cls, record: SessionRecord, decks: list[Deck], config: Config, *,
               now: Callable[[], float] = time.time, seed: int | None = None, records: SessionStore | None = None,
               steady: Callable[[], float] | None = None, away_limit: float = AWAY_LIMIT) -> LiveSession:
        """Carry on a session whose process died or was closed from outside, from its record.

        It keeps its id, start time, cues shown (the scheduler goes on without repeating them), acted-on tallies,
        marks and pauses. Time: if the record was written less than ``away_limit`` ago, the session went on
        meanwhile (a tablet asleep, a reconnect) and that time counts; a longer gap (or a wall clock set back) is
        counted as a pause, and ``resumed_note`` says so. A session paused when it stopped resumes paused, its
        pause growing by the time since. Raises SessionInUse if another process runs it, NotResumable if it
        was ended by the therapist.
        """
        if not record.resumable:
            raise NotResumable(record.id)
        self = cls.__new__(cls)
        self._setup(decks, config, record.planned_minutes * 60, now=now, seed=seed, records=records, steady=steady,
                    first_session=record.first_session)  # a resumed first session keeps its first-session cues
        if self.records.in_use_elsewhere(record.id) or (not self.records.hold(record.id)
                                                        and self.records.in_use_elsewhere(record.id)):
            raise SessionInUse(record.id)
        record = record.copy()
        wall = now()
        started = record.started.timestamp()
        closed = float(sum(p.seconds for p in record.pauses))
        if record.paused_when_saved:
            pause = record.pauses[-1]
            closed -= pause.seconds
            began = started + pause.at + closed  # the wall-clock moment the pause began, as far as it is known
            elapsed = float(pause.at)
            self.clock = SessionClock(record.planned_minutes * 60, config.warnings, now=now, started=started,
                                      steady=self._steady, elapsed=elapsed, paused_total=closed,
                                      paused_for=max(0.0, wall - began))
        else:
            last = record.saved.timestamp() if record.saved is not None else started + record.elapsed_seconds + closed
            gap = wall - last
            elapsed = float(record.elapsed_seconds)
            if 0 <= gap < away_limit:
                elapsed += gap  # the session went on while nothing was written: real time counts
            elif gap > 0:
                record.pauses.append(Pause(at=record.elapsed_seconds, seconds=int(round(gap))))
                closed += round(gap)
                self.resumed_note = (f"Resumed. The {_minutes(gap)} while it was closed count as a pause.")
            self.clock = SessionClock(record.planned_minutes * 60, config.warnings, now=now, started=started,
                                      steady=self._steady, elapsed=elapsed, paused_total=closed)
        record.ended = None
        record.interrupted = None
        self.record = record
        shown = [found for event in record.cues_shown
                 if (found := self.scheduler.find(event.deck, event.id, event.text)) is not None]
        self._saved_at = self._steady()
        if shown:
            self.scheduler.carry_on(shown, float(record.cues_shown[-1].at))
            self.save()
        elif self._show(self.scheduler.start(self.clock.elapsed())) is None:
            self.save()
        return self

    # ---------------------------------------------------------------- state
    @property
    def current(self) -> DealtCue | None:
        return self.scheduler.current

    def elapsed(self) -> int:
        return int(self.clock.elapsed())

    def save(self) -> None:
        """Autosave the record. A failure is remembered (and shown quietly), never raised into the session."""
        if self._hold_saves:
            return
        self.record.elapsed_seconds = self.elapsed()
        self.record.saved = dt.datetime.fromtimestamp(self._now()).astimezone().replace(microsecond=0)
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

    def interrupt(self) -> SessionRecord:
        """Closed from outside (SIGHUP, SIGTERM, a browser connection gone): written with its length and marked
        interrupted, so it can be resumed, or reflected on like an ended one. A pause stays open."""
        if self.ended:
            return self.record
        self.ended = True
        self.record.ended = dt.datetime.fromtimestamp(self.clock.ended_at()).astimezone().replace(microsecond=0)
        self.record.interrupted = True
        self.save()
        return self.record
