"""Small typed modal dialogs. Each returns its answer through ``dismiss``; callers decide what to do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class Choice(ModalScreen[str]):
    """A calm question with two or three answers. Dismisses with the chosen key (``escape`` = the last one)."""

    DEFAULT_CSS = """
    Choice { align: center middle; }
    Choice > Vertical {
        width: 64; max-width: 100%; height: auto; padding: 1 2;
        background: $panel; border: round $primary;
    }
    Choice #question { width: 100%; margin-bottom: 1; }
    Choice Horizontal { height: auto; width: 100%; align-horizontal: center; }
    Choice Button { margin: 0 1; min-width: 10; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("left,up", "app.focus_previous", "Previous", show=False),
        Binding("right,down", "app.focus_next", "Next", show=False),
    ]

    def __init__(self, question: str, choices: list[tuple[str, str]], *, focus: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.choices = choices  # (key, label)
        self.initial = focus or choices[0][0]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="question")
            with Horizontal():
                for key, label in self.choices:
                    yield Button(label, id=f"choice-{key}", compact=True)

    def on_mount(self) -> None:
        self.query_one(f"#choice-{self.initial}", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_cancel(self) -> None:
        self.dismiss(self.choices[-1][0])


def confirm(question: str, yes: str = "Yes", no: str = "No", *, default_yes: bool = False) -> Choice:
    """A yes/no question; dismisses with "yes" or "no". Escape means no."""
    return Choice(question, [("yes", yes), ("no", no)], focus="yes" if default_yes else "no")


class PathPrompt(ModalScreen[str | None]):
    """Ask for a path. Dismisses with the text typed (enter), or None (escape)."""

    DEFAULT_CSS = """
    PathPrompt { align: center middle; }
    PathPrompt > Vertical {
        width: 72; max-width: 100%; height: auto; padding: 1 2;
        background: $panel; border: round $primary;
    }
    PathPrompt Input { width: 100%; margin: 1 0; }
    PathPrompt .note { color: $foreground-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(self, question: str, value: str = "", placeholder: str = "",
                 note: str = "enter to go ahead · escape to cancel", *, allow_empty: bool = False) -> None:
        super().__init__()
        self.allow_empty = allow_empty  # enter on an empty field answers "" (escape is still None)
        self.question = question
        self.value = value
        self.placeholder = placeholder
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="path", compact=True)
            yield Static(self.note, classes="note", markup=False)

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or ("" if self.allow_empty else None))

    def action_cancel(self) -> None:
        self.dismiss(None)


class UnlockPrompt(ModalScreen[bool]):
    """The passphrase, asked in the app (issue 10): a password field, three tries, a calm line after a wrong one.

    Unlocks ``protection`` (the process's ``herenow.store.protection.Protection``) and dismisses with True, or
    False after the third wrong try or escape. The passphrase is never shown and never kept.
    """

    DEFAULT_CSS = """
    UnlockPrompt { align: center middle; }
    UnlockPrompt > Vertical {
        width: 64; max-width: 100%; height: auto; padding: 1 2;
        background: $panel; border: round $primary;
    }
    UnlockPrompt Input { width: 100%; margin: 1 0 0 0; }
    UnlockPrompt #unlock-note { color: $foreground-muted; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(self, protection, why: str = "Your reflections are sealed.", tries: int = 3) -> None:
        super().__init__()
        self.protection = protection
        self.why = why
        self.tries_left = tries

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.why} Enter your passphrase to open them.", markup=False)
            yield Input(password=True, id="unlock-passphrase")
            yield Static("enter to open · escape to go back", id="unlock-note", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from herenow.store.sealing import WRONG_PASSPHRASE, SealingError

        event.stop()
        field = self.query_one(Input)
        phrase, field.value = field.value, ""
        if not phrase:
            return
        note = self.query_one("#unlock-note", Static)
        try:
            self.protection.unlock(phrase)
        except SealingError as exc:
            self.tries_left -= 1
            if exc.kind != WRONG_PASSPHRASE or self.tries_left <= 0:
                self.app.notify(str(exc) if exc.kind != WRONG_PASSPHRASE else
                                "That passphrase did not open your reflections; they stay sealed.",
                                severity="warning")
                self.dismiss(False)
                return
            note.update("That passphrase does not open them; please try again.")
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
