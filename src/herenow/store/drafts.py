"""Reflection drafts: what the therapist has typed so far, autosaved so that nothing is lost.

One draft per session, ``drafts/<id>.toml``, the same format as a reflection file, written atomically (mode
0600). A draft is removed once its reflection is saved or the therapist discards it. A bad draft file is
reported and skipped, never changed or deleted by the app.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from herenow.names import is_id
from herenow.store import paths
from herenow.store.protection import ProtectedStore
from herenow.problems import Problem
from herenow.store.reflections import Reflection, parse_reflection, reflection_to_toml


# What this process last wrote to each draft file (a digest of the bytes on disk): a sealed draft can be removed
# while locked when it still holds exactly that (the reflection was saved without a passphrase, issue 10).
_written: dict[str, str] = {}


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


class DraftStore(ProtectedStore):
    def __init__(self, folder: Path | None = None, *, protection=None) -> None:
        self.folder = folder or paths.locations().drafts_dir
        self._protection = protection


    def path(self, draft_id: str) -> Path:
        """The draft's plain name, ``drafts/<id>.toml`` (sealed: ``<id>.toml.age`` beside it; see ``file``)."""
        if not is_id(draft_id):
            raise ValueError(f"{draft_id!r} is not a valid draft id")
        return self.folder / f"{draft_id}.toml"

    def file(self, draft_id: str) -> Path | None:
        """The file that holds the draft now, sealed or plain, or None."""
        from herenow.store.files import existing_content

        return existing_content(self.path(draft_id))

    def save(self, draft: Reflection) -> Path:
        """Write the draft atomically (sealed when protected: no passphrase needed). Raises OSError (full disk,
        read-only folder, unusable recipient) with any old draft intact."""
        from herenow.store.files import read_bytes_safely, write_content
        from herenow.store.sealing import SealingError

        try:
            recipient = self.protection.recipient
        except SealingError as exc:
            raise OSError(13, str(exc)) from None
        path = write_content(self.path(draft.id), reflection_to_toml(draft), recipient)
        if recipient is not None:
            try:
                _written[str(path)] = _digest(read_bytes_safely(path, 4 * 1024 * 1024))
            except Exception:  # noqa: BLE001 - only a convenience for discard
                _written.pop(str(path), None)
        return path

    def exists(self, draft_id: str) -> bool:
        return is_id(draft_id) and (found := self.file(draft_id)) is not None and found.is_file()

    def load(self, draft_id: str) -> tuple[Reflection | None, list[Problem]]:
        """The draft with this id, or None (no such draft, or a bad file: then the problem says why)."""
        if not self.exists(draft_id):
            return None, []
        return parse_reflection(self.file(draft_id))

    def pending(self) -> tuple[list[Reflection], list[Problem]]:
        """Drafts waiting to be finished, oldest session first. Bad files are reported and skipped; sealed ones
        while locked are left out (``locked_ids`` names them)."""
        from herenow.store.files import scan_toml

        skip = set(self.locked_ids())
        loaded, problems = scan_toml(self.folder, lambda p: (None, []) if p.name in skip else parse_reflection(p))
        drafts = [draft for _path, draft in loaded]
        drafts.sort(key=lambda d: d.session.started)
        return drafts, problems

    def locked_ids(self) -> list[str]:
        """File names of sealed drafts that cannot be read yet (locked); empty when unlocked or not protected."""
        return _locked_names(self.folder, self.protection)

    def discard(self, draft_id: str) -> bool:
        """Remove the draft (no error if there is none). A file that is not a valid draft is left alone; a sealed
        draft while locked goes only if it holds exactly what this process wrote.

        Returns True if a draft was removed.
        """
        from herenow.store.files import Locked, open_content, plain_path, read_bytes_safely

        if not self.exists(draft_id):
            return False
        path = self.file(draft_id)
        try:
            raw = read_bytes_safely(path, 4 * 1024 * 1024)
        except Exception:  # noqa: BLE001 - unreadable: not ours to remove
            return False
        try:
            draft, _problems = parse_reflection(path)
        except Exception:  # noqa: BLE001
            draft = None
        if draft is None:
            try:
                open_content(path, raw)
            except Locked:
                if _written.get(str(path)) != _digest(raw):
                    return False
            else:
                return False
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _written.pop(str(path), None)
        if path != plain_path(path) and plain_path(path).exists():  # mid-migration twin of the same draft
            paths.remove_quietly(plain_path(path))
        return True


def _locked_names(folder: Path, protection) -> list[str]:
    from herenow.store.files import SEALED_SUFFIX, list_toml

    if not protection.locked:
        return []
    entries, _problems = list_toml(folder)
    return [path.name for path, _st in entries if path.name.endswith(SEALED_SUFFIX)]


@dataclass
class Tidied:
    """What ``tidy_leftovers`` removed (ids), and what it could not remove (one line each, naming the file)."""

    records: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def tidy_leftovers(store=None, drafts: DraftStore | None = None, records=None, *,
                   keep: Callable[[str], bool] | None = None) -> Tidied:
    """Remove session records and drafts that are already saved in a reflection; call it before the home screen
    offers anything as waiting.

    A leftover is removed only when a saved reflection for its session (the file or a conflict copy) already
    holds exactly what it holds: a record equal to the reflection's session record, a draft equal to the
    reflection apart from when it was saved. Anything else (a draft with words the saved reflection does not
    have, a record of a session that went on after a reflection was saved) is kept and offered, and saving it
    then makes a conflict copy. ``keep(id)`` True keeps an id whatever it holds (e.g. a session still running
    in another window). Never raises for an unremovable file: it is listed in ``problems``.
    """
    from herenow.store.records import SessionStore
    from herenow.store.reflections import ReflectionStore, parse_reflection

    store = store if store is not None else ReflectionStore()
    drafts = drafts if drafts is not None else DraftStore()
    records = records if records is not None else SessionStore()
    done = Tidied()
    saved_cache: dict[str, list[Reflection]] = {}

    def saved(session_id: str) -> list[Reflection]:
        if session_id not in saved_cache:
            found = []
            for path in store.files_for(session_id):
                reflection, _problems = parse_reflection(path)
                if reflection is not None:
                    found.append(reflection)
            saved_cache[session_id] = found
        return saved_cache[session_id]

    def remove(path: Path) -> bool:
        try:
            path.unlink()
        except FileNotFoundError:
            return True
        except OSError as exc:
            done.problems.append(Problem(str(path), f"is already saved in a reflection but could not be removed "
                                                    f"({exc.strerror or exc})"))
            return False
        return True

    pending, _bad = records.pending()
    for record in pending:
        if keep is not None and keep(record.id):
            continue
        if any(record_is_saved(record, r.session) for r in saved(record.id)):
            if remove(records.file(record.id) or records.path(record.id)):
                done.records.append(record.id)
    waiting, _bad = drafts.pending()
    for draft in waiting:
        if keep is not None and keep(draft.id):
            continue
        path = drafts.file(draft.id) or drafts.path(draft.id)
        try:
            written = os.stat(path).st_mtime
        except OSError:
            continue
        if any(draft_is_saved(draft, written, r) for r in saved(draft.id)):
            if remove(path):
                done.drafts.append(draft.id)
    return done


def record_is_saved(record, saved) -> bool:
    """The saved session record holds everything ``record`` holds (as long, every cue, mark and pause)."""
    if record == saved:
        return True
    if record.started != saved.started or saved.elapsed_seconds < record.elapsed_seconds:
        return False
    for name in ("cues_shown", "acted_on", "moments", "pauses"):
        kept = getattr(saved, name)
        if any(item not in kept for item in getattr(record, name)):
            return False
    return True


def draft_is_saved(draft: Reflection, written: float, saved: Reflection) -> bool:
    """Every word of the draft is in the saved reflection, and its other choices are there too, or the
    reflection was saved after the draft was last written (later choices win only over the same person's
    earlier ones)."""
    texts = {a.prompt: a.text for a in saved.answers}
    for answer in draft.answers:
        if answer.text.strip() and answer.text.strip() not in texts.get(answer.prompt, ""):
            return False
    if draft.note.strip() and draft.note.strip() not in saved.note:
        return False
    if draft.client_code.strip() and draft.client_code.strip() != saved.client_code.strip():
        return False
    if draft.client_words.strip() and draft.client_words.strip() not in saved.client_words:
        return False
    if not record_is_saved(draft.session, saved.session):
        return False
    same_choices = (draft.ratings == saved.ratings and draft.supervision == saved.supervision
                    and draft.invited_feedback == saved.invited_feedback and set(draft.tags) <= set(saved.tags)
                    and (draft.client_score, draft.client_scale_max) in ((None, None),
                                                                         (saved.client_score, saved.client_scale_max)))
    if same_choices:
        return True
    return saved.updated is not None and saved.updated.timestamp() >= int(written)
