"""Sessions waiting for a reflection, kept under control: the few most recent on the home screen, the rest
counted; each can be set aside ("not now", kept and still listed with all of them) or dismissed for good.

Dismissing writes no reflection (nothing empty pretends to be one): the record moves, marked ``dismissed``
with the time, to ``sessions/dismissed/``, where the app no longer offers it and a person can still read it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from herenow.store.records import SessionRecord, SessionStore

SHOWN = 3  # waiting sessions on the home screen before "and N more"


def newest_first(records: list[SessionRecord]) -> list[SessionRecord]:
    return sorted(records, key=lambda r: r.started, reverse=True)


def set_aside(store: SessionStore, record: SessionRecord, aside: bool = True) -> None:
    """"Not now": the record stays waiting, out of the home screen's few (or back among them with False)."""
    record.set_aside = aside
    store.save(record)


def dismissed_dir(store: SessionStore) -> Path:
    return store.folder / "dismissed"


def dismiss(store: SessionStore, record: SessionRecord, now: dt.datetime) -> Path:
    """For good, with no reflection: the record is kept in sessions/dismissed/, marked with when."""
    import tomli_w

    from herenow.store.files import atomic_write
    from herenow.store.paths import ensure_dir
    from herenow.store.records import to_toml_dict

    record.dismissed = now
    target = ensure_dir(dismissed_dir(store)) / f"{record.id}.toml"
    atomic_write(target, tomli_w.dumps(to_toml_dict(record)))  # written first: the record is never lost
    store.discard(record.id)
    return target
