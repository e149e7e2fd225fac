"""Writing a reflection: the editing model behind the reflection screen, and what is waiting for a reflection.

Plain Python (no Textual), tested with a fake clock. ``ui/screens/reflection.py`` builds a ``Reflection`` from
its fields, forwards every edit to a :class:`ReflectionDraft` and renders the lines it returns.

Nothing the therapist wrote is replaced or dropped without their say:

- **Drafts with a bound.** After an edit, a draft write is due after a pause in typing (``PAUSE``) and in any case
  ``MAX_WAIT`` after the first change not yet kept, so steady typing is never more than about two seconds
  ahead of the draft on disk. ``keep`` writes only when something changed.
- **No silent replace.** If a reflection for the session is already saved (another window, or a leftover that was
  offered again), ``save`` keeps this one beside it as a conflict copy and says so; ``discard`` writes nothing
  over it. The store's exclusive first save covers the race between the check and the write the same way.
- **Prompts by stage.** ``offer_prompts`` opens the form with one prompt per stage (what? so what? now what?)
  from the session's decks, or a resumed draft's own prompts; ``more_prompts`` adds a few more on demand.
- **The client's voice.** ``read_score`` checks the client's score with its scale ("34/40"); a score that cannot be
  read stops the save with one calm line, and the text stays.
- **Nothing lost on quitting.** ``what_would_be_lost`` tries to keep a draft first; only if nothing could be saved
  or kept does it return the words for a question.
"""

from __future__ import annotations

from pathlib import Path

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from herenow.clock import steady
from herenow.privacy import looks_private
from herenow.problems import Problem
from herenow.store.drafts import DraftStore
from herenow.store.records import SessionRecord, SessionStore
from herenow.store.reflections import (OfferedPrompt, PromptPlan, Reflection, ReflectionStore, parse_score,
                                       prompts_for)

PAUSE = 1.0  # seconds without an edit before the draft is written
MAX_WAIT = 1.5  # ... and at most this long after the first edit not yet kept, however steady the typing


def content_of(reflection: Reflection) -> dict:
    """What the therapist can change: used to tell whether anything new needs keeping."""
    return reflection.model_dump(mode="json", exclude={"created", "updated", "schema_version"})


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)


@dataclass(frozen=True)
class Outcome:
    """What came of ``save`` or ``discard``: ``message`` is the calm line to show."""

    status: Literal["saved", "skipped", "conflict", "warned", "invalid", "error"]
    message: str

    @property
    def finished(self) -> bool:
        """The reflection screen can close: the text is on disk (or there was none to keep)."""
        return self.status in ("saved", "skipped", "conflict")


class ReflectionDraft:
    pause = PAUSE
    max_wait = MAX_WAIT

    def __init__(self, record: SessionRecord, *, store: ReflectionStore, drafts: DraftStore,
                 records: SessionStore, created: dt.datetime, resumed: Reflection | None = None,
                 draft_problem: str | None = None, steady: Callable[[], float] = steady) -> None:
        self.record = record
        self.store = store
        self.drafts = drafts
        self.records = records
        self.resumed = resumed  # the draft this reflection continues, if any
        self.created = resumed.created if resumed is not None else created
        self.draft_problem = draft_problem  # a draft file we cannot read: left exactly as it is, never written over
        self._steady = steady
        self.baseline: dict | None = None  # the content as the screen opened
        self.kept: dict | None = None  # the content of the draft on disk, if any
        if resumed is not None and drafts.exists(record.id):
            self.kept = content_of(resumed)
        self.latest: Reflection | None = None  # the last state forwarded: what a sudden exit still writes
        self.warned: dict | None = None  # content the privacy warning was shown for; saved as is on ctrl+s
        self.warning = ""  # the privacy warning's words, while it applies
        self.keep_error: str | None = None  # why the last draft write failed, while it stays failed
        self.save_error: str | None = None
        self.reason = ""  # the system's words for the last failed write ("Read-only file system")
        self.done = False
        self.plan: PromptPlan | None = None  # the prompts not yet offered (see ``offer_prompts``)
        self.offered: list[OfferedPrompt] = []  # the prompts on the form, in order
        self.score_error: str | None = None  # why the client's score as typed cannot be read, while it cannot
        self._first_unkept: float | None = None
        self._last_edit: float | None = None

    @classmethod
    def open(cls, record: SessionRecord, *, store: ReflectionStore, records: SessionStore, created: dt.datetime,
             resumed: Reflection | None = None, drafts: DraftStore | None = None,
             steady: Callable[[], float] = steady) -> ReflectionDraft:
        """For a session: picks up its draft from disk when none is given (a bad draft file is noted, left be)."""
        drafts = drafts or DraftStore()
        problem = None
        if resumed is None:
            found, problems = drafts.load(record.id)
            if found is not None:
                resumed = found
            elif problems:
                problem = str(problems[0])
        return cls(record, store=store, drafts=drafts, records=records, created=created, resumed=resumed,
                   draft_problem=problem, steady=steady)

    @property
    def resumed_from_disk(self) -> bool:
        return self.kept is not None

    # ---------------------------------------------------------------- prompts and the client's score
    def offer_prompts(self, decks: Sequence[tuple[str, Sequence[Any]]]) -> list[OfferedPrompt]:
        """The prompts the form opens with: a resumed draft's own (with their stages), or one per stage from the
        session's decks ([(deck name, its prompts)], see ``prompts_for``). The rest wait for ``more_prompts``."""
        plan = prompts_for(decks, seed=self.record.id)
        resumed = self.resumed
        if resumed is not None and resumed.answers:
            offered = [OfferedPrompt(a.prompt, a.stage) for a in resumed.answers]
            asked = {a.prompt for a in resumed.answers}
            plan.more = [p for p in plan.shown + plan.more if p.text not in asked]
        else:
            offered = list(plan.shown)
        self.plan = plan
        self.offered = offered
        return list(offered)

    def more_prompts(self) -> list[OfferedPrompt]:
        """A few more prompts (a "what" always with the prompts written to follow it); [] when none are left."""
        if self.done or self.plan is None:
            return []
        added = self.plan.take_more()
        self.offered += added
        return added

    @property
    def has_more_prompts(self) -> bool:
        return bool(self.plan and self.plan.more)

    def read_score(self, text: str) -> tuple[float, float] | None:
        """The client's score as typed ("34/40"): (score, top of the scale), or None when empty or unreadable;
        ``score_error`` says why it could not be read until it can."""
        try:
            score = parse_score(text)
        except ValueError as exc:
            self.score_error = str(exc)
            return None
        self.score_error = None
        return score

    # ---------------------------------------------------------------- edits and the draft
    def start(self, state: Reflection) -> None:
        """The state as the screen first shows it."""
        self.baseline = content_of(state)
        self.latest = state

    def edit(self, state: Reflection) -> bool:
        """Forward the state after an edit. Returns True if a privacy warning shown before no longer applies."""
        if self.done:
            return False
        now = self._steady()
        self.latest = state
        if self._first_unkept is None:
            self._first_unkept = now
        self._last_edit = now
        if self.warned is not None and content_of(state) != self.warned:
            # Changed since the privacy warning: it no longer applies, and the next save checks again.
            self.warned = None
            self.warning = ""
            return True
        return False

    def due_in(self) -> float | None:
        """Seconds until a draft write is due (0: now), or None when every edit is kept."""
        if self._first_unkept is None or self._last_edit is None or self.done:
            return None
        due = min(self._last_edit + self.pause, self._first_unkept + self.max_wait)
        return max(0.0, due - self._steady())

    def needs_keeping(self, state: Reflection) -> bool:
        content = content_of(state)
        if self.kept is not None:
            return content != self.kept
        return content != self.baseline and state.has_content

    def keep(self, state: Reflection | None = None) -> str | None:
        """Write the draft if anything changed since it was last kept. Returns why it could not, or None."""
        state = state or self.latest
        if state is None or self.done:
            return None
        self._first_unkept = self._last_edit = None
        if self.draft_problem:
            self.keep_error = "the draft file for this session could not be read, so it is left as it is"
            return self.keep_error
        if not self.needs_keeping(state):
            self.keep_error = None
            return None
        try:
            self.drafts.save(state)
        except (OSError, ValueError) as exc:
            self.reason = _why(exc)
            self.keep_error = f"could not keep a draft ({self.reason})"
            return self.keep_error
        self.kept = content_of(state)
        self.keep_error = None
        return None

    def keep_if_due(self) -> str | None:
        due = self.due_in()
        if due is None or due > 0:
            return None
        return self.keep()

    # ---------------------------------------------------------------- save, discard, quit
    def privacy_warnings(self, state: Reflection) -> list[str]:
        found = []
        for i, answer in enumerate(state.answers, start=1):
            found += [f"Answer {i} {w}" for w in looks_private(answer.text)]
        found += [f"The note {w}" for w in looks_private(state.note)]
        found += [f"A tag {w}" for w in looks_private(" ".join(state.tags))]
        found += [f"The client code {w}" for w in looks_private(state.client_code)]
        found += [f"The client's words {w}" for w in looks_private(state.client_words)]
        return found

    def save(self, state: Reflection) -> Outcome:
        """ctrl+s. Text that looks private is warned about once (a second save of the same text goes ahead)."""
        if self.done:
            return Outcome("saved", "")
        self.latest = state
        if self.score_error:
            return Outcome("invalid", f"Not saved yet: the client's score: {self.score_error}.")
        warnings = self.privacy_warnings(state)
        content = content_of(state)
        if warnings and content != self.warned:
            self.warned = content
            more = f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""
            self.warning = f"{warnings[0]}{more}. ctrl+s again saves it as it is."
            return Outcome("warned", self.warning)
        if not state.has_content:
            return self._write_empty()
        try:
            # Never over a saved reflection: the store's first save is exclusive, so a reflection already saved
            # for this session (another window, a leftover) makes this one a conflict copy beside it.
            result = self.store.save(state)
        except (OSError, ValueError) as exc:
            self.reason = _why(exc)
            self.save_error = f"could not save ({self.reason})"
            draft_error = self.keep(state)
            where = "Your text is still here" + ("" if draft_error else " and in the draft")
            return Outcome("error", f"Not saved: {self.save_error}. {where}.")
        self._finish()
        if result.conflict:
            return Outcome("conflict", "A reflection for this session was already saved, perhaps in another "
                                       "window. Yours is kept beside it as a second one; nothing was replaced.")
        return Outcome("saved", "Reflection saved.")

    def discard(self) -> Outcome:
        """"Discard": the session is kept (times, decks, moments) without answers; the draft goes."""
        return self._write_empty()

    def _write_empty(self) -> Outcome:
        if self._already_saved():
            self._finish()  # a leftover: the reflection saved before stays exactly as it is
            return Outcome("skipped", "A reflection for this session was already saved; it is kept as it was.")
        try:
            self.store.save(Reflection(id=self.record.id, created=self.created, session=self.record))
        except (OSError, ValueError) as exc:
            self.reason = _why(exc)
            self.save_error = f"could not save ({self.reason})"
            return Outcome("error", f"Still here: {self.save_error}. Your text is safe on screen.")
        self._finish()
        return Outcome("skipped", "Session kept, without a reflection.")

    def _already_saved(self) -> bool:
        try:
            return self.store.has_reflection_for(self.record.id)
        except OSError:
            return False  # the store's exclusive save still refuses to replace it

    def _finish(self) -> None:
        """Saved: tidy up the record and the draft (a leftover is harmless; the home screen tidies it later)."""
        self.done = True
        self.save_error = None
        self._first_unkept = self._last_edit = None
        for tidy in (self.records.discard, self.drafts.discard):
            try:
                tidy(self.record.id)
            except OSError:
                pass

    def what_would_be_lost(self, state: Reflection) -> str | None:
        """Before quitting: keep a draft if anything changed. None when nothing would be lost; otherwise the
        words for the question (nothing could be saved or kept: a read-only or full disk)."""
        if self.done or not state.has_content:
            return None
        if self.keep(state) is None and not self.needs_keeping(state):
            return None
        parts = []
        answers = sum(1 for a in state.answers if a.text.strip())
        if answers:
            parts.append(f"{answers} answer{'s' if answers != 1 else ''}")
        if state.ratings:
            parts.append(f"{len(state.ratings)} rating{'s' if len(state.ratings) != 1 else ''}")
        if state.note.strip():
            parts.append("the note")
        if state.tags:
            parts.append("the tags")
        if state.client_words.strip() or state.client_score is not None:
            parts.append("the client's view")
        what = ", ".join(parts) or "the choices made here"
        reason = f" ({self.reason})" if self.reason else ""
        return f"Nothing here could be saved or kept as a draft{reason}.\nQuitting now loses {what}."


# ---------------------------------------------------------------- what is waiting for a reflection
@dataclass
class Waiting:
    """What the home screen offers: drafts and session records waiting, and sessions running elsewhere."""

    drafts: list[Reflection] = field(default_factory=list)
    records: list[SessionRecord] = field(default_factory=list)
    running: list[SessionRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Sealed drafts and records while locked (issue 10): ids from their file names, content not read.
    locked: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.drafts) + len(self.records)


def find_waiting(records: SessionStore, drafts: DraftStore, store: ReflectionStore) -> Waiting:
    """Sessions waiting for a reflection. Leftovers whose reflection is already saved (a save whose tidy-up did not
    happen) are tidied away first and never offered; a session still in use in another process is listed as
    running, never as waiting."""
    pending, record_problems = records.pending()
    found, draft_problems = drafts.pending()
    waiting = Waiting(problems=record_problems + draft_problems)
    from herenow.store.files import content_id

    for name in sorted(set(drafts.locked_ids()) | set(records.locked_ids())):
        record_id = content_id(Path(name))
        if record_id not in waiting.locked and not records.in_use_elsewhere(record_id):
            waiting.locked.append(record_id)

    def saved(record_id: str) -> bool:
        try:
            return store.has_reflection_for(record_id)
        except OSError:
            return False

    for draft in found:
        if records.in_use_elsewhere(draft.id):
            continue  # being written in another window right now
        if saved(draft.id):
            _quietly(drafts.discard, draft.id)
            _quietly(records.discard, draft.id)
        else:
            waiting.drafts.append(draft)
    with_draft = {d.id for d in found}
    for record in pending:
        if records.in_use_elsewhere(record.id):
            waiting.running.append(record)
        elif saved(record.id):
            _quietly(records.discard, record.id)
        elif record.id not in with_draft:
            waiting.records.append(record)
    return waiting


def _quietly(tidy: Callable[[str], object], record_id: str) -> None:
    try:
        tidy(record_id)
    except OSError:
        pass
