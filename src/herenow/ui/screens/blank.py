"""The blank screen: a neutral, empty-looking screen for when the client looks. Any key brings the session back."""

from __future__ import annotations

from textual import events
from textual.screen import Screen


class BlankScreen(Screen[None]):
    DEFAULT_CSS = """
    BlankScreen { background: $blank-background; }
    """
    # No bindings, no footer, no cursor: nothing that says what was here.

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.dismiss(None)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.dismiss(None)
