"""Resuming a session whose process died or was closed from outside: same id, start, cues, marks, pauses; time
that went on meanwhile counts when the gap is short, and a long gap is a pause that is said out loud."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from herenow.config import Config
from herenow.decks.library import load_library
from herenow.live import LiveSession, NotResumable, SessionInUse
from herenow.store.records import SessionStore

SRC = Path(__file__).resolve().parents[2] / "src"


def decks():
    return [load_library().get("here-and-now").deck, load_library().get("frame").deck]


def make(clock, **config) -> LiveSession:
    return LiveSession(decks(), Config(**config), now=clock, seed=11, records=SessionStore())


def died(live: LiveSession):
    """What a killed process leaves: the record as last written, and its lock gone with the process."""
    live.records.release_all()
    records, _ = SessionStore().pending()
    return next(r for r in records if r.id == live.record.id)


def resume(record, clock, **config) -> LiveSession:
    return LiveSession.resume(record, decks(), Config(**config), now=clock, seed=5, records=SessionStore())


def test_a_short_gap_counts_as_session_time_and_nothing_is_lost(clock) -> None:
    live = make(clock)
    clock.advance(9 * 60)
    live.tick()  # two cues by now (0 and 4 minutes), then a third at 8
    live.mark("rupture")
    live.act_on()
    clock.advance(30)
    live.toggle_pause()
    clock.advance(45)
    live.toggle_pause()
    clock.advance(40)  # no write since the pause ended: the heartbeat has not come yet
    live.tick()
    before = died(live)
    assert before.elapsed_seconds == 9 * 60 + 30  # what the disk knew when the process died
    clock.advance(3 * 60)  # the process is dead for three minutes, then resumed

    again = resume(before, clock)
    assert again.record.id == before.id and again.record.started == before.started
    # Real time: 9:00 + 0:30 before the pause, 0:40 after it, 3:00 dead: 13:10 of session.
    assert again.elapsed() == 9 * 60 + 30 + 40 + 180
    assert [c.id for c in again.record.cues_shown] == [c.id for c in before.cues_shown]
    assert again.current.cue.id == before.cues_shown[-1].id  # the card shows the cue it showed
    assert again.record.moments == before.moments and again.record.acted_on == before.acted_on
    assert again.record.pauses == before.pauses and again.resumed_note == ""
    assert again.record.ended is None and again.record.interrupted is None
    saved = tomllib.loads(SessionStore().path(before.id).read_text())
    assert saved["elapsed_seconds"] == again.elapsed() and "ended" not in saved


def test_the_scheduler_goes_on_without_repeating_cues(clock) -> None:
    live = make(clock, cue_interval_minutes=1)
    for _ in range(6):
        clock.advance(60)
        live.tick()
    shown_before = [(c.deck, c.id) for c in live.record.cues_shown]
    again = resume(died(live), clock, cue_interval_minutes=1)
    for _ in range(4):
        clock.advance(60)
        again.tick()
    new = [(c.deck, c.id) for c in again.record.cues_shown[len(shown_before):]]
    assert len(new) == 4
    assert not set(new) & set(shown_before), "a resumed session dealt a cue it had shown already"


def test_a_long_gap_is_counted_as_a_pause_and_said_so(clock) -> None:
    live = make(clock)
    clock.advance(20 * 60)
    live.mark()
    record = died(live)
    clock.advance(47 * 60)
    again = resume(record, clock)
    assert again.elapsed() == 20 * 60
    assert again.record.pauses[-1].at == 20 * 60 and again.record.pauses[-1].seconds == 47 * 60
    assert again.resumed_note == "Resumed. The 47 minutes while it was closed count as a pause."
    clock.advance(60)
    assert again.elapsed() == 21 * 60
    # The end time is the start plus real time, pauses included: never before the start, never in the future.
    ended = again.end()
    assert (ended.ended - ended.started).total_seconds() == 20 * 60 + 47 * 60 + 60


def test_a_paused_session_resumes_paused_and_its_pause_keeps_its_whole_length(clock) -> None:
    live = make(clock)
    clock.advance(10 * 60)
    live.toggle_pause()
    clock.advance(2 * 60)
    record = live.interrupt()  # SIGHUP while paused
    assert record.interrupted is True and record.pauses[-1].seconds == 0
    live.records.release_all()
    clock.advance(60)
    again = resume(record, clock)
    assert again.clock.paused and again.elapsed() == 10 * 60
    clock.advance(30)
    again.toggle_pause()
    assert again.record.pauses[-1].seconds == 2 * 60 + 60 + 30
    clock.advance(15)
    assert again.elapsed() == 10 * 60 + 15


def test_an_interrupted_session_is_resumable_an_ended_one_is_not(clock) -> None:
    live = make(clock)
    clock.advance(60)
    interrupted = live.interrupt()
    assert interrupted.resumable and interrupted.ended is not None
    live.records.release_all()
    ended = make(clock)
    record = ended.end()
    ended.records.release_all()
    assert not record.resumable
    with pytest.raises(NotResumable):
        resume(record, clock)


def test_a_running_session_cannot_be_resumed_twice(clock) -> None:
    live = make(clock)  # still running: this store holds its lock
    record = live.record.copy()
    with pytest.raises(SessionInUse):
        resume(record, clock)
    first = resume(died(live), clock)
    with pytest.raises(SessionInUse):
        resume(first.record, clock)


def test_a_wall_clock_set_back_does_not_make_time_go_backwards(clock) -> None:
    live = make(clock)
    clock.advance(5 * 60)
    live.mark()
    record = died(live)
    clock.advance(-3600)
    again = resume(record, clock)
    assert again.elapsed() == 5 * 60


KILLED_SESSION = r"""
import sys, time
from herenow.config import Config
from herenow.decks.library import load_library
from herenow.live import LiveSession
library = load_library()
live = LiveSession([library.get("here-and-now").deck], Config(cue_interval_minutes=0.02), seed=3)
live.mark("rupture")
print(live.record.id, flush=True)
while True:
    live.tick()
    if len(live.record.cues_shown) == 3 and not live.record.acted_on:
        live.act_on()
        live.mark("repair")
    time.sleep(0.05)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_session_killed_with_sigkill_resumes_with_its_time_cues_and_marks(herenow_home: Path) -> None:
    """A real process on the real clocks, killed with SIGKILL; resumed here, its time goes on from where it was."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "HERENOW_HOME": str(herenow_home)}
    process = subprocess.Popen([sys.executable, "-c", KILLED_SESSION], stdout=subprocess.PIPE, text=True, env=env)
    try:
        record_id = process.stdout.readline().strip()
        began = time.monotonic()
        deadline = began + 20
        while time.monotonic() < deadline:  # a cue every 1.2 s: wait for the fourth
            path = SessionStore().path(record_id)
            if path.exists() and len(tomllib.loads(path.read_text())["cues_shown"]) >= 4:
                break
            time.sleep(0.1)
        alive_for = time.monotonic() - began
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    store = SessionStore()
    assert not store.in_use_elsewhere(record_id), "the lock dies with the process"
    record = next(r for r in store.pending()[0] if r.id == record_id)
    assert record.resumable and len(record.cues_shown) >= 4
    time.sleep(3.0)  # dead for three seconds: they count, as a short gap does

    library = load_library()
    again = LiveSession.resume(record, [library.get("here-and-now").deck], Config(cue_interval_minutes=0.02),
                               records=store)
    # The killed process lived alive_for seconds (plus its start); the three seconds since the kill count too.
    assert alive_for + 3.0 - 1.5 <= again.elapsed() <= alive_for + 3.0 + 3.0
    assert again.record.id == record_id
    assert [c.id for c in again.record.cues_shown] == [c.id for c in record.cues_shown]
    assert [m.kind for m in again.record.moments] == ["rupture", "repair"]
    assert len(again.record.acted_on) == 1


def test_a_resumed_first_session_stays_a_first_session(clock) -> None:
    """Integration of issue 11 (first sessions) with resume: the record says it, and its cues stay in the deal."""
    live = LiveSession(decks(), Config(), now=clock, seed=11, records=SessionStore(), first_session=True)
    clock.advance(60)
    live.tick()
    before = died(live)
    assert before.first_session
    clock.advance(60)
    again = resume(before, clock)
    assert again.record.first_session and again.scheduler.first_session
