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


def parse_reflection(path: Path, identity=None) -> tuple[Reflection | None, list[Problem]]:
    """A reflection (or draft) file, plain or sealed; ``identity``: the one to open sealed files with (default: the
    one unlocked in this process; the index passes ``partial(parse_reflection, identity=...)``)."""
    return load_model(path, Reflection, identity=identity)


def _reflection_from_bytes(path: Path, raw: bytes) -> tuple[Reflection | None, list[Problem]]:
    """The same checks as ``parse_reflection``, on bytes already read (so a version hash matches them)."""
    from herenow.problems import model_from_bytes

    return model_from_bytes(str(path), raw, Reflection)


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


@dataclass(frozen=True)
class Version:
    """Which bytes of a reflection file were loaded: a save replaces the file only if it still holds them."""

    path: Path
    sha256: str


@dataclass(frozen=True)
class SaveResult:
    """What ``ReflectionStore.save`` did. Nothing is ever replaced that the caller had not loaded.

    - ``conflict`` False: the reflection is at ``path`` (new, or the loaded version replaced, or the very same
      content was already there: ``unchanged``).
    - ``conflict`` True: another reflection was already there (saved from another window, or changed since it
      was loaded). Both are kept: this one is at ``path``, a conflict copy beside it, with its own id
      (``<id>.conflict-<n>``), listed and searchable like any reflection. ``message`` says so in words.
    """

    path: Path
    conflict: bool = False
    replaced: bool = False
    unchanged: bool = False

    @property
    def message(self) -> str:
        if self.conflict:
            return (f"Saved as a conflict copy: {self.path.name}. Another reflection for this session was "
                    "already saved, and it is kept as it was.")
        return "Reflection saved."

    def __fspath__(self) -> str:
        return str(self.path)


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _same_content(a: Reflection, b: Reflection) -> bool:
    """The same reflection apart from when it was saved (and the id a conflict copy gets)."""
    return a.model_dump(exclude={"updated", "id"}) == b.model_dump(exclude={"updated", "id"})


class ReflectionStore:
    """The reflection files. Read with ``get``/``load``/``scan``/``query``; written only by ``save``.

    ``save`` never silently replaces a file: the first save of a reflection creates its file exclusively; a
    later save replaces it only when given the ``Version`` that ``load`` returned and the file still holds it.
    Otherwise both are kept (see ``SaveResult``).
    """

    def __init__(self, root: Path | None = None, *, protection=None) -> None:
        self.root = root or paths.locations().reflections_dir
        self._protection = protection

    @property
    def protection(self):
        """Whether files are sealed (issue 10) and the identity to read them; the process's own by default."""
        if self._protection is None:
            from herenow.store.protection import current

            return current()
        return self._protection

    def path_for(self, reflection: Reflection) -> Path:
        started = reflection.session.started
        return self.root / f"{started:%Y}" / f"{started:%m}" / f"{reflection.id}.toml"

    def files(self) -> Iterator[Path]:
        from herenow.store.files import list_toml

        entries, _problems = list_toml(self.root, recursive=True)
        return iter([path for path, _st in entries])

    # ---------------------------------------------------------------- writing
    def _locked(self):
        """An exclusive lock on the store while a save checks and writes (another process waits a moment)."""
        import contextlib

        @contextlib.contextmanager
        def held():
            from herenow.store.paths import FILE_MODE, ensure_dir

            ensure_dir(self.root)
            try:
                fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
            except OSError:
                fd = None  # a read-only store: the write below fails with the real reason
            try:
                if fd is not None:
                    try:
                        import fcntl

                        fcntl.flock(fd, fcntl.LOCK_EX)
                    except (ImportError, OSError):
                        pass
                yield
            finally:
                if fd is not None:
                    os.close(fd)

        return held()

    def save(self, reflection: Reflection, *, replacing: Version | None = None) -> SaveResult:
        """Save ``reflection``. Raises OSError (full disk, read-only folder) with every file untouched, or
        ValueError for an id that could leave the store.

        ``replacing``: the ``Version`` from ``load`` when saving an edit of a saved reflection. Without it,
        this is a first save and creates the file only if there is none.
        """
        from herenow.store.files import create_content_exclusive, existing_content

        if not is_id(reflection.id):
            raise ValueError(f"{reflection.id!r} is not a valid reflection id")
        reflection.updated = dt.datetime.now().astimezone().replace(microsecond=0)
        path = replacing.path if replacing is not None else self.path_for(reflection)
        data = reflection_to_toml(reflection).encode("utf-8")
        recipient = self._recipient()  # never asks for a passphrase: writing needs only the public key
        with self._locked():
            if replacing is None:
                written = create_content_exclusive(path, data, recipient)
                if written is not None:
                    return SaveResult(written)
            else:
                from herenow.store.files import Unreadable, read_bytes_safely, write_content

                try:
                    current = read_bytes_safely(path, max_bytes=64 * 1024 * 1024)
                except Unreadable:
                    current = None
                if current is not None and _digest(current) == replacing.sha256:
                    return SaveResult(write_content(path, data, recipient), replaced=True)
                if current is None and existing_content(path) is None:
                    written = create_content_exclusive(path, data, recipient)
                    if written is not None:
                        return SaveResult(written)  # deleted meanwhile: nothing to replace
            taken = existing_content(path) or path
            existing, _problems = parse_reflection(taken)
            if existing is not None and _same_content(existing, reflection):
                return SaveResult(taken, unchanged=True)  # saved already (a retry): no copy needed
            return self._save_conflict_copy(reflection, taken, recipient)

    def _recipient(self):
        from herenow.store.sealing import SealingError

        try:
            return self.protection.recipient
        except SealingError as exc:  # protected, but the public key cannot be used: never write in the clear
            raise OSError(13, str(exc)) from None

    def _save_conflict_copy(self, reflection: Reflection, taken: Path, recipient=None) -> SaveResult:
        from herenow.store.files import create_content_exclusive, existing_content

        base = reflection.id
        for n in range(1, 10_000):
            copy_id = f"{base}.conflict-{n}"
            target = taken.parent / f"{copy_id}.toml"
            there = existing_content(target)
            if there is not None:
                existing, _problems = parse_reflection(there)
                if existing is not None and _same_content(existing, reflection):
                    return SaveResult(there, conflict=True, unchanged=True)
                continue
            copy = reflection.model_copy(update={"id": copy_id})
            written = create_content_exclusive(target, reflection_to_toml(copy), recipient)
            if written is not None:
                return SaveResult(written, conflict=True)
        raise OSError(f"too many conflict copies beside {taken}")

    # ---------------------------------------------------------------- reading
    def find(self, reflection_id: str) -> Path | None:
        if not is_id(reflection_id):
            return None
        from herenow.store.files import SEALED_SUFFIX

        for path in sorted(self.root.glob(f"*/*/{reflection_id}.toml{SEALED_SUFFIX}")):
            return path
        for path in sorted(self.root.glob(f"*/*/{reflection_id}.toml")):
            return path
        return None

    def exists(self, reflection_id: str) -> bool:
        """A reflection file with this id is there (whether or not it is valid)."""
        return self.find(reflection_id) is not None

    def files_for(self, session_id: str) -> list[Path]:
        """The reflection file for this session and any conflict copies beside it."""
        if not is_id(session_id):
            return []
        found: set[Path] = set()
        for suffix in (".toml", ".toml.age"):
            found |= set(self.root.glob(f"*/*/{session_id}{suffix}"))
            found |= set(self.root.glob(f"*/*/{session_id}.conflict-*{suffix}"))
        return sorted(p for p in found if p.with_name(p.name + ".age") not in found)

    def has_reflection_for(self, session_id: str) -> bool:
        """Some reflection on this session is saved (its own file or a conflict copy)."""
        return bool(self.files_for(session_id))

    def get(self, reflection_id: str) -> tuple[Reflection | None, list[Problem]]:
        path = self.find(reflection_id)
        if path is None:
            return None, []
        return parse_reflection(path)

    def load(self, reflection_id: str) -> tuple[Reflection | None, Version | None, list[Problem]]:
        """Like ``get``, plus the ``Version`` to pass to ``save(..., replacing=version)`` after editing it."""
        from herenow.store.files import Unreadable, open_content, read_bytes_safely

        path = self.find(reflection_id)
        if path is None:
            return None, None, []
        try:
            raw = read_bytes_safely(path, 2 * 1024 * 1024)  # the bytes on disk (ciphertext if sealed): the version
            plain = open_content(path, raw)
        except Unreadable as exc:
            return None, None, [Problem(str(path), str(exc))]
        reflection, problems = _reflection_from_bytes(path, plain)
        if reflection is None:
            return None, None, problems
        return reflection, Version(path, _digest(raw)), []

    def delete(self, reflection_id: str) -> bool:
        from herenow.store.files import plain_path, sealed_path

        path = self.find(reflection_id)
        if path is None:
            return False
        os.unlink(path)
        try:
            os.unlink(plain_path(path) if path == sealed_path(path) else sealed_path(path))  # mid-migration twin
        except FileNotFoundError:
            pass
        return True
