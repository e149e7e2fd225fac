"""Nothing lost: the whole save sequence is killed with SIGKILL at moments spread over it, dozens of times.

A writer process runs what ending a session does, over and over: the session record autosaved, a draft kept, the
reflection saved (and now and then an earlier one edited), the record and draft removed or left for the tidy-up,
the index refreshed. Forked from one warm process (so the kills fit in seconds), each writer is killed with
SIGKILL at a moment drawn from its own slice of a pass of the sequence, as long as a pass takes on this machine
now, each kind of pass in turn (stratified: see ``kill_points``). Afterwards: every file parses, every save
reported as finished is there and no older than reported, nothing was duplicated as a conflict copy, the tidy-up
removes only what is saved, and the index equals a fresh rebuild.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from herenow.store.drafts import DraftStore, tidy_leftovers
from herenow.store.index import ReflectionIndex
from herenow.store.paths import secure_tree
from herenow.store.records import SessionStore
from herenow.store.indexed import IndexedStore
from conftest import read_every_file

ZYGOTE = r"""
import datetime as dt, os, random, sys
from herenow.store.drafts import DraftStore, tidy_leftovers
from herenow.store.records import Moment, SessionRecord, SessionStore, new_record_id
from herenow.store.indexed import IndexedStore
from herenow.store.reflections import Answer, Reflection, ReflectionStore

OUT = sys.stdout.fileno()
UTC = dt.timezone.utc


def say(text):
    os.write(OUT, (text + "\n").encode())


def worker(run, passes, first):
    rng = random.Random(run)
    store, drafts, records = IndexedStore(), DraftStore(), SessionStore()
    mine = [path.stem for path in store.files()]  # saved by earlier writers
    n, done = first - 1, 0  # n: which pass of the cycle (its branches below); it starts at `first`
    while not passes or done < passes:  # passes 0: until killed
        n += 1
        done += 1
        if n % 2 and mine:
            old = rng.choice(mine)
            loaded, version, problems = store.load(old)
            assert loaded is not None, problems
            generation = int(loaded.note.rsplit(":", 1)[1]) + 1
            loaded.note += f":{generation}"  # an edit adds words, so an old draft's words are all in it
            loaded.answers[0].text += " more"
            result = store.save(loaded, replacing=version)
            assert not result.conflict, result
            say(f"saved {old} {generation}")
        started = dt.datetime(2026, 1 + rng.randrange(12), 1 + rng.randrange(28), 9, tzinfo=UTC)
        rid = new_record_id(started)
        record = SessionRecord(id=rid, started=started, planned_minutes=50, decks=["frame"])
        records.save(record)  # the session starts
        record.elapsed_seconds = 3000
        record.moments.append(Moment(at=rng.randrange(3000)))
        records.save(record)  # and ends
        words = "word " * rng.randrange(50, 2000)
        reflection = Reflection(id=rid, created=started, session=record, note=f"{rid}:1",
                                answers=[Answer(prompt="What happened?", text=f"{rid} écrit ✨ {words}")])
        drafts.save(reflection)  # a draft kept while typing
        result = store.save(reflection)
        assert not result.conflict, result
        say(f"saved {rid} 1")
        mine.append(rid)
        if n % 2:
            records.discard(rid)  # what the reflection screen does after a save
            drafts.discard(rid)
        if n % 3 == 0:
            tidy_leftovers(store, drafts, records)  # what the home screen does before offering anything
        if n % 2 == 0:
            store.index().refresh()
for line in sys.stdin:
    command, arg, *counts = line.split()
    if command == "fork":
        pid = os.fork()
        if pid == 0:
            code = 3
            try:
                worker(arg, *map(int, counts))
                code = 0
            finally:
                os._exit(code)
        say(f"pid {pid}")
    else:
        _pid, status = os.waitpid(int(arg), 0)
        say(f"reaped {status}")
"""

CYCLE = 6  # passes after which the writer has taken every branch of its loop (n % 2, n % 3)
PER_PASS = 12  # kills in each pass of the cycle
KILLS = CYCLE * PER_PASS


def kill_points(rng: random.Random, cycle_seconds: float) -> list[tuple[int, float]]:
    """(the pass the writer starts at, the delay before its SIGKILL) for every kill, in shuffled order.

    Why 72 are enough: a pass is about a dozen stages (the edit of an earlier reflection, the record saved twice,
    the draft, the reflection with its fsyncs, the discard, the tidy-up, the index refresh), and which of them run
    depends on the pass's place in the six-pass cycle. Each of the six kinds of pass gets 12 kills, one in each
    equal slice of two average passes (timed just before, so the machine's load stretches the slices with the
    work): a kill in every stage of every kind of pass, about half of them after its reflection is reported
    saved. 220 uniform delays over the first 0.12 s (before) mostly hit the first pass or two, leaving gaps as
    often as they piled up. Each writer also starts from what the earlier ones left (interrupted temp files,
    leftovers, a half-refreshed index), so every stage also runs over that debris. Shuffled: early and late kills
    meet small and large stores alike.
    """
    span = 2 * cycle_seconds / CYCLE
    points = [(1 + k % CYCLE, (k // CYCLE + rng.random()) * span / PER_PASS) for k in range(KILLS)]
    rng.shuffle(points)
    return points


class Lines:
    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc, self.buffer, self.seen = proc, b"", []

    def until(self, prefix: str, timeout: float = 20.0) -> str:
        """Read lines until one starts with ``prefix`` (returned); others are kept in ``seen``."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                text = line.decode()
                if text.startswith(prefix):
                    return text
                self.seen.append(text)
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"no {prefix!r} from the writer in {timeout} s"
            chunk = os.read(fd, 65536)
            assert chunk, "the writer went away: " + self.proc.stderr.read().decode()[-2000:]
            self.buffer += chunk


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")
def test_sigkill_anywhere_in_the_save_sequence_loses_nothing(herenow_home: Path) -> None:
    rng = random.Random(20261125)
    env = {**os.environ, "HERENOW_HOME": str(herenow_home), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, bufsize=0)
    lines = Lines(proc)
    kills = 0
    try:
        for _warm_up in range(2):  # two whole cycles, not killed; the second (a store with some in it) is timed
            proc.stdin.write(f"fork timing {CYCLE} 1\n".encode())
            pid = int(lines.until("pid ").split()[1])
            began = time.monotonic()
            proc.stdin.write(f"reap {pid}\n".encode())
            assert int(lines.until("reaped ").split()[1]) == 0, proc.stderr
            cycle_seconds = time.monotonic() - began
        for first, delay in kill_points(rng, cycle_seconds):
            proc.stdin.write(f"fork w{kills} 0 {first}\n".encode())
            pid = int(lines.until("pid ").split()[1])
            time.sleep(delay)
            os.kill(pid, signal.SIGKILL)
            proc.stdin.write(f"reap {pid}\n".encode())
            status = int(lines.until("reaped ").split()[1])
            # Killed, not failed: an assertion in the writer (a conflict, a missing file) exits with 3.
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (status, proc.stderr)
            kills += 1
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    assert kills == KILLS

    completed: dict[str, int] = {}
    for line in lines.seen:
        _saved, rid, generation = line.split()
        completed[rid] = max(completed.get(rid, 0), int(generation))
    edits = sum(g - 1 for g in completed.values())
    print(f"{kills} kills (a cycle: {cycle_seconds:.3f} s), {len(completed)} reflections saved, {edits} edits")
    # About half the writers are killed after their save is reported (the delays reach two passes).
    assert len(completed) >= KILLS // 3, f"only {len(completed)} saves completed: too few to prove anything"
    assert sum(1 for g in completed.values() if g > 1) >= 10, "too few edits completed"

    store, drafts, records = IndexedStore(), DraftStore(), SessionStore()
    found, problems = read_every_file(store)
    assert problems == [], "\n".join(map(str, problems))
    by_id = {r.id: r for r in found}
    assert not [rid for rid in by_id if ".conflict-" in rid], "a lone writer must never make conflict copies"
    assert sorted(set(completed) - set(by_id)) == []
    for rid, generation in completed.items():
        kept = int(by_id[rid].note.rsplit(":", 1)[1])
        assert kept >= generation, f"{rid}: generation {kept} on disk, {generation} was reported saved"
        assert by_id[rid].answers[0].text.startswith(f"{rid} écrit ✨ ")
    waiting_drafts, bad_drafts = drafts.pending()
    waiting_records, bad_records = records.pending()
    assert bad_drafts == [] and bad_records == []

    # The tidy-up removes every leftover already saved, and nothing else.
    tidied = tidy_leftovers(store, drafts, records)
    assert tidied.problems == []
    left = {d.id for d in drafts.pending()[0]} | {r.id for r in records.pending()[0]}
    assert left & set(by_id) == set(), "a leftover of a saved reflection was kept"
    assert left == ({d.id for d in waiting_drafts} | {r.id for r in waiting_records}) - set(by_id)

    # The index equals a fresh rebuild from the files.
    index = store.index()
    index.refresh()
    assert index.problems() == []
    fresh = ReflectionIndex(store.root, herenow_home / "fresh.sqlite3")
    fresh.refresh()
    shape = lambda rows: sorted((r.id, r.path, r.preview, r.length_seconds, r.moments) for r in rows)  # noqa: E731
    assert shape(index.rows()) == shape(fresh.rows()) and len(fresh.rows()) == len(by_id)

    # What an interrupted write leaves is hidden, and goes once it is an hour old.
    for folder in (store.root, drafts.folder, records.folder):
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.endswith(".toml"):
                assert path.name == ".lock" or (path.name.startswith(".") and path.name.endswith(".tmp")), path
    secure_tree(now=time.time() + 7200)
    assert not [p for p in herenow_home.rglob(".*.tmp")]
