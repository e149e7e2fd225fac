"""Every problem of a file in one place: a calm, scrollable list behind a one-line "(and 3 more)"."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class ProblemList(ModalScreen[None]):
    DEFAULT_CSS = """
    ProblemList { align: center middle; }
    ProblemList > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
        background: $panel; border: round $primary;
    }
    ProblemList #problems-title { text-style: bold; height: auto; }
    ProblemList VerticalScroll { height: auto; max-height: 20; margin: 1 0; }
    ProblemList .problem { height: auto; margin-bottom: 0; }
    ProblemList #problems-keys { color: $foreground-muted; height: 1; }
    """
    BINDINGS = [Binding("escape,enter,q", "close", "close", show=False)]

    def __init__(self, title: str, problems: list[str]) -> None:
        super().__init__()
        self.heading = title
        self.problems = problems

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.heading, id="problems-title", markup=False)
            with VerticalScroll(id="problems-scroll"):
                for problem in self.problems:
                    yield Static(f"· {problem}", classes="problem", markup=False)
            yield Static("↑↓ scroll · enter or escape closes", id="problems-keys")

    def on_mount(self) -> None:
        self.query_one("#problems-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
