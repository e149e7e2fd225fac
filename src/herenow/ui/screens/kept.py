"""After "end" in a browser on the local network: the session is kept; its reflection is written on the computer.

Nothing from a reflection or the home screen is shown here: over `herenow serve --lan` no reflection text ever
crosses the network.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

KEPT_TEXT = "The session is kept. Its reflection waits on the computer, where the home screen offers it."


class KeptScreen(Screen[None]):
    BINDINGS = [Binding("q", "quit", "quit")]
    DEFAULT_CSS = """
    KeptScreen { align: center middle; }
    KeptScreen #kept-box { width: 100%; max-width: 60; height: auto; padding: 1 2; }
    KeptScreen #kept { text-align: center; color: $foreground; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="kept-box"):
            yield Static(KEPT_TEXT, id="kept", markup=False)

    def action_quit(self) -> None:
        self.app.exit(0)
