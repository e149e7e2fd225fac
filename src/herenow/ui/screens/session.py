"""The live session screen: one cue, the time, a draining bar. It renders a LiveSession and forwards keys."""

from __future__ import annotations

import datetime as dt

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button

from herenow.clock import Reading, format_duration
from herenow.decks.model import Deck
from herenow.store.records import CueEvent, SessionRecord, at_text
from herenow.scheduler import DealtCue
from herenow.live import LiveSession, NotResumable, SessionInUse
from herenow.ui.widgets.session_widgets import CueCard, DrainBar, KeyLegend, QuietStatic

MIN_WIDTH, MIN_HEIGHT = 30, 8
MOMENT_LABELS = {"moment": "moment", "rupture": "rupture", "repair": "repair", "here-and-now": "here and now"}
# In a browser (`herenow serve`): a row of large quiet buttons, button id -> action.
TOUCH_BUTTONS = (("touch-next", "next", "next_cue"), ("touch-mark", "mark", "mark"),
                 ("touch-blank", "blank", "blank"), ("touch-pause", "pause", "pause"), ("touch-end", "end", "end"))


def _b(key: str, action: str, description: str, show: bool = True) -> Binding:
    return Binding(key, action, description, show=show, id=f"session.{action}")


class SessionScreen(Screen[None]):
    AUTO_FOCUS = None
    BINDINGS = [
        _b("space", "next_cue", "next"),
        _b("backspace,left", "previous_cue", "back", show=False),
        _b("d", "toggle_detail", "detail"),
        _b("n", "acted_on", "acted on"),
        _b("m", "mark", "mark"),
        _b("r", "mark_rupture", "rupture", show=False),
        _b("R", "mark_repair", "repair", show=False),
        _b("h", "mark_here_and_now", "here-now", show=False),
        _b("u", "undo", "undo", show=False),
        _b("b", "blank", "blank"),
        _b("p", "pause", "pause"),
        _b("e", "end", "end"),
        _b("q", "quit", "quit"),
    ]

    def __init__(self, decks: list[Deck], *, planned_seconds: float | None = None, compact: bool = False,
                 notes: list[str] | None = None, first_session: bool = False, resume: SessionRecord | None = None,
                 touch: bool = False) -> None:
        classes = " ".join(c for c in ("compact" if compact else "", "touch" if touch else "") if c)
        super().__init__(classes=classes or None)
        self.resume = resume  # carry on this session instead of starting one
        self.touch = touch  # in a browser: buttons, and a tap on the card shows the next cue
        self.decks = decks
        self.first_session = first_session
        self.planned_seconds = planned_seconds
        self.compact = compact
        self.notes = notes or []
        self.live: LiveSession | None = None
        self._detail_shown = False
        self._status = ""
        self._rang = False

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        # The session starts here, before anything is drawn, so the very first frame already shows the cue and
        # the time (not an empty card filled in a frame later).
        self._begin()
        dealt = self.live.current if self.live is not None else None
        with Vertical(id="session"):
            notes = QuietStatic("  ".join(self.notes), id="notes", markup=False)
            notes.display = bool(self.notes)
            yield notes
            with Vertical(id="card-area"):
                yield CueCard(dealt.cue.text if dealt else "", id="cue")
                detail = QuietStatic(self._detail_text(dealt), id="detail", markup=False)
                detail.display = False
                yield detail
            yield QuietStatic(self._acted_mark(dealt) if dealt else "", id="status", markup=False, fixed_size=True)
            # Kept, not looked up: the tick updates these every second for the whole session.
            self._timer = QuietStatic("", id="timer", markup=False, fixed_size=True)
            self._bar = DrainBar(id="bar")
            self._fit()  # the size classes and the time, before the first frame
            yield self._timer
            yield self._bar
        yield QuietStatic("The window is too small to show the cue.\nA little larger, please.", id="too-small")
        yield QuietStatic(self._short_keys(), id="keys-short", markup=False, fixed_size=True)
        if self.touch:  # only in a browser: the terminal's screen stays exactly as it is
            with Horizontal(id="touch-bar"):
                for button_id, label, _action in TOUCH_BUTTONS:
                    button = Button(label, id=button_id, compact=True)
                    button.can_focus = False  # the keys keep their meaning (space: next cue, not "press")
                    yield button
        yield KeyLegend(self._legend(), id="keys")

    def _short_keys(self) -> str:
        """The four keys that matter most, for a window too narrow for the whole line."""
        keys = self.app.ctx.config.keys
        first = {action: getattr(keys, action).split(",")[0].strip() for action in ("next_cue", "blank", "end", "quit")}
        return f"{first['next_cue']} next · {first['blank']} blank · {first['end']} end · {first['quit']} quit"

    def _legend(self) -> list[tuple[str, str]]:
        """The keys the footer line names: each shown binding with the first key the config gives its action."""
        keys = self.app.ctx.config.keys
        out = []
        for binding in self.BINDINGS:
            if binding.show:
                action = binding.action
                first = getattr(keys, action, binding.key).split(",")[0].strip()
                out.append((self.app.get_key_display(Binding(first, action)), binding.description))
        return out

    def _begin(self) -> None:
        """Start (or resume) the LiveSession; ``live`` stays None when the session runs in another window."""
        ctx = self.app.ctx
        if self.resume is not None:
            try:
                self.live = LiveSession.resume(self.resume, self.decks, ctx.config, now=ctx.now, seed=ctx.seed,
                                               records=ctx.records)
            except (SessionInUse, NotResumable):
                return
        else:
            self.live = LiveSession(self.decks, ctx.config, planned_seconds=self.planned_seconds, now=ctx.now,
                                    seed=ctx.seed, records=ctx.records, first_session=self.first_session,
                                    save_now=False)
            self.call_after_refresh(self.live.save)  # on disk from the first frame on

    def on_mount(self) -> None:
        if self.live is None:  # resuming a session that another window runs
            self.app.pop_screen() if len(self.app.screen_stack) > 1 else self.app.exit(
                2, message="herenow: that session is running in another window")
            self.app.notify("That session is running in another window.", title="Not resumed")
            return
        self._show_cue(self.live.current)
        if self.live.resumed_note:
            self._set_status(self.live.resumed_note)
        self.tick()
        self.set_interval(1.0, self.tick)
        self._fit()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        """Adapt to the terminal's size (not the screen's: inline, the screen is only as tall as its content)."""
        width, height = self.app.size
        small = width < MIN_WIDTH or (height < MIN_HEIGHT and not self.compact)
        self.set_class(small, "too-small")
        self.set_class(height < 16 and not small, "short")
        self.set_class(width < 60, "narrow")
        if self.live is not None:
            self._render_time(self.live.clock.read())

    # ---------------------------------------------------------------- rendering state
    def _show_cue(self, dealt: DealtCue | None) -> None:
        if dealt is None:
            return
        self.query_one("#cue", CueCard).show(dealt.cue.text)
        self.query_one("#detail", QuietStatic).show(self._detail_text(dealt))
        self._set_status(self._acted_mark(dealt))

    @staticmethod
    def _detail_text(dealt: DealtCue | None) -> str:
        if dealt is None:
            return ""
        return dealt.cue.detail or "(no detail for this cue)"

    def _acted_mark(self, dealt: DealtCue) -> str:
        assert self.live is not None
        acted = any(a.deck == dealt.deck and a.id == dealt.cue.id for a in self.live.record.acted_on)
        return "✓ acted on" if acted else ""

    def _set_status(self, text: str) -> None:
        self._status = text
        message = text
        if self.live is not None and self.live.save_error:
            message = f"{text}   {self.live.save_error}".strip()
        self.query_one("#status", QuietStatic).show(message)

    def tick(self) -> None:
        """Read the clock and update what changed (every second, and on demand in tests)."""
        if self.live is None:
            return
        reading, changed = self.live.tick()
        if changed is not None:
            self._show_cue(changed)
        self._render_time(reading)

    def _render_time(self, reading: Reading) -> None:
        show_seconds = self.app.ctx.config.show_seconds
        narrow = self.app.size.width < 60
        sep = " · " if narrow else "  ·  "
        ends = "ends " + dt.datetime.fromtimestamp(reading.ends_at).strftime("%H:%M")
        elapsed = f"{format_duration(reading.elapsed, show_seconds)} in"
        left = f"{format_duration(reading.remaining, show_seconds, round_up=True)} left"
        if reading.overtime:
            parts = [f"+{format_duration(-reading.remaining, show_seconds)} over", elapsed]
            if not self._rang and self.app.ctx.config.bell:
                self._rang = True
                self.app.bell()
        elif reading.warning is not None:
            if narrow:  # "10 min left · 09:45 · ends 14:50": the words already say "left"
                parts = [f"{reading.warning} min left",
                         format_duration(reading.remaining, show_seconds, round_up=True), ends]
            else:
                parts = [f"{reading.warning} min left", elapsed, left, ends]
        else:
            parts = [elapsed, left, ends]
        if reading.paused:
            parts.insert(0, "paused")
        timer = self._timer
        if timer.show(sep.join(parts)):  # classes change only when the words do
            timer.set_class(reading.warning is not None and not reading.overtime, "warn")
            timer.set_class(reading.overtime, "over")
            timer.set_class(reading.paused, "paused")
        self._bar.set_fraction(reading.fraction_left)

    # ---------------------------------------------------------------- actions (keys are in BINDINGS / config)
    def action_next_cue(self) -> None:
        assert self.live is not None
        self._show_cue(self.live.next_cue())

    def action_previous_cue(self) -> None:
        assert self.live is not None
        self._show_cue(self.live.previous_cue())

    def action_toggle_detail(self) -> None:
        self._detail_shown = not self._detail_shown
        self.query_one("#detail").display = self._detail_shown

    def action_acted_on(self) -> None:
        assert self.live is not None
        self.live.act_on()
        if self.live.current is not None:
            self._set_status(self._acted_mark(self.live.current))

    def _mark(self, kind: str) -> None:
        assert self.live is not None
        moment = self.live.mark(kind)
        undo_key = self.app.ctx.config.keys.undo.split(",")[0].strip()
        self._set_status(f"{MOMENT_LABELS.get(kind, kind)} marked at {at_text(moment.at)} · {undo_key} undoes")

    def action_undo(self) -> None:
        """u: the last mark or acted-on tally is taken back, said quietly on the status line."""
        assert self.live is not None
        undone = self.live.undo()
        if undone is None:
            self._set_status("nothing to undo")
        elif isinstance(undone, CueEvent):
            self._set_status(f"undid: acted on at {at_text(undone.at)}")
        else:
            self._set_status(f"undid: {MOMENT_LABELS.get(undone.kind, undone.kind)} mark at {at_text(undone.at)}")

    def action_mark(self) -> None:
        self._mark("moment")

    def action_mark_rupture(self) -> None:
        self._mark("rupture")

    def action_mark_repair(self) -> None:
        self._mark("repair")

    def action_mark_here_and_now(self) -> None:
        self._mark("here-and-now")

    def action_blank(self) -> None:
        self.app.push_screen("blank")

    def action_pause(self) -> None:
        assert self.live is not None
        paused = self.live.toggle_pause()
        self._render_time(self.live.clock.read())
        if self.touch:
            self.query_one("#touch-pause", Button).label = "resume" if paused else "pause"

    # ---------------------------------------------------------------- touch (served in a browser)
    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {button_id: action for button_id, _label, action in TOUCH_BUTTONS}
        action = actions.get(event.button.id or "")
        if action is not None and self.live is not None:
            event.stop()
            getattr(self, f"action_{action}")()

    def on_click(self, event: events.Click) -> None:
        """A tap on the cue card shows the next cue (in a browser only)."""
        if self.touch and self.live is not None and event.widget is not None and event.widget.id in ("cue", "detail"):
            event.stop()
            self.action_next_cue()

    def action_end(self) -> None:
        assert self.live is not None
        record = self.live.end()
        self.app.reflect_on(record)

    def flush(self) -> None:
        """The app is being closed from outside (SIGHUP, SIGTERM): write the record now, marked interrupted, so it
        can be resumed as well as reflected on."""
        if self.live is not None and not self.live.ended:
            self.live.interrupt()

    def on_unmount(self) -> None:
        """Gone without "end" or "quit" (a browser connection dropped: `herenow serve` asks the app to exit): the
        session is not over; its record is written, marked interrupted, and the next connection resumes it."""
        self.flush()

    def confirm_quit(self) -> None:
        """ctrl+q asks too, like q."""
        self.action_quit()

    def action_quit(self) -> None:
        from herenow.ui.dialogs import confirm

        def answer(choice: str | None) -> None:
            if choice == "yes":
                assert self.live is not None
                self.live.end()
                self.app.exit(0)

        self.app.push_screen(
            confirm("The session is still running. Quit now?\n"
                    "Its record is kept, so you can write the reflection next time.", "Quit", "Stay"),
            answer,
        )
