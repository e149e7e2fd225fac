"""The review screen (placeholder until issue 5 lands)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static


class ReviewScreen(Screen):
    def compose(self) -> ComposeResult:
        yield Static("No reflections yet.")
