"""Preview a cue exactly as the live session shows it.

``CuePreviewScreen`` is a SessionScreen without a session: the same widgets, ids and stylesheet rules
(``#cue`` inside ``#card-area``, the ``short``/``narrow`` classes for small windows), in the current theme and at
the current window size, with the timer as it reads when a session starts. Nothing is recorded.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding

from herenow.clock import SessionClock
from herenow.ui.screens.session import SessionScreen
from herenow.ui.widgets.session_widgets import CueCard, QuietStatic


class CuePreviewScreen(SessionScreen, inherit_bindings=False):
    """Shows ``cues[index]`` (text, detail); left/right move through the others, escape returns."""

    BINDINGS = [
        Binding("escape,q", "close", "back"),
        Binding("space,right", "step(1)", "next"),
        Binding("backspace,left", "step(-1)", "previous", show=False),
        Binding("d", "toggle_detail", "detail"),
    ]

    def __init__(self, cues: list[tuple[str, str]], index: int = 0) -> None:
        super().__init__([], notes=[])
        self.cues = cues or [("", "")]
        self.index = max(0, min(index, len(self.cues) - 1))
        self.add_class("preview")

    def _begin(self) -> None:  # no session to start: a clock that stands at its start
        ctx = self.app.ctx
        self._clock = SessionClock(ctx.config.session_minutes * 60, ctx.config.warnings, now=ctx.now)

    def _short_keys(self) -> str:  # the session's four keys mean nothing here
        return ""

    def on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # not SessionScreen.on_mount: there is no session to run
        self._show()
        self._fit()

    def _fit(self) -> None:
        super()._fit()
        self._render_time(self._clock.read())

    def _show(self) -> None:
        text, detail = self.cues[self.index]
        self.query_one("#cue", CueCard).show(text)
        self.query_one("#detail", QuietStatic).show(detail or "(no detail for this cue)")
        where = f"preview {self.index + 1} of {len(self.cues)}" if len(self.cues) > 1 else "preview"
        self.query_one("#status", QuietStatic).show(where)

    def action_step(self, offset: int) -> None:
        self.index = (self.index + offset) % len(self.cues)
        self._show()

    def action_close(self) -> None:
        self.dismiss(self.index)

    def tick(self) -> None:  # no session: the time stands still at its start
        return
