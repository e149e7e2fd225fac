"""Trends over a set of reflections, from index rows (no file is read). Plain Python, no Textual.

- each self-rating over time, with the overall and the recent average;
- beside them, the client's own session score where one was kept, as a share of the scale they used;
- moments marked per session;
- sessions per week (weeks without a session count as 0);
- the cues most often acted on;
- a quiet flag where a self-rating sits well below the person's own recent average (by default at least 1.5
  below the mean of the previous 10 sessions that had that rating): a session perhaps worth taking to
  supervision. Never an alarm: it is the person's own perception, compared only with itself. Ratings under a
  key no longer asked whose direction was unclear (the old "power") are drawn but never flagged.

Rows are ``herenow.store.index.IndexRow`` (anything with ``id``, ``started``, ``ratings``, ``moments`` and
``acted_on`` will do; ``client_score``, a share from 0 to 1, is optional).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

RECENT = 10  # sessions in "your recent average"
DROP = 1.5  # how far below it a rating has to be to be noted
MIN_HISTORY = 5  # no comparison before this many earlier ratings
UNFLAGGED = frozenset({"power"})  # the old rating with no set direction: "below average" would mean nothing


@dataclass(frozen=True)
class Flag:
    """One rating noticeably below the recent average of the same rating."""

    id: str
    started: dt.datetime
    rating: str
    value: int
    recent_mean: float

    @property
    def below_by(self) -> float:
        return self.recent_mean - self.value


@dataclass(frozen=True)
class RatingSeries:
    key: str
    points: tuple[tuple[dt.datetime, int], ...]  # oldest first

    @property
    def values(self) -> list[int]:
        return [v for _, v in self.points]

    @property
    def mean(self) -> float | None:
        return sum(self.values) / len(self.points) if self.points else None

    def recent_mean(self, n: int = RECENT) -> float | None:
        recent = self.values[-n:]
        return sum(recent) / len(recent) if recent else None


@dataclass
class Trends:
    sessions: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    ratings: dict[str, RatingSeries] = field(default_factory=dict)
    moments_per_session: list[int] = field(default_factory=list)  # oldest first
    sessions_per_week: list[tuple[dt.date, int]] = field(default_factory=list)  # (monday, count), oldest first
    top_acted_on: list[tuple[str, int]] = field(default_factory=list)  # (cue text, times), most first
    flags: list[Flag] = field(default_factory=list)  # newest first
    client_scores: list[tuple[dt.datetime, float]] = field(default_factory=list)  # (start, share 0-1), oldest first

    @property
    def client_mean(self) -> float | None:
        c = self.client_scores
        return sum(v for _, v in c) / len(c) if c else None

    def client_recent_mean(self, n: int = RECENT) -> float | None:
        recent = [v for _, v in self.client_scores[-n:]]
        return sum(recent) / len(recent) if recent else None

    @property
    def mean_moments(self) -> float | None:
        m = self.moments_per_session
        return sum(m) / len(m) if m else None

    @property
    def mean_per_week(self) -> float | None:
        weeks = self.sessions_per_week
        return sum(c for _, c in weeks) / len(weeks) if weeks else None


def chronological(rows: Iterable[Any]) -> list[Any]:
    return sorted(rows, key=lambda r: (r.started.timestamp(), r.id))


def rating_series(rows: Sequence[Any], order: Sequence[str] = ()) -> dict[str, RatingSeries]:
    """Each rating key over time (rows oldest first). Keys in ``order`` first, then any others by name."""
    points: dict[str, list[tuple[dt.datetime, int]]] = {}
    for row in rows:
        for key, value in row.ratings.items():
            points.setdefault(key, []).append((row.started, value))
    keys = [k for k in order if k in points] + sorted(k for k in points if k not in order)
    return {k: RatingSeries(k, tuple(points[k])) for k in keys}


def quiet_flags(rows: Sequence[Any], *, recent: int = RECENT, drop: float = DROP,
                min_history: int = MIN_HISTORY, unflagged: Collection[str] = UNFLAGGED) -> list[Flag]:
    """Ratings at least ``drop`` below the mean of the previous ``recent`` values of the same rating
    (rows oldest first), except keys in ``unflagged``. Newest first."""
    flags: list[Flag] = []
    history: dict[str, list[int]] = {}
    for row in rows:
        for key, value in row.ratings.items():
            if key in unflagged:
                continue
            before = history.setdefault(key, [])
            if len(before) >= min_history:
                window = before[-recent:]
                mean = sum(window) / len(window)
                if value <= mean - drop:
                    flags.append(Flag(row.id, row.started, key, value, round(mean, 2)))
            before.append(value)
    flags.reverse()
    return flags


def client_scores(rows: Iterable[Any]) -> list[tuple[dt.datetime, float]]:
    """The client's own session scores, as shares of their scale, where one was kept (rows oldest first)."""
    return [(row.started, row.client_score) for row in rows if getattr(row, "client_score", None) is not None]


def sessions_per_week(rows: Sequence[Any]) -> list[tuple[dt.date, int]]:
    """(Monday, sessions that week) from the first week to the last, empty weeks included."""
    if not rows:
        return []
    counts: Counter[dt.date] = Counter()
    for row in rows:
        day = row.started.date()
        counts[day - dt.timedelta(days=day.weekday())] += 1
    first, last = min(counts), max(counts)
    weeks = (last - first).days // 7 + 1
    return [(first + dt.timedelta(weeks=i), counts.get(first + dt.timedelta(weeks=i), 0)) for i in range(weeks)]


def top_acted_on(rows: Iterable[Any], n: int = 5) -> list[tuple[str, int]]:
    """The cues most often acted on (by their text), with how many times."""
    counts: Counter[str] = Counter()
    for row in rows:
        for acted in row.acted_on:
            counts[acted[2]] += 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


def compute(rows: Iterable[Any], *, rating_order: Sequence[str] = (), recent: int = RECENT, drop: float = DROP,
            top: int = 5) -> Trends:
    ordered = chronological(rows)
    if not ordered:
        return Trends()
    return Trends(
        sessions=len(ordered),
        first=ordered[0].started,
        last=ordered[-1].started,
        ratings=rating_series(ordered, rating_order),
        moments_per_session=[len(r.moments) for r in ordered],
        sessions_per_week=sessions_per_week(ordered),
        top_acted_on=top_acted_on(ordered, top),
        flags=quiet_flags(ordered, recent=recent, drop=drop),
        client_scores=client_scores(ordered),
    )

