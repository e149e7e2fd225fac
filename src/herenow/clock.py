"""The session clock: real time, pausable, with injectable time sources for tests.

Two sources. Elapsed time comes from a steady clock that counts real time including sleep but never jumps when the
wall clock is changed (``CLOCK_BOOTTIME`` where the platform has it, else ``time.monotonic``): after a laptop
sleeps for five minutes the session shows five more minutes, and an NTP step, a manual change or a DST switch
changes nothing. The wall clock is only for display (started at, ends at). Elapsed time is always computed from
the clock, never by counting ticks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple

Now = Callable[[], float]

if hasattr(time, "CLOCK_BOOTTIME"):
    def steady() -> float:
        """Seconds on a clock that counts sleep and ignores wall-clock changes (Linux: CLOCK_BOOTTIME)."""
        return time.clock_gettime(time.CLOCK_BOOTTIME)
else:  # pragma: no cover - macOS and others: monotonic (on macOS it counts sleep too)
    steady = time.monotonic


def steady_for(wall: Now) -> Now:
    """The steady source that goes with a wall source: the real one for the real wall clock; a test's fake clock
    (anything else) drives both, so moving it moves the session."""
    return steady if wall is time.time else wall

MAX_PLANNED_SECONDS = 600 * 60  # --minutes 1-600, --until within the next 10 hours


class Reading(NamedTuple):
    """What the timer shows at one moment. (A NamedTuple: a frozen dataclass costs ~0.9 ms to create at import, on
    every session's start, issue 12.)"""

    elapsed: float
    remaining: float  # negative in overtime
    planned: float
    paused: bool
    warning: int | None  # the warning threshold (minutes) reached, e.g. 10, or None
    ends_at: float  # epoch seconds when the session is due to end

    @property
    def overtime(self) -> bool:
        return self.remaining < 0

    @property
    def fraction_left(self) -> float:
        if self.planned <= 0:
            return 0.0
        return max(0.0, min(1.0, self.remaining / self.planned))


class SessionClock:
    """``now`` is the wall clock (display only); ``steady`` measures the session (default: see ``steady_for``)."""

    def __init__(self, planned_seconds: float, warnings_minutes: list[int] | tuple[int, ...] = (15, 10, 5),
                 now: Now = time.time, started: float | None = None, steady: Now | None = None, *,
                 elapsed: float = 0.0, paused_total: float = 0.0, paused_for: float | None = None) -> None:
        """``elapsed``, ``paused_total``, ``paused_for``: a session carried on (resumed) with this much session time
        behind it, this much time in closed pauses, and, if it is paused now, paused for this long already."""
        self._wall = now
        self._now = steady if steady is not None else steady_for(now)
        self.planned = float(planned_seconds)
        # A warning longer than the session itself would be wrong from the first second ("5 min left" in a
        # 1-minute session): only thresholds shorter than the session count.
        self.warnings = sorted({int(w) for w in warnings_minutes if 0 < w * 60 < self.planned}, reverse=True)
        self.started = now() if started is None else started  # wall clock, epoch seconds: display only
        current = self._now()
        carried = max(0.0, paused_for) if paused_for is not None else 0.0
        self._steady_start = current - max(0.0, elapsed) - max(0.0, paused_total) - carried
        self._paused_total = max(0.0, paused_total)
        self._paused_since: float | None = current - carried if paused_for is not None else None

    def now(self) -> float:
        """The wall clock (for display)."""
        return self._wall()

    def since_start(self) -> float:
        """Real seconds since the start, pauses included, whatever the wall clock did meanwhile."""
        return max(0.0, self._now() - self._steady_start)

    def ended_at(self) -> float:
        """Epoch seconds for "ended": the start plus the real time since, so never before the start."""
        return self.started + self.since_start()

    @property
    def paused(self) -> bool:
        return self._paused_since is not None

    def elapsed(self) -> float:
        current = self._paused_since if self._paused_since is not None else self._now()
        return max(0.0, current - self._steady_start - self._paused_total)

    def pause(self) -> float:
        """Pause; returns the elapsed session time at which it paused."""
        if self._paused_since is None:
            self._paused_since = self._now()
        return self.elapsed()

    def resume(self) -> float:
        """Resume; returns how many seconds the pause lasted."""
        if self._paused_since is None:
            return 0.0
        length = max(0.0, self._now() - self._paused_since)
        self._paused_total += length
        self._paused_since = None
        return length

    def warning_for(self, remaining: float) -> int | None:
        reached = [w for w in self.warnings if remaining <= w * 60]
        return min(reached) if reached else None

    def read(self) -> Reading:
        elapsed = self.elapsed()
        remaining = self.planned - elapsed
        now = self._wall()
        return Reading(
            elapsed=elapsed,
            remaining=remaining,
            planned=self.planned,
            paused=self.paused,
            warning=self.warning_for(remaining),
            ends_at=now + max(remaining, 0.0),  # while paused, the end moves later with every second
        )


def session_until(clock_time: str, now: float) -> float:
    """A session length for ``--until HH:MM``: the time must fall within the next 10 hours (like ``--minutes``
    1-600), so "12:00" typed at 12:23 is a one-line error, not a session of 23 h 37 min. Raises ValueError."""
    seconds = seconds_until(clock_time, now)
    if seconds > MAX_PLANNED_SECONDS:
        import datetime as dt

        at = dt.datetime.fromtimestamp(now).astimezone()
        raise ValueError(f"--until {clock_time.strip()} is more than 10 hours after now ({at:%H:%M}); "
                         "it takes a time within the next 10 hours")
    return seconds


def seconds_until(clock_time: str, now: float) -> float:
    """Seconds from ``now`` (epoch) until the next local HH:MM. Raises ValueError for a bad time."""
    import datetime as dt

    try:
        hours, minutes = (int(part) for part in clock_time.strip().split(":"))
        target_time = dt.time(hours, minutes)
    except (ValueError, TypeError):
        raise ValueError(f"{clock_time!r} is not a time like 14:50") from None
    current = dt.datetime.fromtimestamp(now).astimezone()
    target = current.replace(hour=target_time.hour, minute=target_time.minute, second=0, microsecond=0)
    if target <= current:
        target += dt.timedelta(days=1)
    return (target - current).total_seconds()


def format_duration(seconds: float, show_seconds: bool = True, *, round_up: bool = False) -> str:
    """``12:05`` (minutes:seconds), ``1:02:05`` past an hour; minutes only when seconds are hidden.

    Time left rounds up (``round_up``): a countdown reads 50:00 at the start and 00:00 only at the end.
    """
    seconds = math.ceil(abs(seconds) - 1e-9) if round_up else int(abs(seconds))
    if round_up and not show_seconds:
        seconds = math.ceil(seconds / 60) * 60
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if not show_seconds:
        return f"{hours}h{minutes:02d}" if hours else f"{minutes} min"
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"
