"""The session record: what happened in a session (times, decks, cues shown and acted on, moments, pauses).

Saved as TOML in the sessions dir while the session runs and until it has been reflected on; then it lives on
inside the reflection file. No client names: nothing here ever asks for one.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from herenow.store import paths
from herenow.problems import Problem, load_model

MOMENT_KINDS = ("moment", "rupture", "repair", "here-and-now")


class ShownCue(BaseModel):
    model_config = ConfigDict(extra="ignore")

    deck: str
    id: str
    text: str
    at: int = Field(description="Seconds into the session.")


class ActedOn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    deck: str
    id: str
    text: str
    at: int


class Moment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: str = "moment"
    at: int


class Pause(BaseModel):
    model_config = ConfigDict(extra="ignore")

    at: int
    seconds: int = 0


class SessionRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int = 1
    id: str
    started: dt.datetime
    ended: dt.datetime | None = None
    planned_minutes: float
    elapsed_seconds: int = 0
    decks: list[str] = Field(default_factory=list)
    cues_shown: list[ShownCue] = Field(default_factory=list)
    acted_on: list[ActedOn] = Field(default_factory=list)
    moments: list[Moment] = Field(default_factory=list)
    pauses: list[Pause] = Field(default_factory=list)
    # Waiting for a reflection, but "not now": kept, listed only with all the waiting sessions (herenow.waiting).
    set_aside: bool = False
    # Dismissed for good, without a reflection: kept in sessions/dismissed/, never offered again.
    dismissed: dt.datetime | None = None

    @property
    def length_minutes(self) -> int:
        return round(self.elapsed_seconds / 60)


def new_record_id(started: dt.datetime) -> str:
    return f"{started:%Y-%m-%d-%H%M}-{secrets.token_hex(2)}"


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
        records, problems = [], []
        if not self.folder.is_dir():
            return records, problems
        for path in sorted(self.folder.glob("*.toml")):
            record, found = load_model(path, SessionRecord)
            problems += found
            if record is not None:
                records.append(record)
        return records, problems

    def discard(self, record_id: str) -> None:
        try:
            self.path(record_id).unlink()
        except FileNotFoundError:
            pass
