"""How reflections are listed and filtered, shared by ``herenow reflections list`` and the review screen.

Plain Python: the date ranges a filter offers, the ratings column, and the words that say what a filter shows.
"""

from __future__ import annotations

import datetime as dt

from herenow.store.reflections import RATINGS, Query

RANGES = [("All dates", "all"), ("This week", "week"), ("This month", "month"), ("This year", "year"),
          ("Custom range", "custom")]


def date_range(choice: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """``since, until`` for a range from ``RANGES`` (``custom`` and ``all``: no bounds here)."""
    if choice == "week":
        return today - dt.timedelta(days=today.weekday()), None
    if choice == "month":
        return today.replace(day=1), None
    if choice == "year":
        return today.replace(month=1, day=1), None
    return None, None


def ratings_text(ratings: dict[str, int]) -> str:
    """The ratings in the form's order, ``-`` for one left out, then any others (from an older form) by name."""
    if not ratings:
        return ""
    known = [key for key, _label in RATINGS]
    return " ".join(str(ratings.get(key, "-")) for key in known + sorted(k for k in ratings if k not in known))


def is_filtered(query: Query) -> bool:
    return bool(query.text.strip() or query.tags or query.decks or query.since or query.until)


def describe(query: Query) -> str:
    """What a filter shows, in words: ``“grief”, tag ending, 2026-11-01 to today``; empty for no filter."""
    parts = []
    if query.text.strip():
        parts.append(f"“{query.text.strip()}”")
    parts += [f"tag {t}" for t in query.tags] + [f"deck {d}" for d in query.decks]
    if query.since or query.until:
        parts.append(f"{query.since or '…'} to {query.until or 'today'}")
    return ", ".join(parts)
