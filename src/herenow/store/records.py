"""The session record: what happened in a session (times, decks, cues shown and acted on, moments, pauses).

Saved as TOML in the sessions dir while the session runs and until it has been reflected on; then it lives on
inside the reflection file. No client names: nothing here ever asks for one.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import secrets
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Annotated, Any

from herenow.store import paths
from herenow.store.protection import ProtectedStore
from herenow.problems import Check, Problem, between, load_model, toml_ready

MOMENT_KINDS = ("moment", "rupture", "repair", "here-and-now")

# Plain dataclasses, so that a session starts and runs without importing pydantic (issue 12). Records read from a
# file are validated by pydantic against these same classes (``problems.load_model``): the annotations below are
# its rules. Bounds that no real session reaches, so a hand-edited or damaged value is a clear problem, not a crash
# later (SQLite holds 64-bit integers; timedelta and the clock text need finite numbers). Negative seconds stay
# readable: records written while the wall clock was set back have them.
Seconds = Annotated[int, between(-10**9, 10**9)]


def has_time_zone(value: dt.datetime) -> bool:
    return value.utcoffset() is not None


Aware = Annotated[dt.datetime, Check(has_time_zone,
                                     lambda _: "is a date and time without a time zone (add one, e.g. +00:00)")]


@dataclass(kw_only=True)
class CueEvent:
    """A cue at a moment of the session: shown (``cues_shown``) or noted as acted on (``acted_on``)."""

    deck: str
    id: str
    text: str
    at: Seconds  # seconds into the session


@dataclass(kw_only=True)
class Moment:
    kind: str = "moment"
    at: Seconds = 0


@dataclass(kw_only=True)
class Pause:
    at: Seconds
    seconds: Seconds = 0


@dataclass(kw_only=True)
class SessionRecord:
    schema_version: int = 1
    id: str
    started: Aware
    ended: Aware | None = None
    planned_minutes: Annotated[float, between(0, 100_000)]
    elapsed_seconds: Seconds = 0
    decks: list[str] = field(default_factory=list)
    cues_shown: list[CueEvent] = field(default_factory=list)
    acted_on: list[CueEvent] = field(default_factory=list)
    moments: list[Moment] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    first_session: bool = False  # a first session with this client
    # Waiting for a reflection, but "not now": kept, listed only with all the waiting sessions (herenow.waiting).
    set_aside: bool = False
    # Dismissed for good, without a reflection: kept in sessions/dismissed/, never offered again.
    dismissed: Aware | None = None
    # When the record was last written by its running session (wall clock): a resumed session counts the time
    # since as session time when it is short (the session went on), as a pause when it is long.
    saved: Aware | None = None
    # Closed from outside (SIGHUP, SIGTERM, a browser connection that dropped), not ended by the therapist: it
    # can be resumed as well as reflected on. Written only as true; absent otherwise.
    interrupted: bool | None = None

    def __post_init__(self) -> None:
        self.planned_minutes = float(self.planned_minutes)  # written as 50.0, as it always was

    @property
    def length_minutes(self) -> int:
        return round(self.elapsed_seconds / 60)

    @property
    def resumable(self) -> bool:
        """Not ended by the therapist: the process died (no ``ended``) or was closed from outside."""
        return self.ended is None or bool(self.interrupted)

    @property
    def paused_when_saved(self) -> bool:
        """The last pause was still open when the record was written (its length not yet known)."""
        return bool(self.pauses) and self.pauses[-1].seconds == 0 and self.pauses[-1].at >= self.elapsed_seconds

    def copy(self) -> SessionRecord:
        return copy.deepcopy(self)


def new_record_id(started: dt.datetime) -> str:
    """The minute the session started and 32 random bits: two sessions never share an id (older ids, with 16
    random bits, keep loading)."""
    return f"{started:%Y-%m-%d-%H%M}-{secrets.token_hex(4)}"


def to_toml_dict(model: Any) -> dict:
    """A record (a dataclass) or a reflection (a pydantic model) as plain data tomli-w can write: None left out
    (TOML has no null), the fields in the order the class declares them."""
    if is_dataclass(model):
        data = toml_ready(asdict(model))
    else:
        data = model.model_dump(mode="python", exclude_none=True)
    session = data.get("session") if "session" in data else data
    if isinstance(session, dict) and session.get("first_session") is False:
        del session["first_session"]  # written only when true: older files and versions stay as they were
    return data


def at_text(seconds: int | float) -> str:
    seconds = int(seconds)
    minutes, secs = divmod(seconds, 60)
    return f"{minutes:02d}:{secs:02d}"


class SessionStore(ProtectedStore):
    """Session records awaiting a reflection, one TOML file each in the sessions dir.

    A session in use (running, or being reflected on) holds an OS lock, ``fcntl.flock`` on ``<id>.lock`` beside
    its record, for as long as this store holds it (released by ``discard`` or when the process dies, however it
    dies). Another window sees the lock and never offers that session for a reflection.
    """

    def __init__(self, folder: Path | None = None, *, protection=None) -> None:
        self.folder = folder or paths.locations().sessions_dir
        self._held: dict[str, int] = {}  # record id -> open, locked file descriptor
        self._protection = protection


    def path(self, record_id: str) -> Path:
        """The record's plain name (sealed: ``<id>.toml.age`` beside it; see ``file``)."""
        return self.folder / f"{record_id}.toml"

    def file(self, record_id: str) -> Path | None:
        """The file that holds the record now, sealed or plain, or None."""
        from herenow.store.files import existing_content

        return existing_content(self.path(record_id))

    def lock_path(self, record_id: str) -> Path:
        return self.folder / f"{record_id}.lock"

    def hold(self, record_id: str) -> bool:
        """Lock the session as in use by this process. False if the lock could not be taken (a read-only folder:
        the session still runs; another window may then offer it)."""
        if record_id in self._held:
            return True
        import fcntl

        from herenow.store.paths import FILE_MODE, ensure_dir

        try:
            ensure_dir(self.folder)
            fd = os.open(self.lock_path(record_id), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
                         FILE_MODE)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._held[record_id] = fd
        return True

    def release(self, record_id: str) -> None:
        fd = self._held.pop(record_id, None)
        if fd is None:
            return
        paths.remove_quietly(self.lock_path(record_id))
        os.close(fd)  # closing drops the lock

    def release_all(self) -> None:
        """Let go of every session this store holds (the app is closing; the records stay for next time)."""
        for record_id in list(self._held):
            self.release(record_id)

    def in_use_elsewhere(self, record_id: str) -> bool:
        """True while another process (or another store in this one) holds the session's lock."""
        if record_id in self._held:
            return False
        import fcntl

        try:
            fd = os.open(self.lock_path(record_id), os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError:
            return False  # no lock file: nobody holds it
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        finally:
            os.close(fd)
        return False

    def save(self, record: SessionRecord) -> None:
        import tomli_w

        from herenow.store.files import write_content
        from herenow.store.sealing import SealingError

        try:
            recipient = self.protection.recipient  # sealing needs no passphrase
        except SealingError as exc:
            raise OSError(13, str(exc)) from None
        write_content(self.path(record.id), tomli_w.dumps(to_toml_dict(record)), recipient)

    def pending(self) -> tuple[list[SessionRecord], list[Problem]]:
        """Records waiting for a reflection; sealed ones while locked are left out (``locked_ids``)."""
        from herenow.store.files import scan_toml

        skip = set(self.locked_ids())
        loaded, problems = scan_toml(
            self.folder, lambda path: (None, []) if path.name in skip else load_model(path, SessionRecord))
        return [record for _path, record in loaded], problems

    def locked_ids(self) -> list[str]:
        """File names of sealed records that cannot be read yet (locked)."""
        from herenow.store.files import SEALED_SUFFIX, list_toml

        if not self.protection.locked:
            return []
        entries, _problems = list_toml(self.folder)
        return [path.name for path, _st in entries if path.name.endswith(SEALED_SUFFIX)]

    def discard(self, record_id: str) -> None:
        from herenow.store.files import sealed_path

        try:
            for path in (sealed_path(self.path(record_id)), self.path(record_id)):
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
        finally:
            if record_id in self._held:
                self.release(record_id)
            elif not self.in_use_elsewhere(record_id):
                try:
                    self.lock_path(record_id).unlink()  # the lock file of a session that died: litter now
                except OSError:
                    pass
