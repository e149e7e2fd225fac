"""The reflection screen: two minutes after a session, keyboard first, and nothing ever lost.

- Three prompts, one per stage (what? so what? now what?), from the session's decks; ``ctrl+o`` (or the "More
  prompts" button) adds a few more. Any of them may be left empty.
- With ``client_voice`` on in the config, two optional fields keep the client's own words about the session and
  their own score for it, on the scale they use ("34/40").
- The first prompt has the focus; tab moves between fields; ``ctrl+s`` saves; ``escape`` asks whether to keep a
  draft, discard, or stay.
- The screen renders a ``herenow.reflecting.ReflectionDraft`` and forwards every edit to it; the model decides
  when a draft is due (a second after the typing pauses, and never more than 1.5 s after the first change not yet
  kept), what a save does, and whether quitting would lose anything. What is typed is kept as a draft
  (``drafts/<id>.toml``), and when the screen closes for any reason (a SIGHUP or SIGTERM too). The draft goes
  once the reflection is saved. A reflection already saved for the session is never replaced: this one is kept
  beside it, and the screen says so.
- Saving a reflection left exactly as it opened (nothing written, ticked or rated) writes a reflection file
  holding only the session record: the session is counted, and no empty answers are stored as if they were
  content. "Discard" in the escape dialog does the same after removing the draft.
- A save that fails (full disk, read-only folder) says so on one line; the text stays on screen and in the draft.
  If neither could be written, ``ctrl+q`` asks first and says what would be lost.
- Text that looks like an email address or a phone number gets a quiet warning, which stays until the text changes
  or is saved; a second ``ctrl+s`` saves anyway, but only exactly the text warned about: after any change the next
  ``ctrl+s`` checks again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import Suggester
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Footer, Input, RadioSet, Static, TextArea

from herenow.reflecting import ReflectionDraft
from herenow.store.records import SessionRecord, at_text
from herenow.store.reflections import RATING_NOTE, RATINGS, Answer, OfferedPrompt, Reflection
from herenow.ui.widgets.rating import Rating
from herenow.ui.widgets.tick_list import ChoiceButton, TickBox


class TagSuggester(Suggester):
    """Completes the last comma-separated tag from the tags used before."""

    def __init__(self, tags: list[str] | Callable[[], list[str]]) -> None:
        """``tags``, or where to get them: asked when the first tag is typed, and again while it has none (a first
        index is built in the background, so the screen never waits for it)."""
        super().__init__(use_cache=False, case_sensitive=False)
        self._source = tags if callable(tags) else None
        self.tags = [] if callable(tags) else [t.casefold() for t in tags]

    async def get_suggestion(self, value: str) -> str | None:
        head, _sep, last = value.rpartition(",")
        typed = last.lstrip()
        if not typed:
            return None
        if not self.tags and self._source is not None:
            self.tags = [t.casefold() for t in self._source()]
        used = {t.strip() for t in head.split(",")}
        for tag in self.tags:
            if tag.startswith(typed) and tag != typed and tag not in used:
                return value + tag[len(typed):]
        return None


def _split_tags(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


class ReflectionScreen(Screen[None]):
    DEFAULT_CSS = """
    ReflectionScreen { layout: vertical; background: $background; color: $foreground; }
    ReflectionScreen #refl-title { height: 1; padding: 0 2; color: $primary; text-style: bold; }
    ReflectionScreen #refl-body { height: 1fr; padding: 0 1 0 2; background: $background; scrollbar-size-vertical: 1; }
    ReflectionScreen #refl-summary { height: auto; color: $foreground 70%; margin-bottom: 1; }
    ReflectionScreen .label { height: auto; color: $foreground; }
    ReflectionScreen .muted { color: $foreground 60%; }
    ReflectionScreen TextArea {
        height: 3; min-height: 3; padding: 0 1 0 2; margin-bottom: 1;
        background: $panel; color: $foreground; border: none;
    }
    ReflectionScreen TextArea:focus { border: none; border-left: thick $accent; padding: 0 1; }
    ReflectionScreen Input {
        height: 1; padding: 0 1 0 2; margin-bottom: 1; border: none;
        background: $panel; color: $foreground;
    }
    ReflectionScreen Input:focus { border: none; border-left: thick $accent; padding: 0 1; }
    ReflectionScreen #supervision { margin-bottom: 1; background: $background; }
    ReflectionScreen #feedback-row { height: 1; margin-bottom: 1; }
    ReflectionScreen #feedback-label { width: auto; height: 1; margin-right: 2; }
    ReflectionScreen #feedback { width: auto; height: 1; layout: horizontal; background: $background; }
    ReflectionScreen #feedback > RadioButton { width: auto; margin-right: 2; }
    ReflectionScreen #ratings-note { margin-top: 0; }
    ReflectionScreen Rating { margin-bottom: 0; }
    ReflectionScreen #ratings-end { height: 1; }
    ReflectionScreen #more-prompts { margin-bottom: 1; min-width: 0; }
    ReflectionScreen #refl-status { height: auto; max-height: 3; padding: 0 2; color: $foreground 70%; }
    ReflectionScreen #refl-status.warn { color: $warning; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "save", priority=True),
        Binding("escape", "leave", "leave", priority=True),
        Binding("ctrl+o", "more_prompts", "more prompts", priority=True),
        Binding("tab", "app.focus_next", "next field", show=True),
    ]
    AUTO_FOCUS = ""  # on_mount focuses the first prompt (and keeps the summary in view)

    def __init__(self, record: SessionRecord, draft: Reflection | None = None) -> None:
        super().__init__()
        self.record = record
        self.draft = draft  # the draft to resume, when the home screen offers one
        self.model: ReflectionDraft | None = None  # made on mount (it needs the app's stores and clock)
        self._timer: Timer | None = None

    # ---------------------------------------------------------------- building
    @property
    def ctx(self):
        return self.app.ctx

    @property
    def _prompts(self) -> list[str]:
        """The texts of the prompts on the form, in order."""
        return [p.text for p in self.model.offered] if self.model is not None else []

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.ctx.now()).astimezone().replace(microsecond=0)

    def compose(self) -> ComposeResult:
        ctx = self.ctx
        record = self.record
        ctx.records.hold(record.id)  # in use here: another window shows it as running, not as waiting
        self.model = ReflectionDraft.open(record, store=ctx.store, records=ctx.records, created=self._now(),
                                          resumed=self.draft)
        draft = self.draft = self.model.resumed
        deck_prompts = []
        for name in record.decks:
            item = ctx.decks.get(name)
            if item is not None:
                deck_prompts.append((name, item.deck.prompts))
        offered = self.model.offer_prompts(deck_prompts)
        answers = {i: a.text for i, a in enumerate(draft.answers)} if draft is not None else {}

        yield Static(f"Reflection · {record.started:%a %d %b %Y, %H:%M} · {record.length_minutes} min",
                     id="refl-title", markup=False)
        with VerticalScroll(id="refl-body", can_focus=False):
            yield Static(self._summary(), id="refl-summary", markup=False)
            for i, prompt in enumerate(offered):
                yield from self._prompt_fields(i, prompt, answers.get(i, ""))
            more = Button("More prompts (ctrl+o)", id="more-prompts", compact=True,
                          disabled=not self.model.has_more_prompts)
            more.can_focus = False  # tab goes from the last prompt straight on; ctrl+o or a click adds more
            yield more
            yield TickBox("Take to supervision", value=bool(draft and draft.supervision), id="supervision",
                           compact=True)
            invited = draft.invited_feedback if draft is not None else None
            with Horizontal(id="feedback-row"):
                yield Static("Did I invite the client's feedback today?", id="feedback-label", markup=False)
                with RadioSet(id="feedback", compact=True):
                    yield ChoiceButton("yes", value=invited is True, id="feedback-yes", compact=True)
                    yield ChoiceButton("no", value=invited is False, id="feedback-no", compact=True)
            yield Static(f"Ratings: {RATING_NOTE}", id="ratings-note", classes="label muted",
                         markup=False)
            ratings = draft.ratings if draft is not None else {}
            for key, label in RATINGS:
                yield Rating(label, key, ratings.get(key), id=f"rating-{key}",
                             label_width=max(34, *(len(text) for _key, text in RATINGS)))
            yield Static("", id="ratings-end")
            yield Static("Tags (comma separated)", classes="label", markup=False)
            yield Input(", ".join(draft.tags) if draft is not None else "", id="tags",
                        placeholder="for example: ending, rupture", suggester=TagSuggester(self._known_tags))
            yield Static("Note", classes="label", markup=False)
            yield TextArea(draft.note if draft is not None else "", id="note", soft_wrap=True,
                           tab_behavior="focus", highlight_cursor_line=False)
            if ctx.config.client_voice:
                yield Static("The client's own words about the session (optional)", classes="label", markup=False)
                yield TextArea(draft.client_words if draft is not None else "", id="client-words", soft_wrap=True,
                               tab_behavior="focus", highlight_cursor_line=False)
                yield Static("The client's own score for the session, on the scale they use (optional)",
                             classes="label", markup=False)
                yield Input(draft.client_score_text if draft is not None else "", id="client-score",
                            placeholder="for example 34/40")
            if ctx.config.client_code:
                yield Static("Client code (a pseudonym; optional)", classes="label", markup=False)
                yield Input(draft.client_code if draft is not None else "", id="client-code",
                            placeholder="never a name")
        yield Static("", id="refl-status", markup=False)
        yield Footer()

    @staticmethod
    def _prompt_fields(i: int, prompt: OfferedPrompt, text: str = ""):
        yield Static(prompt.label, classes="label", markup=False, id=f"prompt-{i}")
        yield TextArea(text, id=f"answer-{i}", classes="answer", soft_wrap=True, tab_behavior="focus",
                       highlight_cursor_line=False)

    def action_more_prompts(self) -> None:
        """A few more prompts from the session's decks, added below the others; the first one gets the focus."""
        model = self.model
        if model is None or model.done:
            return
        button = self.query_one("#more-prompts", Button)
        first = len(model.offered)
        added = model.more_prompts()
        if not added:
            self.set_status("No more prompts from these decks.")
            return
        for k, prompt in enumerate(added):
            self.query_one("#refl-body").mount(*self._prompt_fields(first + k, prompt), before=button)
        button.disabled = not model.has_more_prompts
        self.call_after_refresh(lambda: self.query_one(f"#answer-{first}", TextArea).focus())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "more-prompts":
            self.action_more_prompts()

    def _known_tags(self) -> list[str]:
        try:
            return self.ctx.store.known_tags()
        except OSError:
            return []

    def _summary(self) -> str:
        record = self.record
        decks = ", ".join(record.decks) if record.decks else "no deck"
        shown, acted = len(record.cues_shown), len(record.acted_on)
        lines = [f"Decks: {decks} · {shown} cue{'s' if shown != 1 else ''} shown · {acted} acted on"]
        moments = sorted(record.moments, key=lambda m: m.at)
        if moments:
            lines.append("Moments: " + " · ".join(f"{at_text(m.at)} {m.kind}" for m in moments))
        else:
            lines.append("No moments marked.")
        return "\n".join(lines)

    def on_mount(self) -> None:
        model = self.model
        assert model is not None
        model.start(self.current())
        if model.resumed_from_disk:
            self.set_status("The draft is back, as it was left.")
        if model.draft_problem:
            self.set_status(f"A draft for this session could not be read and is left as it is: "
                            f"{model.draft_problem}", warn=True)
        self.query_one("#answer-0", TextArea).focus(scroll_visible=False)
        self.call_after_refresh(self.query_one("#refl-body", VerticalScroll).scroll_home, animate=False)

    # ---------------------------------------------------------------- state
    def current(self) -> Reflection:
        """The reflection as it stands on screen."""
        model = self.model
        assert model is not None
        answers = [Answer(prompt=prompt.text, text=self.query_one(f"#answer-{i}", TextArea).text, stage=prompt.stage)
                   for i, prompt in enumerate(model.offered)]
        # Ratings under keys no longer asked (an old draft's "power") are kept as they were.
        ratings = {k: v for k, v in (self.draft.ratings if self.draft else {}).items() if k not in dict(RATINGS)}
        for key, _label in RATINGS:
            value = self.query_one(f"#rating-{key}", Rating).value
            if value:
                ratings[key] = value
        radio = self.query_one("#feedback", RadioSet).pressed_button
        invited = None if radio is None else radio.id == "feedback-yes"
        client = self.query("#client-code")
        words = self.query("#client-words")
        score_box = self.query("#client-score")
        score = model.read_score(score_box.first(Input).value) if score_box else None
        keep_score = self.draft is not None and not score_box  # client_voice turned off since: keep what was there
        return Reflection(
            client_words=(words.first(TextArea).text if words else (self.draft.client_words if self.draft else "")),
            client_score=score[0] if score else (self.draft.client_score if keep_score else None),
            client_scale_max=score[1] if score else (self.draft.client_scale_max if keep_score else None),
            id=self.record.id, created=model.created, session=self.record, answers=answers,
            ratings=ratings, supervision=self.query_one("#supervision", Checkbox).value, invited_feedback=invited,
            tags=_split_tags(self.query_one("#tags", Input).value), note=self.query_one("#note", TextArea).text,
            client_code=client.first(Input).value.strip() if client else "",
        )

    def set_status(self, message: str, *, warn: bool = False) -> None:
        status = self.query_one("#refl-status", Static)
        status.update(message)
        status.set_class(warn, "warn")

    # ---------------------------------------------------------------- autosave: the model decides when
    def _changed(self) -> None:
        model = self.model
        if model is None or model.done or not self.is_mounted:
            return
        try:
            state = self.current()  # cheap; the model keeps it so that a sudden exit can still write the draft
        except Exception:  # noqa: BLE001 - a widget still mounting
            return
        if model.edit(state):
            self.set_status("")  # the privacy warning no longer applies; the next ctrl+s checks again
        due = model.due_in()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if due is not None:
            self._timer = self.set_timer(max(due, 0.01), self.autosave, name="reflection-autosave")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._changed()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._changed()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._changed()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._changed()

    def on_rating_changed(self, event: Rating.Changed) -> None:
        self._changed()

    def keep_draft(self) -> str | None:
        """Write the draft now if anything changed since it was last kept. Returns an error message or None."""
        assert self.model is not None
        return self.model.keep(self.current())

    def autosave(self) -> None:
        self._timer = None
        model = self.model
        if model is None or model.done or not self.is_mounted:
            return
        failed_before = model.keep_error is not None
        error = model.keep()
        if error:
            note = f"Note: {error}. Your text is still here."
            self.set_status(f"{model.warning}\n{note}" if model.warned is not None else note, warn=True)
        elif (failed_before and self.query_one("#refl-status", Static).has_class("warn") and not model.draft_problem
              and model.warned is None and model.score_error is None):
            # A draft that could not be kept before is kept now: its note goes. The privacy warning, the line
            # about a client's score that cannot be read and a save that failed stay until their cause changes.
            self.set_status("")

    def flush(self) -> None:
        """The app is being closed from outside (SIGHUP, SIGTERM): write the draft now, synchronously."""
        model = self.model
        if model is not None and not model.done:
            try:
                model.keep()
            except Exception:  # noqa: BLE001 - never let leaving fail; the last autosave stands
                pass

    def on_unmount(self) -> None:
        """Leaving for any reason (quit, a closed terminal): keep what was typed."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.flush()

    # ---------------------------------------------------------------- save and leave
    def action_save(self) -> None:
        model = self.model
        if model is None or model.done:
            return
        outcome = model.save(self.current())  # a draft timer still running stops by itself once saved
        if outcome.finished:
            self.app.go_home(outcome.message)
        else:
            self.set_status(outcome.message, warn=True)
            if outcome.status == "invalid":
                self.query_one("#client-score", Input).focus()

    def confirm_quit(self) -> None:
        """ctrl+q: quit at once, keeping the draft; ask first only if nothing could be saved or kept."""
        from herenow.ui.dialogs import confirm

        assert self.model is not None
        lost = self.model.what_would_be_lost(self.current())
        if lost is None:
            self.app.exit(0)
            return

        def answer(choice: str | None) -> None:
            if choice == "yes":
                self.app.exit(0)

        self.app.push_screen(confirm(lost, "Quit anyway", "Stay"), answer)

    def action_leave(self) -> None:
        from herenow.ui.dialogs import Choice

        if self.model is None or self.model.done:
            return
        question = ("Leave this reflection?\nKeep a draft to finish it later from the home screen, or discard "
                    "what is written here (the session's times, decks and moments are kept).")
        self.app.push_screen(
            Choice(question, [("keep", "Keep a draft"), ("discard", "Discard"), ("stay", "Stay")], focus="keep"),
            self._leave_answer,
        )

    def _leave_answer(self, choice: str | None) -> None:
        assert self.model is not None
        if choice == "keep":
            error = self.keep_draft()
            if error:
                self.set_status(f"Still here: {error}. Your text is safe on screen.", warn=True)
                return
            self.model.done = True
            self.app.go_home()
        elif choice == "discard":
            outcome = self.model.discard()
            if not outcome.finished:
                self.set_status(outcome.message, warn=True)
                return
            self.app.go_home(outcome.message if outcome.message.startswith("A reflection") else None)
