"""Reflections: the model, and the one module that reads and writes the store.

One reflection per TOML file, ``reflections/YYYY/MM/<id>.toml``, mode 0600, written atomically. The files are
the truth: a bad file is reported and skipped, never changed or deleted by the app.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from herenow.names import is_id
from herenow.store import paths
from herenow.problems import Problem, load_model
from herenow.store.records import SessionRecord, to_toml_dict

SCHEMA_VERSION = 1

# What happened / so what / now what (reflective practice, after Rolfe et al.).
DEFAULT_PROMPTS = (
    "What happened between us today that stays with me?",
    "What did it mean, and what was my part in it?",
    "What would I like to carry into the next session?",
)

# The therapist's own perception, in our own words. Not a validated measure.
RATINGS: tuple[tuple[str, str], ...] = (
    ("connection", "How connected we felt"),
    ("direction", "How much we shared a direction"),
    ("power", "How I held the power in the room"),
)
RATING_NOTE = "1-5, my own perception today; not a validated measure"


class Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    prompt: str
    text: str = ""


class Reflection(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int = SCHEMA_VERSION
    id: str
    created: dt.datetime
    updated: dt.datetime | None = None
    session: SessionRecord
    answers: list[Answer] = Field(default_factory=list)
    ratings: dict[str, int] = Field(default_factory=dict, description=RATING_NOTE)
    supervision: bool = False
    invited_feedback: bool | None = None
    tags: list[str] = Field(default_factory=list)
    note: str = ""
    client_code: str = ""

    @field_validator("ratings")
    @classmethod
    def _ratings_in_range(cls, value: dict[str, int]) -> dict[str, int]:
        for key, rating in value.items():
            if not 1 <= rating <= 5:
                raise ValueError(f"rating {key!r} is {rating}; ratings go from 1 to 5")
        return value

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, value: list[str]) -> list[str]:
        seen: list[str] = []
        for tag in value:
            tag = tag.strip().lower()
            if tag and tag not in seen:
                seen.append(tag)
        return seen

    @property
    def date(self) -> dt.datetime:
        return self.session.started

    @property
    def has_content(self) -> bool:
        return bool(any(a.text.strip() for a in self.answers) or self.ratings or self.note.strip()
                    or self.tags or self.supervision or self.invited_feedback is not None or self.client_code)

    def text_blob(self) -> str:
        """Everything a free-text search looks at."""
        parts = [a.text for a in self.answers] + [self.note, " ".join(self.tags)]
        return "\n".join(p for p in parts if p)


def prompts_for(decks_prompts: list[list[str]], at_most: int = 5) -> list[str]:
    """Prompts from the session's decks (in order, no repeats), defaults where the decks have too few."""
    chosen: list[str] = []
    for prompts in decks_prompts:
        for prompt in prompts:
            if prompt not in chosen:
                chosen.append(prompt)
    # Keep the shape of what / so what / now what: take round-robin across decks, capped.
    if len(chosen) < 3:
        chosen += [p for p in DEFAULT_PROMPTS if p not in chosen][: 3 - len(chosen)]
    if len(decks_prompts) > 1:
        interleaved: list[str] = []
        for i in range(max(len(p) for p in decks_prompts)):
            for prompts in decks_prompts:
                if i < len(prompts) and prompts[i] not in interleaved:
                    interleaved.append(prompts[i])
        chosen = interleaved + [p for p in chosen if p not in interleaved]
    return chosen[:at_most]


def new_reflection(record: SessionRecord, prompts: list[str]) -> Reflection:
    now = dt.datetime.now().astimezone().replace(microsecond=0)
    return Reflection(id=record.id, created=now, session=record, answers=[Answer(prompt=p) for p in prompts])


def reflection_to_toml(reflection: Reflection) -> str:
    import tomli_w

    return tomli_w.dumps(to_toml_dict(reflection))


def parse_reflection(path: Path) -> tuple[Reflection | None, list[Problem]]:
    return load_model(path, Reflection)


def search_terms(text: str) -> list[str]:
    """Split a search into casefolded terms: words, or "quoted phrases"."""
    terms: list[str] = []
    rest = text.replace("\x00", "").strip()
    while rest:
        if rest[0] == '"':
            end = rest.find('"', 1)
            phrase, rest = (rest[1:], "") if end < 0 else (rest[1:end], rest[end + 1 :])
            if phrase.strip():
                terms.append(phrase.casefold())
        else:
            word, _, rest = rest.partition(" ")
            if word:
                terms.append(word.casefold())
        rest = rest.lstrip()
    return terms


@dataclass
class Query:
    since: dt.date | None = None
    until: dt.date | None = None
    tags: list[str] = field(default_factory=list)
    decks: list[str] = field(default_factory=list)
    text: str = ""

    def matches(self, r: Reflection) -> bool:
        day = r.date.date()
        if self.since and day < self.since:
            return False
        if self.until and day > self.until:
            return False
        if self.tags and not all(t.lower() in r.tags for t in self.tags):
            return False
        if self.decks and not any(d in r.session.decks for d in self.decks):
            return False
        if self.text:
            blob = r.text_blob().casefold().replace("\x00", "")
            if not all(term in blob for term in search_terms(self.text)):
                return False
        return True


class ReflectionStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or paths.locations().reflections_dir

    def path_for(self, reflection: Reflection) -> Path:
        started = reflection.session.started
        return self.root / f"{started:%Y}" / f"{started:%m}" / f"{reflection.id}.toml"

    def files(self) -> Iterator[Path]:
        if not self.root.is_dir():
            return iter(())
        return (p for p in sorted(self.root.rglob("*.toml")) if not p.name.startswith("."))

    def save(self, reflection: Reflection) -> Path:
        """Write atomically (temporary file, fsync, rename). Raises OSError with the old file untouched."""
        from herenow.store.files import atomic_write

        if not is_id(reflection.id):
            raise ValueError(f"{reflection.id!r} is not a valid reflection id")
        reflection.updated = dt.datetime.now().astimezone().replace(microsecond=0)
        path = self.path_for(reflection)
        atomic_write(path, reflection_to_toml(reflection))
        return path

    def find(self, reflection_id: str) -> Path | None:
        if not is_id(reflection_id):
            return None
        for path in self.root.glob(f"*/*/{reflection_id}.toml"):
            return path
        return None

    def get(self, reflection_id: str) -> tuple[Reflection | None, list[Problem]]:
        path = self.find(reflection_id)
        if path is None:
            return None, []
        return parse_reflection(path)

    def delete(self, reflection_id: str) -> bool:
        path = self.find(reflection_id)
        if path is None:
            return False
        os.unlink(path)
        return True
