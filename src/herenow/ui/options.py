"""What a session is started with; shared by the launcher, the app and the home screen (no Textual here)."""

from __future__ import annotations

from dataclasses import dataclass

from herenow.store.records import SessionRecord


@dataclass
class SessionOptions:
    deck_names: list[str] | None = None
    planned_seconds: float | None = None
    compact: bool = False
    first_session: bool = False
    resume: SessionRecord | None = None  # carry on this session instead of starting one
    served: str | None = None  # "local" or "lan" when `herenow serve` runs the app in a browser
