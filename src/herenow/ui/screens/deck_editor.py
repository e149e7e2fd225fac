"""The deck editor: a deck's title, description and language, its cues, its reflection prompts.

It renders a ``workshop.DeckDraft`` and forwards every edit to it; the draft checks the deck (the same checks as
``herenow decks validate``) and each message is shown next to its field as you type.

Keys: the list on the left picks what the form on the right shows (enter or tab goes into the form, escape comes
back). Prompts are lines like "so-what: What did it mean?"; ctrl+t in them turns the stage of the line (what,
so-what, now-what). On a cue in the list: a adds one after it, delete removes it (asks first), shift+up / shift+down (or
ctrl+up / ctrl+down) move it, p previews it (the footer shows p there). ctrl+s saves, ctrl+r previews from anywhere
(the footer shows it in the form, where p is typed), escape leaves.

The cue's text is a short soft-wrapped ``CueText`` (a whole cue is visible while typing it); a cue is one line, so
enter does not add a line to it and a pasted newline becomes a space.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Input, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from herenow.decks.model import PHASES
from herenow.problems import Problem
from herenow.ui.dialogs import Choice, confirm
from herenow.decks.draft import Checks, DeckDraft, make_own_copy, next_stage, parse_prompt_line, parse_tags

DECK_FIELDS = {"title": "#f-title", "description": "#f-description", "language": "#f-language"}


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _messages(problems: list[Problem]) -> str:
    return "\n".join(p.message for p in problems)


class CueList(OptionList):
    """The left-hand list: deck details, reflection prompts, then the cues. Keys here act on the highlighted cue."""

    BINDINGS = [
        Binding("a", "screen.add_cue", "add"),
        Binding("delete,x", "screen.delete_cue", "delete"),
        Binding("shift+up,ctrl+up", "screen.move_cue(-1)", "move", key_display="shift+↑↓"),
        Binding("shift+down,ctrl+down", "screen.move_cue(1)", "move down", show=False),
        # The same action as the screen's ctrl+r: the footer shows one key per action, the focused widget's first.
        Binding("p", "screen.preview", "preview"),
    ]


class CueText(TextArea):
    """A cue's text: one line, shown soft-wrapped over a few rows so a whole cue is visible while editing it.

    enter does not insert a newline (cue texts are one line); pasted line breaks become spaces.
    """

    BINDINGS = [
        # A cue is one line, even when it wraps: home and end go to its start and end, ctrl+u clears to the start.
        Binding("home,ctrl+a", "cursor_text_start", "start", show=False),
        Binding("end,ctrl+e", "cursor_text_end", "end", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, compact=True, tab_behavior="focus", **kwargs)

    @property
    def value(self) -> str:
        return one_line(self.text)

    # Public handlers only: a handler here runs before TextArea's own, and prevent_default() stops TextArea's.
    def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()

    def on_paste(self, event: events.Paste) -> None:
        event.prevent_default()
        event.stop()
        if self.read_only:
            return
        start, end = self.selection
        result = self.replace(one_line(event.text), start, end, maintain_selection_offset=False)
        self.move_cursor(result.end_location)

    def action_cursor_text_start(self) -> None:
        self.move_cursor((0, 0))

    def action_cursor_text_end(self) -> None:
        self.move_cursor(self.document.end)

    def action_delete_to_start_of_line(self) -> None:
        if not self.read_only:
            self.delete((0, 0), self.selection.end, maintain_selection_offset=False)


def one_line(text: str) -> str:
    """Line breaks as spaces: a cue's text is one line."""
    return " ".join(text.splitlines()) if "\n" in text or "\r" in text else text


class PromptsArea(TextArea):
    """The reflection prompts, one a line, each starting with its stage; ctrl+t turns the stage of this line."""

    BINDINGS = [Binding("ctrl+t", "next_stage", "stage", tooltip="what → so-what → now-what")]

    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, soft_wrap=True, **kwargs)

    def action_next_stage(self) -> None:
        if self.read_only or self.disabled:
            return
        row = self.cursor_location[0]
        line = self.document.get_line(row)
        stage, text = parse_prompt_line(line)
        self.replace(f"{next_stage(stage)}: {text}", (row, 0), (row, len(line)))


def _prompt_messages(problems: list[Problem], prompts: list) -> str:
    """Problems with prompts, each naming the prompt by its first words (prompts[2].stage -> "“What…”: stage")."""
    out = []
    for p in problems:
        match = re.match(r"^prompts\[(\d+)\]\.?(.*)$", p.field or "")
        if match and int(match.group(1)) <= len(prompts):
            words = prompts[int(match.group(1)) - 1].text.split()
            name = " ".join(words[:4]) + ("…" if len(words) > 4 else "") or "(empty)"
            out.append(f"“{name}”: {match.group(2) + ': ' if match.group(2) else ''}{p.message}")
        else:
            out.append(p.message)
    return "\n".join(out)


class Form(VerticalScroll, can_focus=False):
    """A form that scrolls if the window is short; tab goes straight to its first field, not to the form."""


class FieldRow(Horizontal):
    """A label, then the field with its message under it."""

    def __init__(self, label: str, *children: Widget, **kwargs) -> None:
        super().__init__(**kwargs)
        self._label = label
        self._children = children

    def compose(self) -> ComposeResult:
        yield Static(self._label, classes="label")
        with Vertical(classes="field"):
            yield from self._children


class DeckEditorScreen(Screen[None]):
    DEFAULT_CSS = """
    DeckEditorScreen { layout: vertical; }
    DeckEditorScreen #ed-header { height: 1; padding: 0 1; color: $primary; text-style: bold; }
    DeckEditorScreen #ed-body { height: 1fr; }
    DeckEditorScreen #ed-items {
        width: 30; height: 1fr; border: none; padding: 0 0 0 1; background: $background;
        border-right: vkey $panel;
    }
    DeckEditorScreen #ed-items:focus { border-right: vkey $primary; }
    DeckEditorScreen ContentSwitcher { width: 1fr; height: 1fr; padding: 0 1; }
    DeckEditorScreen ContentSwitcher > VerticalScroll { height: 1fr; }
    DeckEditorScreen FieldRow { height: auto; margin-bottom: 1; }
    DeckEditorScreen FieldRow > .label { width: 9; color: $foreground-muted; }
    DeckEditorScreen #form-cue FieldRow > .label { width: 7; }
    DeckEditorScreen FieldRow > .field { width: 1fr; height: auto; }
    DeckEditorScreen Input, DeckEditorScreen Select { width: 1fr; }
    DeckEditorScreen #f-language { width: 12; }
    DeckEditorScreen #f-weight { width: 10; }
    DeckEditorScreen #f-phase { width: 14; }
    DeckEditorScreen TextArea { height: 3; }
    DeckEditorScreen #f-text { height: 3; }
    DeckEditorScreen #f-description { height: 4; }
    DeckEditorScreen #f-prompts { height: 1fr; min-height: 4; }
    DeckEditorScreen .msg { height: auto; color: $warning; }
    DeckEditorScreen .msg.empty { display: none; }
    DeckEditorScreen .note { color: $foreground-muted; height: auto; }
    DeckEditorScreen #weight-label { width: auto; color: $foreground-muted; margin: 0 1 0 2; }
    DeckEditorScreen #phase-row { height: 1; }
    DeckEditorScreen #ed-status { height: auto; max-height: 2; padding: 0 1; color: $foreground-muted; }
    DeckEditorScreen #ed-status.problem { color: $warning; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "save"),
        Binding("ctrl+r", "screen.preview", "preview"),
        Binding("c", "own_copy", "make my own copy"),
        Binding("escape", "back", "back"),
    ]

    def __init__(self, draft: DeckDraft, *, origin: str = "user") -> None:
        super().__init__()
        self.draft = draft
        self.origin = origin
        self._cue: int | None = None  # the cue the form shows
        self._checks = Checks()
        self._saved_status = False  # the status line says the deck was saved (true until the next change)

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        ro = self.draft.read_only
        yield Static("", id="ed-header", markup=False)
        with Horizontal(id="ed-body"):
            yield CueList(id="ed-items")
            with ContentSwitcher(initial="form-cue", id="ed-forms"):
                with Form(id="form-deck"):
                    yield FieldRow("Title", Input(id="f-title", compact=True, select_on_focus=False, disabled=ro),
                                   Static("", id="m-title", classes="msg empty", markup=False))
                    yield FieldRow("About", TextArea(id="f-description", compact=True, soft_wrap=True,
                                                     disabled=ro),
                                   Static("", id="m-description", classes="msg empty", markup=False))
                    yield FieldRow("Language", Input(id="f-language", compact=True, select_on_focus=False, disabled=ro),
                                   Static("", id="m-language", classes="msg empty", markup=False))
                    yield FieldRow("File", Static("", id="f-where", classes="note", markup=False))
                with Vertical(id="form-prompts"):
                    yield Static("Reflection prompts, one a line after its stage: what:, so-what: or now-what:. "
                                 "ctrl+t turns a line's stage. A reflection offers one of each.", classes="note")
                    yield PromptsArea(id="f-prompts", disabled=ro)
                    yield Static("", id="m-prompts", classes="msg empty", markup=False)
                with Form(id="form-cue"):
                    yield FieldRow("Text", CueText(id="f-text", disabled=ro),
                                   Static("", id="m-text", classes="msg empty", markup=False))
                    yield FieldRow("Detail", TextArea(id="f-detail", compact=True, soft_wrap=True, disabled=ro),
                                   Static("", id="m-detail", classes="msg empty", markup=False))
                    yield FieldRow(
                        "Phase",
                        Horizontal(
                            Select([(p, p) for p in PHASES], id="f-phase", allow_blank=False, compact=True,
                                   disabled=ro),
                            Static("Weight", id="weight-label"),
                            Input(id="f-weight", compact=True, select_on_focus=False, disabled=ro),
                            id="phase-row",
                        ),
                        Static("", id="m-phase", classes="msg empty", markup=False),
                    )
                    yield FieldRow("Tags", Input(id="f-tags", compact=True, placeholder="comma, separated",
                                                 select_on_focus=False, disabled=ro),
                                   Static("", id="m-tags", classes="msg empty", markup=False))
                    yield FieldRow("Id", Static("", id="f-id", classes="note", markup=False))
        yield Static("", id="ed-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        draft = self.draft
        with self.prevent(Input.Changed, TextArea.Changed):
            self.query_one("#f-title", Input).value = draft.title
            self.query_one("#f-description", TextArea).load_text(draft.description)
            self.query_one("#f-language", Input).value = draft.language
            self.query_one("#f-prompts", TextArea).load_text("\n".join(draft.prompt_lines()))
        where = str(draft.path) if draft.path is not None else ""
        self.query_one("#f-where", Static).update(
            f"{draft.name} · built in, shipped with herenow" if draft.read_only else f"{draft.name} · {where}")
        self._rebuild_list(select="cue:0" if draft.cues else "deck")
        self._refresh_checks()
        self.query_one("#ed-items", CueList).focus()

    # ---------------------------------------------------------------- list and forms
    def _cue_label(self, index: int) -> Text:
        problems = self._checks.for_field(f"cues[{index + 1}]")
        errors = [p for p in problems if p in self._checks.errors]
        mark = "!" if errors else ("·" if problems else " ")
        text = self.draft.cues[index].text.strip() or "(no text yet)"
        number = f"{index + 1:>2}".replace(" ", "\u2007")  # a figure space: leading spaces are not kept
        return Text(f"{number}{mark}{_short(text, 25)}", no_wrap=True, overflow="ellipsis")

    def _rebuild_list(self, select: str | None = None) -> None:
        items = self.query_one("#ed-items", CueList)
        current = select or (items.highlighted_option.id if items.highlighted_option else None)
        self._checks = self.draft.check()
        prompts = len(self.draft.prompts)
        options: list[Option | None] = [
            Option(Text("Title, description, language"), id="deck"),
            Option(Text(f"Reflection prompts · {prompts}"), id="prompts"),
            None,
        ]
        options += [Option(self._cue_label(i), id=f"cue:{i}") for i in range(len(self.draft.cues))]
        with items.prevent(OptionList.OptionHighlighted):
            items.set_options(options)
        ids = [o.id for o in items.options]
        target = current if current in ids else (f"cue:{len(self.draft.cues) - 1}" if self.draft.cues else "deck")
        items.highlighted = ids.index(target)
        self._show_form(target)
        self._show_header()

    @on(OptionList.OptionHighlighted, "#ed-items")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_form(event.option.id or "deck")

    @on(OptionList.OptionSelected, "#ed-items")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        kind = event.option.id or "deck"
        self._show_form(kind)
        first = {"deck": "#f-title", "prompts": "#f-prompts"}.get(kind, "#f-text")
        if not self.draft.read_only:
            self.query_one(first).focus()

    def _show_form(self, kind: str) -> None:
        switcher = self.query_one("#ed-forms", ContentSwitcher)
        if kind.startswith("cue:"):
            self._cue = int(kind.partition(":")[2])
            self._load_cue()
            switcher.current = "form-cue"
        else:
            self._cue = None
            switcher.current = "form-deck" if kind == "deck" else "form-prompts"
        self._show_messages()

    def _load_cue(self) -> None:
        assert self._cue is not None
        cue = self.draft.cues[self._cue]
        with self.prevent(Input.Changed, TextArea.Changed, Select.Changed):
            text = self.query_one("#f-text", CueText)
            text.load_text(one_line(cue.text))
            text.move_cursor(text.document.end)  # as an Input would: typing adds to the end
            self.query_one("#f-detail", TextArea).load_text(cue.detail)
            self.query_one("#f-phase", Select).value = cue.phase if cue.phase in PHASES else "any"
            self.query_one("#f-weight", Input).value = cue.weight
            self.query_one("#f-tags", Input).value = ", ".join(cue.tags)
        self.query_one("#f-id", Static).update(cue.id or "(written when saved)")

    # ---------------------------------------------------------------- edits, as they are typed
    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _edited(self, event: Input.Changed | TextArea.Changed | Select.Changed) -> None:
        widget = event.control if not isinstance(event, TextArea.Changed) else event.text_area
        if widget is None or widget.id is None or self.draft.read_only:
            return
        field = widget.id.removeprefix("f-")
        plain_text_area = isinstance(widget, TextArea) and not isinstance(widget, CueText)
        value = widget.text if plain_text_area else widget.value  # a CueText's value is its text on one line
        draft = self.draft
        if field in ("title", "language", "description"):
            setattr(draft, field, value)
        elif field == "prompts":
            draft.set_prompts(value.split("\n"))
        elif field in ("text", "detail", "phase", "weight", "tags") and self._cue is not None:
            draft.edit_cue(self._cue, **{field: parse_tags(value) if field == "tags" else value})
        else:
            return
        self._refresh_checks()

    def _refresh_checks(self) -> None:
        self._checks = self.draft.check()
        items = self.query_one("#ed-items", CueList)
        for i in range(len(self.draft.cues)):
            label = self._cue_label(i)
            index = items.get_option_index(f"cue:{i}")
            if str(items.get_option_at_index(index).prompt) != str(label):
                items.replace_option_prompt(f"cue:{i}", label)
        prompts = len(self.draft.prompts)
        items.replace_option_prompt("prompts", Text(f"Reflection prompts · {prompts}"))
        self._show_messages()
        self._show_header()

    def _show_messages(self) -> None:
        checks = self._checks
        fields: dict[str, str] = {f"m-{name}": name for name in ("title", "description", "language")}
        if self._cue is not None:
            n = self._cue + 1
            fields |= {"m-text": f"cues[{n}].text", "m-detail": f"cues[{n}].detail", "m-tags": f"cues[{n}].tags"}
        for static_id, name in fields.items():
            self._set_msg(static_id, _messages(checks.for_field(name)))
        phase = checks.for_field(f"cues[{n}].phase") + checks.for_field(f"cues[{n}].weight") \
            if self._cue is not None else []
        self._set_msg("m-phase", "\n".join(f"{p.field.rsplit('.', 1)[-1]}: {p.message}" for p in phase))
        prompt_problems = [p for p in checks.all() if (p.field or "").startswith("prompts")]
        self._set_msg("m-prompts", _prompt_messages(prompt_problems, self.draft.prompts))
        placed = {"title", "description", "language", "prompts"} | {
            f"prompts[{i + 1}]" for i in range(len(self.draft.prompts))} | {
            f"cues[{i + 1}]" for i in range(len(self.draft.cues))}
        elsewhere = checks.unplaced(placed)
        if elsewhere:
            self._status(" · ".join(p.message for p in elsewhere), problem=True)
        elif self.query_one("#ed-status").has_class("problem"):
            self._status("")

    def _set_msg(self, static_id: str, text: str) -> None:
        static = self.query_one(f"#{static_id}", Static)
        static.update(text)
        static.set_class(not text, "empty")

    def _show_header(self) -> None:
        draft = self.draft
        parts = [draft.title.strip() or draft.name]
        if draft.read_only:
            parts.append("built in, read-only: c makes your own copy")
        else:
            parts.append(draft.path.name if draft.path is not None else draft.name)
            if draft.dirty:
                parts.append("unsaved changes")
        self.query_one("#ed-header", Static).update("  ·  ".join(parts))
        if draft.dirty and self._saved_status:
            self._status("")  # "Saved x.toml." would no longer be true

    def _status(self, text: str, *, problem: bool = False, saved: bool = False) -> None:
        status = self.query_one("#ed-status", Static)
        status.update(text)
        status.set_class(problem, "problem")
        self._saved_status = saved

    # ---------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "own_copy":
            return self.draft.read_only
        if action in ("save", "add_cue", "delete_cue", "move_cue") and self.draft.read_only:
            return False
        return True

    def _focused_in_form(self) -> bool:
        focused = self.focused
        forms = self.query_one("#ed-forms")
        return focused is not None and forms in focused.ancestors

    def action_add_cue(self) -> None:
        index = self.draft.add_cue(after=self._cue)
        self._rebuild_list(select=f"cue:{index}")
        self.query_one("#f-text", CueText).focus()

    def action_delete_cue(self) -> None:
        if self._cue is None:
            return
        index = self._cue
        text = _short(self.draft.cues[index].text.strip() or "(no text yet)", 40)

        def answer(choice: str | None) -> None:
            if choice == "yes":
                self.draft.delete_cue(index)
                left = len(self.draft.cues)
                self._rebuild_list(select=f"cue:{min(index, left - 1)}" if left else "deck")
                self._status(f"Cue {index + 1} deleted.")
                self.query_one("#ed-items").focus()

        self.app.push_screen(confirm(f"Delete cue {index + 1}?\n“{text}”", "Delete", "Keep"), answer)

    def action_move_cue(self, offset: int) -> None:
        if self._cue is None:
            return
        index = self.draft.move_cue(self._cue, offset)
        self._rebuild_list(select=f"cue:{index}")

    def action_preview(self) -> None:
        if not self.draft.cues:
            self._status("No cues to preview yet.")
            return
        cues = [(c.text.strip(), c.detail.strip()) for c in self.draft.cues]

        def back(index: int | None) -> None:
            if index is not None and not self._focused_in_form():
                self._rebuild_list(select=f"cue:{index}")

        self.app.preview_cues(cues, self._cue or 0, back)

    def action_save(self, overwrite: bool = False, then_leave: bool = False) -> None:
        result = self.draft.save(overwrite=overwrite)
        if result.status == "conflict":
            # Said now, so that cancelling leaves no earlier "Saved" claiming a save that did not happen.
            self._status(f"Not saved: {result.message}", problem=True)

            def answer(choice: str | None) -> None:
                if choice == "overwrite":
                    self.action_save(overwrite=True, then_leave=then_leave)
                elif choice == "reload":
                    self._reload()

            self.app.push_screen(Choice(
                f"{result.message}\nPerhaps it was edited in another editor. Reload it (your changes here are "
                "dropped), or overwrite it with yours (the other changes are dropped)?",
                [("reload", "Reload"), ("overwrite", "Overwrite"), ("cancel", "Cancel")], focus="cancel"), answer)
            return
        if not result.saved:
            self._status(result.message, problem=True)
            return
        self.app.ctx.reload_decks()
        self._rebuild_list()
        self._refresh_checks()
        self._status(result.message, saved=True)
        if then_leave:
            self.dismiss()

    def _reload(self) -> None:
        problems = self.draft.reload()
        if problems:
            self._status(f"Could not reload: {problems[0]}", problem=True)
            return
        self.on_mount()
        self._status(f"Reloaded {self.draft.path.name if self.draft.path else self.draft.name} from disk.")

    def action_own_copy(self) -> None:
        if not self.draft.read_only:
            return
        try:
            deck, path = make_own_copy(self.draft.original)
        except (ValueError, OSError) as exc:
            self._status(f"Could not make a copy: {getattr(exc, 'strerror', None) or exc}", problem=True)
            return
        self.app.ctx.reload_decks()
        draft, problems = DeckDraft.open(path)
        if draft is None:
            self._status(str(problems[0]), problem=True)
            return
        self.app.decks_changed(select=draft.name)  # the deck list, back there, is on the copy
        self.app.edit_deck(draft, replace=True)
        self.app.notify(f"Your own copy: {path.name}, in your decks folder.", title="Copied")

    def action_back(self) -> None:
        if self._focused_in_form():
            self.query_one("#ed-items").focus()
            return
        self.leave()

    def confirm_quit(self) -> None:
        """ctrl+q with unsaved changes asks before the app closes."""
        if self.draft.read_only or not self.draft.dirty:
            self.app.exit(0)
            return

        def answer(choice: str | None) -> None:
            if choice == "quit":
                self.app.exit(0)

        self.app.push_screen(Choice(
            f"“{self.draft.title.strip() or self.draft.name}” has unsaved changes. Quit anyway?",
            [("quit", "Quit without saving"), ("stay", "Stay")], focus="stay"), answer)

    def leave(self) -> None:
        """Back to the deck list, asking first about unsaved changes."""
        if self.draft.read_only or not self.draft.dirty:
            self.dismiss()
            return

        def answer(choice: str | None) -> None:
            if choice == "save":
                self.action_save(then_leave=True)
            elif choice == "leave":
                self.dismiss()

        self.app.push_screen(Choice(
            f"“{self.draft.title.strip() or self.draft.name}” has unsaved changes.",
            [("save", "Save"), ("leave", "Leave unsaved"), ("stay", "Stay")], focus="save"), answer)
