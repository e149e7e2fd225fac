"""Retention (issue 10): which reflections are older than a period, read from their file names only.

A reflection's id starts with the minute its session started (``2026-11-17-1400-...``), so nothing is decrypted
to find the old ones: ``prune`` and the home screen's reminder work while the store is locked.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

_PERIOD = re.compile(r"^\s*(\d{1,4})\s*([ymd])\s*$")


def parse_period(text: str) -> tuple[int, str]:
    """``7y``, ``6m``, ``90d`` -> (7, "y"); ValueError with a one-line reason otherwise."""
    match = _PERIOD.match(text or "")
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{text!r} is not a period like 7y, 6m or 90d")
    return int(match.group(1)), match.group(2)


def cutoff(period: tuple[int, str], today: dt.date) -> dt.date:
    """The first day that is kept: sessions before it are older than the period."""
    count, unit = period
    if unit == "d":
        return today - dt.timedelta(days=count)
    months = count * (12 if unit == "y" else 1)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    day = today.day
    while True:
        try:
            return dt.date(year, month, day)
        except ValueError:  # 31 March - 1 month
            day -= 1


def session_day(path: Path) -> dt.date | None:
    """The day in a reflection file's name (plain or sealed, conflict copies too), or None."""
    from herenow.store.files import content_id

    try:
        return dt.date.fromisoformat(content_id(path)[:10])
    except ValueError:
        return None


def older_than(root: Path, first_kept: dt.date) -> list[tuple[dt.date, Path]]:
    """Reflection files whose session day is before ``first_kept``, oldest first."""
    from herenow.store.files import list_toml

    entries, _problems = list_toml(root, recursive=True)
    found = [(day, path) for path, _st in entries if (day := session_day(path)) is not None and day < first_kept]
    return sorted(found)


def years_period(years: float) -> tuple[int, str]:
    """``retention_years`` (may be 2.5) as a period in months."""
    return max(1, round(years * 12)), "m"
