"""Reflections: the model, and the one module that reads and writes the store.

One reflection per TOML file, ``reflections/YYYY/MM/<id>.toml``, mode 0600, written atomically. The files are
the truth: a bad file is reported and skipped, never changed or deleted by the app.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from herenow.names import is_id
from herenow.stages import STAGE_LABELS, STAGES
from herenow.store import paths
from herenow.store.protection import ProtectedStore
from herenow.problems import Problem, load_model
from herenow.store.records import SessionRecord, to_toml_dict

# Version 2: the third rating became "choice" (how much room the client had to choose), answers carry their
# prompt's stage, and the client's own words and session score may be kept. Version 1 files read unchanged:
# "connection" and "direction" asked the same questions, in the same direction (5 = more), so they carry on;
# the old "power" rating ("How I held the power in the room") had no clear direction (was 5 holding it well, or
# holding a lot of it?), so its values are neither inverted nor turned into "choice": they stay under "power",
# labelled as the earlier question, drawn on their own line and never used for the quiet flag.
SCHEMA_VERSION = 2

# What happened / so what / now what (reflective practice, after Rolfe et al.), one per stage, in that order.
DEFAULT_PROMPTS = (
    "What happened between us today that stays with me?",
    "What did it mean, and what was my part in it?",
    "What would I like to carry into the next session?",
)

# The therapist's own perception, in our own words. Not a validated measure. Each one: 5 is more of something good.
RATINGS: tuple[tuple[str, str], ...] = (
    ("connection", "How connected we felt"),
    ("direction", "How much we shared a direction"),
    ("choice", "How much room the client had to choose"),
)
# Keys no longer asked, kept readable in old files under their own label.
LEGACY_RATINGS: dict[str, str] = {
    "power": "Power in the room (earlier question, no set direction)",
}
RATING_NOTE = "1-5, my own perception today, 5 is more; not a validated measure"
CLIENT_SCORE_NOTE = "the client's own rating of the session, on the scale they use"


def rating_label(key: str) -> str:
    return dict(RATINGS).get(key) or LEGACY_RATINGS.get(key) or key


_SCORE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:/|of|out of)\s*(\d+(?:[.,]\d+)?)\s*$", re.IGNORECASE)


def parse_score(text: str) -> tuple[float, float] | None:
    """"34/40", "34 of 40", "7.5 out of 10" -> (score, scale maximum); "" -> None. Raises ValueError, in words."""
    if not text.strip():
        return None
    match = _SCORE.match(text)
    if match is None:
        raise ValueError("write the score with its scale, for example 34/40")
    score, scale_max = (float(part.replace(",", ".")) for part in match.groups())
    if scale_max <= 0:
        raise ValueError("the top of the scale has to be more than 0")
    if score > scale_max:
        raise ValueError(f"{score:g} is above the top of the scale ({scale_max:g})")
    return score, scale_max


def score_text(score: float | None, scale_max: float | None) -> str:
    if score is None:
        return ""
    return f"{score:g}/{scale_max:g}" if scale_max else f"{score:g}"


class Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    prompt: str
    text: str = ""
    stage: str = ""  # "what", "so-what" or "now-what"; empty in version 1 files


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
    client_words: str = Field(default="", description="The client's own words about the session (optional).")
    client_score: float | None = Field(default=None, ge=0, description=CLIENT_SCORE_NOTE)
    client_scale_max: float | None = Field(default=None, gt=0, description="The top of the client's scale.")

    @model_validator(mode="after")
    def _score_on_its_scale(self) -> Reflection:
        if (self.client_score is not None and self.client_scale_max is not None
                and self.client_score > self.client_scale_max):
            raise ValueError(f"client_score {self.client_score:g} is above client_scale_max "
                             f"{self.client_scale_max:g}")
        return self

    @property
    def client_score_text(self) -> str:
        return score_text(self.client_score, self.client_scale_max)

    @property
    def client_score_share(self) -> float | None:
        """The client's score as a share of their scale (0 to 1), when the scale is known."""
        if self.client_score is None or not self.client_scale_max:
            return None
        return self.client_score / self.client_scale_max

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
                    or self.tags or self.supervision or self.invited_feedback is not None or self.client_code
                    or self.client_words.strip() or self.client_score is not None)

    def text_blob(self) -> str:
        """Everything a free-text search looks at."""
        parts = [a.text for a in self.answers] + [self.note, self.client_words, " ".join(self.tags)]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class OfferedPrompt:
    """A prompt as the reflection offers it: its words, its stage, and where it came from."""

    text: str
    stage: str
    id: str = ""
    deck: str = ""  # "" for the default prompts
    follows: str | None = None

    @property
    def label(self) -> str:
        return f"{STAGE_LABELS.get(self.stage, self.stage)}? · {self.text}" if self.stage else self.text


DEFAULTS: tuple[OfferedPrompt, ...] = tuple(
    OfferedPrompt(text, stage, id=f"default-{stage}") for stage, text in zip(STAGES, DEFAULT_PROMPTS))


@dataclass
class PromptPlan:
    shown: list[OfferedPrompt]  # one per stage, in the order what, so-what, now-what
    more: list[OfferedPrompt]  # the rest, offered on demand, a "what" always followed by the prompts that follow it

    def take_more(self, n: int = 3) -> list[OfferedPrompt]:
        """The next ``n`` prompts (or a few more, so a "what" never comes without the prompts that follow it)."""
        taken: list[OfferedPrompt] = []
        while self.more and len(taken) < n:
            head = self.more.pop(0)
            taken.append(head)
            while self.more and head.stage == "what" and self.more[0].follows == head.id \
                    and self.more[0].deck == head.deck:
                taken.append(self.more.pop(0))
        return taken


def prompts_for(decks: Sequence[tuple[str, Sequence[Any]]], seed: object = None) -> PromptPlan:
    """Three prompts, one per stage, from the session's decks; the others kept for "more prompts".

    ``decks`` is [(deck name, its prompts)], in the session's order; a prompt is anything with ``id``, ``stage``,
    ``follows`` and ``text`` (``herenow.decks.model.Prompt``). Which deck supplies which stage turns with the
    ``seed`` (the session id), so it varies from session to session but stays the same for one session: the
    what comes from one deck, the so-what from the next that has one, the now-what from the one after. A
    so-what written to follow the chosen what is taken first, so the two stay together. Stages no deck covers
    get the default prompt of that stage. The same text is offered only once.
    """
    rng = random.Random(f"herenow-prompts:{seed}")
    seen: set[str] = set()
    pools: list[list[OfferedPrompt]] = []
    for name, prompts in decks:
        pool = []
        for p in prompts:
            key = " ".join(p.text.casefold().split())
            if p.stage in STAGES and key not in seen:
                seen.add(key)
                pool.append(OfferedPrompt(p.text, p.stage, id=p.id, deck=name, follows=p.follows))
        if pool:
            pools.append(pool)
    turn = rng.randrange(len(pools)) if pools else 0

    def pick(stage: str, start: int) -> OfferedPrompt | None:
        for k in range(len(pools)):
            candidates = [p for p in pools[(start + k) % len(pools)] if p.stage == stage]
            if candidates:
                return rng.choice(candidates)
        return None

    what = pick("what", turn)
    followers = [p for p in pools[turn % len(pools)] if what is not None and p.stage == "so-what"
                 and p.follows == what.id and p.deck == what.deck] if pools else []
    so_what = rng.choice(followers) if followers else pick("so-what", turn + 1)
    now_what = pick("now-what", turn + 2)
    shown = [p or default for p, default in zip((what, so_what, now_what), DEFAULTS)]

    # The rest, taking turns between the decks from the one after the what's; within a deck in its own order,
    # each "what" followed by the prompts written to follow it.
    taken = set(shown)
    groups_by_deck: list[list[list[OfferedPrompt]]] = []
    for k in range(len(pools)):
        pool = pools[(turn + 1 + k) % len(pools)]
        groups: list[list[OfferedPrompt]] = []
        for p in pool:
            if p in taken or (p.follows and any(q.id == p.follows and q.stage == "what" and q not in taken
                                                for q in pool)):
                continue
            group = [p] + ([q for q in pool if q.follows == p.id and q not in taken] if p.stage == "what" else [])
            groups.append(group)
            taken.update(group)
        groups_by_deck.append(groups)
    more: list[OfferedPrompt] = []
    for i in range(max((len(g) for g in groups_by_deck), default=0)):
        for groups in groups_by_deck:
            if i < len(groups):
                more += groups[i]
    texts = {" ".join(p.text.casefold().split()) for p in shown + more}
    more += [d for d in DEFAULTS if d not in shown and " ".join(d.text.casefold().split()) not in texts]
    return PromptPlan(shown, more)


def new_reflection(record: SessionRecord, prompts: Sequence[str | OfferedPrompt]) -> Reflection:
    now = dt.datetime.now().astimezone().replace(microsecond=0)
    answers = [Answer(prompt=p) if isinstance(p, str) else Answer(prompt=p.text, stage=p.stage) for p in prompts]
    return Reflection(id=record.id, created=now, session=record, answers=answers)


def reflection_to_toml(reflection: Reflection) -> str:
    """The reflection as TOML, always in the current schema version (old files gain it when saved again)."""
    import tomli_w

    data = to_toml_dict(reflection)
    data["schema_version"] = SCHEMA_VERSION
    for answer in data.get("answers", []):
        if not answer.get("stage"):
            answer.pop("stage", None)
    for key in ("client_words",):
        if not data.get(key):
            data.pop(key, None)
    return tomli_w.dumps(data)


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


class ReflectionStore(ProtectedStore):
    """The reflection files. Read with ``get``/``load``/``scan``/``query``; written only by ``save``.

    ``save`` never silently replaces a file: the first save of a reflection creates its file exclusively; a
    later save replaces it only when given the ``Version`` that ``load`` returned and the file still holds it.
    Otherwise both are kept (see ``SaveResult``).
    """

    def __init__(self, root: Path | None = None, *, protection=None) -> None:
        self.root = root or paths.locations().reflections_dir
        self._protection = protection


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
