"""The session record: what happened in a session (times, decks, cues shown and acted on, moments, pauses).

Saved as TOML in the sessions dir while the session runs and until it has been reflected on; then it lives on
inside the reflection file. No client names: nothing here ever asks for one.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from herenow.store import paths
from herenow.problems import Problem, load_model

MOMENT_KINDS = ("moment", "rupture", "repair", "here-and-now")

# Bounds that no real session reaches, so a hand-edited or damaged value is a clear problem, not a crash later
# (SQLite holds 64-bit integers; timedelta and the clock text need finite numbers). Negative seconds stay
# readable: records written while the wall clock was set back have them.
SECONDS = {"ge": -10**9, "le": 10**9}


class ShownCue(BaseModel):
    model_config = ConfigDict(extra="ignore")

    deck: str
    id: str
    text: str
    at: int = Field(description="Seconds into the session.", **SECONDS)


class ActedOn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    deck: str
    id: str
    text: str
    at: int = Field(**SECONDS)


class Moment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: str = "moment"
    at: int = Field(**SECONDS)


class Pause(BaseModel):
    model_config = ConfigDict(extra="ignore")

    at: int = Field(**SECONDS)
    seconds: int = Field(default=0, **SECONDS)


class SessionRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int = 1
    id: str
    started: AwareDatetime
    ended: AwareDatetime | None = None
    planned_minutes: float = Field(ge=0, le=100_000, allow_inf_nan=False)
    elapsed_seconds: int = Field(default=0, **SECONDS)
    decks: list[str] = Field(default_factory=list)
    cues_shown: list[ShownCue] = Field(default_factory=list)
    acted_on: list[ActedOn] = Field(default_factory=list)
    moments: list[Moment] = Field(default_factory=list)
    pauses: list[Pause] = Field(default_factory=list)

    @property
    def length_minutes(self) -> int:
        return round(self.elapsed_seconds / 60)


def new_record_id(started: dt.datetime) -> str:
    """The minute the session started and 32 random bits: two sessions never share an id (older ids, with 16
    random bits, keep loading)."""
    return f"{started:%Y-%m-%d-%H%M}-{secrets.token_hex(4)}"


def to_toml_dict(model: BaseModel) -> dict:
    """A model as plain data tomli-w can write (None left out: TOML has no null)."""
    return model.model_dump(mode="python", exclude_none=True)


def at_text(seconds: int | float) -> str:
    seconds = int(seconds)
    minutes, secs = divmod(seconds, 60)
    return f"{minutes:02d}:{secs:02d}"


class SessionStore:
    """Session records awaiting a reflection, one TOML file each in the sessions dir."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or paths.locations().sessions_dir

    def path(self, record_id: str) -> Path:
        return self.folder / f"{record_id}.toml"

    def save(self, record: SessionRecord) -> None:
        import tomli_w

        from herenow.store.files import atomic_write

        atomic_write(self.path(record.id), tomli_w.dumps(to_toml_dict(record)))

    def pending(self) -> tuple[list[SessionRecord], list[Problem]]:
        from herenow.store.files import scan_toml

        loaded, problems = scan_toml(self.folder, lambda path: load_model(path, SessionRecord))
        return [record for _path, record in loaded], problems

    def discard(self, record_id: str) -> None:
        try:
            self.path(record_id).unlink()
        except FileNotFoundError:
            pass
