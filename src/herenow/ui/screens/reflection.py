"""The reflection screen (placeholder until issue 4 lands)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from herenow.records import SessionRecord


class ReflectionScreen(Screen):
    def __init__(self, record: SessionRecord) -> None:
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        yield Static(f"Session {self.record.id} ended.")
