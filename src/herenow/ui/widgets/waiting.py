"""The home screen's rows for sessions waiting for a reflection: the newest few, then "and N more: v to see all"."""

from __future__ import annotations

import datetime as _dt

from textual.widgets.option_list import Option

from herenow.waiting import SHOWN, newest_first


# A session closed from outside can go on ("Resume") while it could still be in progress: its record was last
# written less than this long ago. Older ones wait only for a reflection, so the list does not double up.
RESUME_WITHIN = 2 * 3600


def waiting_rows(drafts: list, records: list, *, show_all: bool = False, now: float | None = None) -> list[Option]:
    """Drafts and records not set aside, newest first, at most SHOWN unless ``show_all``; then set-aside ones
    (only with ``show_all``), then a row that says how many more there are or folds the list again. A record that
    can still go on (``resumable``, written within RESUME_WITHIN of ``now``) gets a "Resume" row under it."""
    items = [("draft", d.session.started, d) for d in drafts]
    items += [("record", r.started, r) for r in records if not r.set_aside]
    items.sort(key=lambda item: item[1], reverse=True)
    aside = newest_first([r for r in records if r.set_aside])
    shown = items if show_all else items[:SHOWN]
    rows = []
    for kind, _started, item in shown:
        rows.append(_row(kind, item))
        if kind == "record" and now is not None and _recent(item, now):  # closed from outside: it can go on
            rows.append(Option(f"Resume the session from {item.started:%a %d %b, %H:%M} "
                               f"({item.length_minutes} min in)", id=f"resume:{item.id}"))
    if show_all:
        rows += [_row("record", record, aside=True) for record in aside]
    more = len(items) - len(shown) + (0 if show_all else len(aside))
    if more:
        rows.append(Option(f"and {more} more: v to see all", id="more"))
    elif show_all and (len(items) > SHOWN or aside):
        rows.append(Option("fewer: v shows only the newest", id="more"))
    return rows


def _row(kind: str, item, *, aside: bool = False) -> Option:
    if kind == "draft":
        return Option(f"Finish the reflection draft from {item.session.started:%a %d %b, %H:%M}",
                      id=f"draft:{item.id}")
    label = f"Reflect on the {item.length_minutes}-minute session from {item.started:%a %d %b, %H:%M}"
    return Option(f"{label} (set aside)" if aside else label, id=f"record:{item.id}")


def _recent(record, now: float) -> bool:
    if not record.resumable:
        return False
    last = record.saved or record.started + _dt.timedelta(seconds=record.elapsed_seconds)
    return now - last.timestamp() < RESUME_WITHIN
