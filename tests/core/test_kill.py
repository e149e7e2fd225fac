"""Nothing lost: a real process saving reflections is killed with SIGKILL at random moments, many times.

Afterwards every file in the store parses, and every save the process reported as finished is there with its
content (a save is reported only after ``ReflectionStore.save`` returned).
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

from herenow.store.reflections import ReflectionStore
from conftest import read_every_file

CHILD = r"""
import datetime as dt, sys
from herenow.store.records import Moment, SessionRecord
from herenow.store.reflections import Answer, Reflection, ReflectionStore

run = sys.argv[1]
store = ReflectionStore()
print("ready", flush=True)
n = 0
while True:
    n += 1
    # New reflections, and now and then a rewrite of one saved earlier in this run (an update in place).
    rid = f"{run}-{n}" if n % 4 else f"{run}-{max(1, n - 3)}"
    started = dt.datetime(2026, 1 + n % 12, 1 + n % 28, 9, 0, tzinfo=dt.timezone.utc) if n % 4 else None
    if started is None:
        saved, _ = store.get(rid)
        started = saved.session.started
    record = SessionRecord(id=rid, started=started, planned_minutes=50, elapsed_seconds=3000,
                           decks=["frame"], moments=[Moment(at=i * 60) for i in range(n % 20)])
    text = f"{rid} écrit ✨ " + "word " * (200 + 37 * n % 900)
    store.save(Reflection(id=rid, created=started, session=record,
                          answers=[Answer(prompt="What happened?", text=text)], note=rid))
    print(rid, flush=True)
"""

BUDGET_SECONDS = 12.0
MAX_KILLS = 40


def _read_lines(proc: subprocess.Popen, until: float) -> list[str]:
    """Lines the child has printed so far (non-blocking past ``until``)."""
    assert proc.stdout is not None
    lines, buffer = [], b""
    fd = proc.stdout.fileno()
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], max(0.0, until - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            lines.append(line.decode())
    return lines


def _wait_ready(proc: subprocess.Popen) -> None:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout.fileno()], [], [], 30)
    line = proc.stdout.readline().decode().strip() if ready else ""  # unbuffered pipe: reads just this line
    assert line == "ready", "the child did not start"


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_at_random_moments_loses_nothing(herenow_home: Path) -> None:
    rng = random.Random(20261117)
    completed: set[str] = set()
    env = {**os.environ, "HERENOW_HOME": str(herenow_home), "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    kills = 0
    while kills < MAX_KILLS and time.monotonic() - started < BUDGET_SECONDS:
        proc = subprocess.Popen([sys.executable, "-c", CHILD, f"k{kills}"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, bufsize=0)
        try:
            _wait_ready(proc)
            deadline = time.monotonic() + rng.uniform(0.0, 0.12)
            completed.update(line for line in _read_lines(proc, deadline) if line)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            # Anything reported before the kill landed counts as finished too.
            completed.update(line for line in _read_lines(proc, time.monotonic() + 1.0) if line)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            if proc.stdout:
                proc.stdout.close()
            if proc.stderr:
                proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL, stderr
        kills += 1

    assert kills >= 10, f"only {kills} kills in the time budget"
    assert len(completed) >= kills, "too few saves completed to prove anything"

    store = ReflectionStore()
    found, problems = read_every_file(store)
    assert problems == [], "\n".join(map(str, problems))
    by_id = {r.id: r for r in found}
    missing = sorted(completed - set(by_id))
    assert missing == []
    for rid in completed:
        reflection = by_id[rid]
        assert reflection.note == rid and reflection.answers[0].text.startswith(f"{rid} écrit ✨ ")
    # Each file is whole: it parses, and no reader was ever shown a partial file (checked above); leftovers
    # of interrupted writes are hidden temporary files, never something that looks like a reflection.
    for path in store.root.rglob("*"):
        if path.is_file() and not path.name.endswith(".toml"):
            assert path.name.startswith(".") and path.name.endswith(".tmp")
