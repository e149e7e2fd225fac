"""Reflection drafts: what the therapist has typed so far, autosaved so that nothing is lost.

One draft per session, ``drafts/<id>.toml``, the same format as a reflection file, written atomically (mode
0600). A draft is removed once its reflection is saved or the therapist discards it. A bad draft file is
reported and skipped, never changed or deleted by the app.
"""

from __future__ import annotations

from pathlib import Path

from herenow.names import is_id
from herenow.store import paths
from herenow.problems import Problem
from herenow.store.reflections import Reflection, parse_reflection, reflection_to_toml


class DraftStore:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or paths.locations().drafts_dir

    def path(self, draft_id: str) -> Path:
        if not is_id(draft_id):
            raise ValueError(f"{draft_id!r} is not a valid draft id")
        return self.folder / f"{draft_id}.toml"

    def save(self, draft: Reflection) -> Path:
        """Write the draft atomically. Raises OSError (full disk, read-only folder) with any old draft intact."""
        from herenow.store.files import atomic_write

        path = self.path(draft.id)
        atomic_write(path, reflection_to_toml(draft))
        return path

    def exists(self, draft_id: str) -> bool:
        return is_id(draft_id) and self.path(draft_id).is_file()

    def load(self, draft_id: str) -> tuple[Reflection | None, list[Problem]]:
        """The draft with this id, or None (no such draft, or a bad file: then the problem says why)."""
        if not self.exists(draft_id):
            return None, []
        return parse_reflection(self.path(draft_id))

    def pending(self) -> tuple[list[Reflection], list[Problem]]:
        """DraftStore waiting to be finished, oldest session first. Bad files are reported and skipped."""
        drafts: list[Reflection] = []
        problems: list[Problem] = []
        if not self.folder.is_dir():
            return drafts, problems
        for path in sorted(self.folder.glob("*.toml")):
            if path.name.startswith("."):
                continue
            draft, bad = parse_reflection(path)
            problems += bad
            if draft is not None:
                drafts.append(draft)
        drafts.sort(key=lambda d: d.session.started)
        return drafts, problems

    def discard(self, draft_id: str) -> bool:
        """Remove the draft (no error if there is none). A file that is not a valid draft is left alone.

        Returns True if a draft was removed.
        """
        if not self.exists(draft_id):
            return False
        draft, _problems = parse_reflection(self.path(draft_id))
        if draft is None:
            return False
        try:
            self.path(draft_id).unlink()
        except FileNotFoundError:
            return False
        return True
