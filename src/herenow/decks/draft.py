"""The deck workshop's editing model: an editable copy of a deck, its live checks, and saving it safely.

Plain Python (no Textual). The screen in ``ui/screens/workshop.py`` only renders a :class:`DeckDraft` and
forwards edits to it. Values are kept as typed (a weight may be "2.x" for a moment) and checked by the same
validation as ``herenow decks validate`` (``decks.Deck`` and ``decks.hints``), keyed per field ("title",
"cues[2].text" ...) so the screen can show each message next to its field.

Saving never loses either side: the file's size, modification time and content hash are remembered when the
deck is opened, and a save over a file that changed on disk since is refused with ``status == "conflict"``
until the caller chooses to reload or to overwrite.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from herenow.store import paths
from herenow.decks.model import SCHEMA_VERSION, STAGES, Cue, Deck, Prompt, deck_to_toml, hints
from herenow.decks.library import copy_deck, parse_deck
from herenow.problems import Problem, validation_problems

MAX_DECK_BYTES = 1_000_000  # a deck is a few kilobytes; anything this large is not one


class WorkshopError(Exception):
    """A user-facing problem, one line (a bad file to import, a path that cannot be written...)."""


# ---------------------------------------------------------------- files on disk
@dataclass(frozen=True)
class Fingerprint:
    """What a file looked like when it was read: enough to tell whether someone else changed it since."""

    mtime_ns: int
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> Fingerprint | None:
        """The file's fingerprint now, or None if it is missing or unreadable."""
        try:
            with path.open("rb") as handle:
                stat = os.fstat(handle.fileno())
                digest = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            return None
        return cls(stat.st_mtime_ns, stat.st_size, digest)

    def same_content(self, other: Fingerprint | None) -> bool:
        """Same bytes (a file touched but not changed is not a conflict; the hash decides, not the clock)."""
        return other is not None and other.size == self.size and other.sha256 == self.sha256


# ---------------------------------------------------------------- the editable deck
@dataclass
class CueDraft:
    """One cue as typed. ``weight`` is a string while being typed; ``tags`` a list of words."""

    text: str = ""
    detail: str = ""
    phase: str = "any"
    weight: str = "1"
    tags: list[str] = field(default_factory=list)
    id: str | None = None
    first_session: bool = False  # kept as the file has it; the workshop does not change it

    @classmethod
    def from_cue(cls, cue: Cue) -> CueDraft:
        return cls(text=cue.text, detail=cue.detail, phase=cue.phase, weight=format_weight(cue.weight),
                   tags=list(cue.tags), id=cue.id if cue.id_in_file else None,
                   first_session=cue.first_session)

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "detail": self.detail, "phase": self.phase,
                               "weight": _weight_value(self.weight), "tags": list(self.tags)}
        if self.id is not None:
            out["id"] = self.id
        if self.first_session:
            out["first_session"] = True
        return out


@dataclass
class PromptDraft:
    """One reflection prompt as typed: in the editor, a line "what: ...", "so-what: ..." or "now-what: ..."."""

    text: str = ""
    stage: str = "what"
    id: str | None = None
    follows: str | None = None

    @classmethod
    def from_prompt(cls, prompt: Prompt) -> PromptDraft:
        return cls(text=prompt.text, stage=prompt.stage, id=prompt.id, follows=prompt.follows)

    @property
    def line(self) -> str:
        return f"{self.stage}: {self.text}" if self.stage else self.text


_STAGE_LINE = re.compile(r"^\s*(what|so-what|now-what)\s*:\s?(.*)$", re.IGNORECASE)


def parse_prompt_line(line: str) -> tuple[str, str]:
    """"so-what: What did it mean?" -> ("so-what", "What did it mean?"); a line with no stage -> ("", line)."""
    match = _STAGE_LINE.match(line)
    if match is None:
        return "", line.strip()
    return match.group(1).lower(), match.group(2).strip()


def next_stage(stage: str) -> str:
    """what -> so-what -> now-what -> what (a line with no stage becomes "what")."""
    return STAGES[(STAGES.index(stage) + 1) % len(STAGES)] if stage in STAGES else STAGES[0]


def format_weight(weight: float) -> str:
    return f"{weight:g}" if float(f"{weight:g}") == weight else repr(weight)


def _weight_value(text: str) -> Any:
    """A number when it reads as one (so "2" and "2.0" are the same deck); otherwise the text, for validation."""
    try:
        return float(text.strip())
    except ValueError:
        return text


def parse_tags(text: str) -> list[str]:
    """Tags typed as "goals, agency" -> ["goals", "agency"]."""
    return [tag.strip() for tag in text.split(",") if tag.strip()]


@dataclass
class Checks:
    """The result of :meth:`DeckDraft.check`: errors (the deck cannot be saved) and gentle hints."""

    errors: list[Problem] = field(default_factory=list)
    hints: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def for_field(self, name: str) -> list[Problem]:
        """Errors first, then hints, for one field ("title", "cues[2].text"; "cues[2]" for all of a cue's)."""
        return [p for p in self.errors + self.hints if p.field == name or (p.field or "").startswith(name + ".")]

    def unplaced(self, placed: set[str]) -> list[Problem]:
        """Problems that belong to no field shown on screen (a deck with no cues, an id used twice...)."""
        return [p for p in self.errors if not any(p.field == n or (p.field or "").startswith(n + ".")
                                                  for n in placed)]

    def all(self) -> list[Problem]:
        return self.errors + self.hints


SaveStatus = Literal["saved", "invalid", "conflict", "read-only", "error"]


@dataclass(frozen=True)
class SaveResult:
    status: SaveStatus
    message: str

    @property
    def saved(self) -> bool:
        return self.status == "saved"


class DeckDraft:
    """An editable copy of a deck and the file it came from."""

    def __init__(self, deck: Deck, path: Path | None, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._load(deck)
        self.fingerprint = Fingerprint.of(path) if path is not None else None

    def _load(self, deck: Deck) -> None:
        self.original = deck
        self.name = deck.name
        self.title = deck.title
        self.description = deck.description
        self.language = deck.language
        self.prompts: list[PromptDraft] = [PromptDraft.from_prompt(p) for p in deck.prompts]
        # Ids the file did not have are derived from the text: they stay unset until saved, so a cue typed
        # in the workshop gets the id its final text gives it, as it would in a hand-written file.
        self.cues: list[CueDraft] = [CueDraft.from_cue(cue) for cue in deck.cues]
        self._baseline = self._normalised()

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> tuple[DeckDraft | None, list[Problem]]:
        """Read ``path`` into a draft: (draft, []) or (None, problems). Never raises for a user's mistake."""
        fingerprint = Fingerprint.of(path)
        deck, problems = parse_deck(path)
        if deck is None:
            return None, problems
        draft = cls(deck, path, read_only=read_only)
        draft.fingerprint = fingerprint  # what was read, even if the file changes in between
        return draft, []

    # ------------------------------------------------------------ edits
    def add_cue(self, after: int | None = None, text: str = "") -> int:
        """A new empty cue after ``after`` (at the end if None). Returns its index."""
        index = len(self.cues) if after is None else max(0, min(after + 1, len(self.cues)))
        self.cues.insert(index, CueDraft(text=text))
        return index

    def delete_cue(self, index: int) -> CueDraft:
        return self.cues.pop(index)

    def move_cue(self, index: int, offset: int) -> int:
        """Move a cue up (-1) or down (+1). Returns its new index (unchanged at either end)."""
        target = index + offset
        if not (0 <= index < len(self.cues)) or not (0 <= target < len(self.cues)):
            return index
        self.cues[index], self.cues[target] = self.cues[target], self.cues[index]
        return target

    def edit_cue(self, index: int, **changes: Any) -> None:
        """Change some of a cue's fields: text, detail, phase, weight (text or number), tags (list or "a, b")."""
        cue = self.cues[index]
        for key, value in changes.items():
            if key == "weight" and not isinstance(value, str):
                value = format_weight(float(value))
            elif key == "tags" and isinstance(value, str):
                value = parse_tags(value)
            if key not in {"text", "detail", "phase", "weight", "tags"}:
                raise KeyError(key)
            setattr(cue, key, value)

    def set_prompts(self, lines: list[str | PromptDraft]) -> None:
        """The prompts as edited: lines like "so-what: What did it mean?" (blank lines are left out).

        A prompt keeps its id (and what it follows) when its text is unchanged, or when it stays on the same
        line with new words; a new prompt gets a new id when saved."""
        old = list(self.prompts)
        parsed: list[PromptDraft] = []
        for line in lines:
            if isinstance(line, PromptDraft):
                parsed.append(line)
                continue
            stage, text = parse_prompt_line(line)
            if text or stage:
                parsed.append(PromptDraft(text=text, stage=stage))
        unused = {id(p): p for p in old}
        for item in parsed:
            if item.id is not None:
                continue
            same = next((p for p in old if id(p) in unused and p.text == item.text), None)
            if same is not None:
                item.id, item.follows = same.id, same.follows
                del unused[id(same)]
        for position, item in enumerate(parsed):
            if item.id is None and position < len(old) and id(old[position]) in unused:
                item.id, item.follows = old[position].id, old[position].follows
                del unused[id(old[position])]
        self.prompts = parsed

    def prompt_lines(self) -> list[str]:
        return [p.line for p in self.prompts]

    def _prompts_data(self) -> list[dict[str, Any]]:
        taken = {p.id for p in self.prompts if p.id}
        out = []
        n = 0
        for p in self.prompts:
            pid = p.id
            if pid is None:
                n += 1
                while f"p{n}" in taken:
                    n += 1
                pid = f"p{n}"
                taken.add(pid)
            item: dict[str, Any] = {"id": pid, "stage": p.stage, "text": p.text}
            if p.follows and p.stage != "what":
                item["follows"] = p.follows
            out.append(item)
        return out

    # ------------------------------------------------------------ state
    def data(self) -> dict[str, Any]:
        """The deck as a dict, as typed, for validation."""
        original = self.original
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION, "name": self.name, "title": self.title,
            "description": self.description, "version": original.version, "language": self.language,
            "sources": list(original.sources), "prompts": self._prompts_data(),
            "cues": [cue.data() for cue in self.cues],
        }
        if original.author is not None:
            out["author"] = original.author
        return out

    def _normalised(self) -> Any:
        """What would be saved, ignoring what saving tidies away (spaces at the ends, empty prompts)."""
        data = self.data()
        for cue in data["cues"]:
            cue["text"] = cue["text"].strip()
            cue["detail"] = cue["detail"].strip()
        return data

    @property
    def dirty(self) -> bool:
        return self._normalised() != self._baseline

    def deck(self) -> Deck | None:
        """The edited deck if it is valid, else None."""
        from pydantic import ValidationError

        from herenow.decks.schema import validate_deck

        try:
            return validate_deck(self.data())
        except ValidationError:
            return None

    def check(self) -> Checks:
        """The same problems ``herenow decks validate`` would report for this deck, keyed per field."""
        from pydantic import ValidationError

        from herenow.decks.schema import validate_deck

        file = str(self.path) if self.path is not None else self.name
        checks = Checks()
        try:
            validate_deck(self.data())
        except ValidationError as exc:
            checks.errors = validation_problems(file, "", exc, index={})
        # Hints look only at the cues' text and the prompts, so they are given even while something else is wrong.
        sketch = Deck(
            name=self.name, title=self.title,
            prompts=[Prompt(**p) for p in self._prompts_data()],
            cues=[Cue(text=cue.text.strip()) for cue in self.cues],
        )
        checks.hints = hints(sketch, file)
        return checks

    # ------------------------------------------------------------ disk
    def changed_on_disk(self) -> bool:
        """True if the file is not what was read (edited elsewhere, or removed)."""
        if self.path is None or self.fingerprint is None:
            return False
        return not self.fingerprint.same_content(Fingerprint.of(self.path))

    def save(self, *, overwrite: bool = False) -> SaveResult:
        """Write the deck (atomic, 0600, every cue's id written). Refuses if invalid, or changed on disk
        (unless ``overwrite``): nothing is written then, and the result says why."""
        if self.read_only or self.path is None:
            return SaveResult("read-only", "A built-in deck stays as it is; make your own copy to change it.")
        checks = self.check()
        if not checks.ok:
            count = len(checks.errors)
            return SaveResult("invalid", f"Not saved: {count} thing{'s' if count != 1 else ''} to look at first "
                                         f"({checks.errors[0].field or 'deck'}: {checks.errors[0].message}).")
        if not overwrite and self.changed_on_disk():
            gone = not self.path.exists()
            return SaveResult("conflict", f"{self.path.name} was {'removed' if gone else 'changed'} on disk "
                                          "since it was opened.")
        deck = self.deck()
        assert deck is not None
        from herenow.decks.library import save_deck

        try:
            save_deck(deck, self.path)
        except OSError as exc:
            return SaveResult("error", f"Could not save {self.path}: {exc.strerror or exc}")
        self.fingerprint = Fingerprint.of(self.path)
        self._load(deck)
        for draft, cue in zip(self.cues, deck.cues, strict=True):
            draft.id = cue.id  # written now: they stay with the cue from here on
        self._baseline = self._normalised()
        return SaveResult("saved", f"Saved {self.path.name}.")

    def reload(self) -> list[Problem]:
        """Read the file again, dropping the edits. Returns problems (and keeps the edits) if it cannot be read."""
        if self.path is None:
            return []
        fingerprint = Fingerprint.of(self.path)
        deck, problems = parse_deck(self.path)
        if deck is None:
            return problems
        self._load(deck)
        self.fingerprint = fingerprint
        return []


# ---------------------------------------------------------------- copies, import, export
def free_name(base: str) -> str:
    """A deck name not used by any deck file in the user decks dir nor by a loaded deck: my-power, my-power-2..."""
    from herenow.decks.library import load_library

    taken = set(load_library().decks)
    folder = paths.locations().decks_dir
    candidate, n = base, 2
    while candidate in taken or (folder / f"{candidate}.toml").exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


COPY_SUFFIX = "(my copy)"


def original_title(title: str) -> str:
    """A title without the "(my copy)" a copy added: "Collaboration (my copy) (my copy)" -> "Collaboration"."""
    stripped = title.strip()
    while stripped.casefold().endswith(COPY_SUFFIX) and stripped[: -len(COPY_SUFFIX)].strip():
        stripped = stripped[: -len(COPY_SUFFIX)].strip()
    return stripped


def make_own_copy(source: Deck) -> tuple[Deck, Path]:
    """Copy a (built-in) deck into the user decks dir as ``my-<name>``; ready to edit.

    The copy's title is the original's with "(my copy)" once, however many copies of copies were made.
    """
    base = source.name if source.name.startswith("my-") else f"my-{source.name}"
    # copy_deck adds "(my copy)" to the title it is given: give it the title without one.
    return copy_deck(replace(source, title=original_title(source.title)), free_name(base))


@dataclass(frozen=True)
class ImportResult:
    status: Literal["imported", "exists"]
    deck: Deck
    path: Path  # where it was (or would be) written
    message: str


def _read_deck_file(source: Path) -> Deck:
    source = source.expanduser()
    if source.is_dir():
        raise WorkshopError(f"{source}: is a folder, not a deck file")
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise WorkshopError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    if size > MAX_DECK_BYTES:
        raise WorkshopError(f"{source}: is too large to be a deck ({size // 1000} kB)")
    deck, problems = parse_deck(source)
    if deck is None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        error = WorkshopError(f"{problems[0]}{more}")
        error.problems = problems  # all of them, for the workshop's full list
        raise error
    return deck


def import_deck(source: Path, *, overwrite: bool = False) -> ImportResult:
    """Check a shared deck file, then copy it into the user decks dir under its deck name.

    Raises WorkshopError (one line naming the file and the problem) if it is not a valid deck. If a deck of
    yours already has that name, nothing is written and the result's status is "exists" (ask, then call again
    with ``overwrite=True``). A built-in deck of the same name is not touched; the imported one replaces it.
    """
    from herenow.decks.library import load_library
    from herenow.store.files import atomic_write

    source = source.expanduser()
    deck = _read_deck_file(source)
    existing = load_library().get(deck.name)
    folder = paths.locations().decks_dir
    target = folder / f"{deck.name}.toml"
    if existing is not None and existing.origin == "user":
        target = existing.path
    if target.exists() and not overwrite:
        try:
            same = target.resolve() == source.resolve()
        except OSError:
            same = False
        if same:
            raise WorkshopError(f"{source}: is already in your decks folder")
        return ImportResult("exists", deck, target, f"A deck named {deck.name!r} is already in your decks folder "
                                                    f"({target.name}).")
    try:
        atomic_write(target, source.read_bytes())  # as written, comments and all: it was checked above
    except OSError as exc:
        raise WorkshopError(f"could not write {target}: {exc.strerror or exc}") from None
    replaces = " (used instead of the built-in deck)" if existing is not None and existing.origin == "built-in" \
        else ""
    return ImportResult("imported", deck, target, f"Imported {deck.title!r} as {target.name}{replaces}.")


def export_target(deck_name: str, destination: Path) -> Path:
    """Where an export to ``destination`` goes: into it if it is a folder, else the path itself."""
    destination = destination.expanduser()
    if destination.is_dir():
        return destination / f"{deck_name}.toml"
    return destination


def export_deck(deck: Deck, destination: Path, *, overwrite: bool = False) -> Path:
    """Write the deck as TOML to ``destination`` (a file, or a folder to put ``<name>.toml`` in).

    Raises FileExistsError if the file exists and ``overwrite`` is false, WorkshopError if it cannot be written.
    """
    from herenow.store.files import atomic_write

    target = export_target(deck.name, destination)
    if target.exists() and not overwrite:
        raise FileExistsError(str(target))
    if not target.parent.is_dir():
        raise WorkshopError(f"{target.parent}: no such folder")
    try:
        atomic_write(target, deck_to_toml(deck))
    except OSError as exc:
        raise WorkshopError(f"could not write {target}: {exc.strerror or exc}") from None
    return target
