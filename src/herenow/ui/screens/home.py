"""The home screen: start a session, reflect on one waiting, past reflections, decks, theme."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from herenow.store.records import SessionRecord
from herenow.ui.widgets.tick_list import TickBox, TickList
from herenow.ui.widgets.waiting import waiting_rows


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("s", "start", "start"),
        Binding("r", "review", "reflections"),
        Binding("d", "decks", "decks"),
        Binding("f", "first", "first session", show=False),
        Binding("t", "theme", "theme"),
        Binding("q", "quit", "quit"),
        Binding("n", "not_now", "not now"),
        Binding("x", "dismiss", "dismiss"),
        Binding("v", "see_all", "all waiting", show=False),
        Binding("h", "protect_later", "not now", show=False),  # n and x belong to waiting sessions
        Binding("H", "protect_never", "never", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._pending: list[SessionRecord] = []
        self._drafts: list = []
        self._in_other_windows: list[SessionRecord] = []
        self._show_all = False  # v: every waiting session, set-aside ones too, instead of the newest few
        self._locked: list[str] = []
        self._offer_hidden = False

    def compose(self) -> ComposeResult:
        with Vertical(id="home"):
            yield Static("herenow", id="home-title")
            yield Static("", id="home-waiting", markup=False)
            yield OptionList(id="home-actions")
            yield TickBox("First session with this client", id="home-first", compact=True)
            yield Static("Decks for the next session", id="decks-label")
            yield TickList(id="home-decks")
            yield Static("", id="home-problems", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        ctx = self.app.ctx
        decks = self.query_one("#home-decks", SelectionList)
        for name in ctx.decks.names():
            item = ctx.decks.decks[name]
            count = len(item.deck.cues)
            label = f"{item.deck.title}  ({count} cue{'s' if count != 1 else ''}{', mine' if item.origin == 'user' else ''})"
            decks.add_option((label, name, name in ctx.config.decks))
        self.refresh_state()
        self.query_one("#home-actions", OptionList).focus()

    def refresh_state(self) -> None:
        """Re-read what is waiting (session records, drafts) and rebuild the action list."""
        from herenow.reflecting import find_waiting
        from herenow.store.drafts import DraftStore

        ctx = self.app.ctx
        # Leftovers whose reflection is saved are tidied away first; a session in use in another window is
        # shown as running there, never offered here.
        waiting = find_waiting(ctx.records, DraftStore(), ctx.store)
        self._pending, self._drafts, self._in_other_windows = waiting.records, waiting.drafts, waiting.running
        self._locked = waiting.locked
        presets = ctx.config.presets or [ctx.config.session_minutes]
        actions = self.query_one("#home-actions", OptionList)
        actions.clear_options()
        # Start stays at the top, however many sessions wait; then the few most recent waiting ones.
        default = ctx.config.session_minutes
        actions.add_option(Option(f"Start a {default}-minute session", id=f"start:{default}"))
        for minutes in presets:
            if minutes != default:
                actions.add_option(Option(f"Start a {minutes}-minute session", id=f"start:{minutes}"))
        for option in waiting_rows(self._drafts, self._pending, show_all=self._show_all, now=ctx.now()):
            actions.add_option(option)
        for record_id in self._locked:  # sealed, and no passphrase yet: the date and time from the file name
            actions.add_option(Option(f"Reflect on the session from {_when(record_id)} (asks for your passphrase)",
                                      id=f"locked:{record_id}"))
        actions.add_option(Option("Past reflections", id="review"))
        actions.add_option(Option("Decks: browse and edit", id="workshop"))
        actions.add_option(Option("Choose a theme", id="theme"))
        actions.add_option(Option("Quit", id="quit"))
        message, self._message = getattr(self, "_message", None), None  # a message from show_message, used once
        self.query_one("#home-waiting", Static).update("\n".join(
            [" ".join(t for t in (message, self._waiting_text()) if t) or
             "A cue card and a calm timer for the session; a short reflection after.",
             # Quiet lines (the offer to protect, the retention reminder) give way in a very short window, where
             # the decks need the room; `herenow protect --status` and `prune` say the same from the command line.
             *(self._quiet_lines() if self.app.size.height >= 16 else [])]))
        from herenow.decks.checks import missing_config_decks
        from herenow.store.paths import locations

        missing = missing_config_decks(ctx.config, ctx.decks, str(locations().config_file))
        problems = [str(p) for p in ctx.problems + missing + waiting.problems]
        box = self.query_one("#home-problems", Static)
        box.update("\n".join(problems[:5]) + (f"\n(and {len(problems) - 5} more)" if len(problems) > 5 else ""))
        box.display = bool(problems)
        actions.highlighted = 0

    def _quiet_lines(self) -> list[str]:
        """The offer to protect (until declined) and the retention reminder: one quiet line each."""
        from herenow.store.protection import current

        ctx = self.app.ctx
        lines = []
        if ctx.config.protect_offer == "ask" and not self._offer_hidden and not current().protected:
            lines.append("Reflections are plain files; herenow protect seals them (h later · H never)")
        if ctx.config.retention_years > 0:
            from herenow.store.retention import cutoff, older_than, years_period

            import datetime as dt

            period = years_period(ctx.config.retention_years)
            old = older_than(ctx.store.root, cutoff(period, dt.date.today()))
            if old:
                lines.append(f"{len(old)} reflection{'s are' if len(old) != 1 else ' is'} older than your "
                             f"{ctx.config.retention_years:g}-year retention: herenow reflections prune "
                             f"--older-than {period[0]}{period[1]}")
        return lines

    def action_protect_later(self) -> None:
        self._offer_hidden = True  # offered again at the next start
        self.refresh_state()

    def action_protect_never(self) -> None:
        from herenow.config import save_setting

        self._offer_hidden = True
        problem = save_setting("protect_offer", "never")
        if problem is None:
            self.app.ctx.config.protect_offer = "never"
        self.refresh_state()

    def _unlock_then(self, record_id: str) -> None:
        """Ask for the passphrase in the app (three tries), then open what was waiting under ``record_id``."""
        from herenow.store.protection import current
        from herenow.ui.dialogs import UnlockPrompt

        def opened(ok: bool | None) -> None:
            if not ok:
                return
            self.refresh_state()
            draft = next((d for d in self._drafts if d.id == record_id), None)
            record = next((r for r in self._pending if r.id == record_id), None)
            if draft is not None:
                self.app.reflect_on(draft.session, draft=draft, replace=False)
            elif record is not None:
                self.app.reflect_on(record, replace=False)

        self.app.push_screen(UnlockPrompt(current(), "This session's notes are sealed."), opened)

    def _waiting_text(self) -> str:
        aside = sum(1 for r in self._pending if r.set_aside)
        waiting = len(self._drafts) + len(self._pending) - aside + len(self._locked)
        parts = [f"{waiting} session{'s' if waiting != 1 else ''} waiting for a reflection."] if waiting else []
        if aside:
            parts.append(f"({aside} set aside)")
        parts += [f"The session from {r.started:%a %d %b, %H:%M} is running in another window."
                  for r in self._in_other_windows]
        return " ".join(parts)

    def show_message(self, text: str) -> None:
        """A quiet line in place of the welcome text ("Reflection saved."); it lasts through the next refresh."""
        self._message = text
        if self.is_mounted:
            self.query_one("#home-waiting", Static).update(" ".join(t for t in (text, self._waiting_text()) if t))

    def on_screen_resume(self) -> None:
        self.refresh_state()

    def chosen_decks(self) -> list[str]:
        box = self.query_one("#home-decks", SelectionList)
        selected = set(box.selected)
        return [str(box.get_option_at_index(i).value) for i in range(box.option_count)
                if box.get_option_at_index(i).value in selected]  # in the order shown

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        choice = event.option.id or ""
        kind, _, value = choice.partition(":")
        if kind == "start":
            self._start(float(value) * 60)
        elif kind == "record":
            record = next(r for r in self._pending if r.id == value)
            self.app.reflect_on(record, replace=False)
        elif kind == "locked":
            self._unlock_then(value)
        elif kind == "resume":
            record = next(r for r in self._pending if r.id == value)
            self.app.resume_session(record)
        elif kind == "draft":
            draft = next(d for d in self._drafts if d.id == value)
            self.app.reflect_on(draft.session, draft=draft, replace=False)
        elif kind == "more":
            self.action_see_all()
        elif kind == "review":
            self.action_review()
        elif kind == "theme":
            self.action_theme()
        elif kind == "workshop":
            self.action_decks()
        elif kind == "quit":
            self.app.exit(0)

    def _start(self, planned_seconds: float | None = None) -> None:
        from herenow.ui.options import SessionOptions

        chosen = self.chosen_decks()
        if not chosen and self.query_one("#home-decks", SelectionList).option_count:
            self.show_message("No deck is ticked; tick one or more below for the session.")  # no silent fallback
            return
        self._remember_decks(chosen)
        self.app.start_session(SessionOptions(deck_names=chosen or None, planned_seconds=planned_seconds,
                                              first_session=self.query_one("#home-first", TickBox).value))

    def action_first(self) -> None:
        """f: tick or untick "First session with this client" (consent and "how this works" cues)."""
        box = self.query_one("#home-first", TickBox)
        box.value = not box.value

    def _remember_decks(self, chosen: list[str]) -> None:
        """The ticked decks are the next session's too, kept in config.toml the way the theme is."""
        from herenow.config import save_setting

        config = self.app.ctx.config
        if chosen and chosen != config.decks:
            config.decks = list(chosen)
            problem = save_setting("decks", list(chosen))
            if problem is not None:
                self.app.notify(str(problem), title="Decks not remembered", severity="warning")

    def action_start(self) -> None:
        self._start(self.app.ctx.config.session_minutes * 60)

    def action_review(self) -> None:
        from herenow.store.protection import current

        if current().locked:  # reading asks once per run, in the app
            from herenow.ui.dialogs import UnlockPrompt

            self.app.push_screen(UnlockPrompt(current()), lambda ok: self.app.open_review() if ok else None)
            return
        self.app.open_review()

    def action_decks(self) -> None:
        self.app.open_workshop(lambda _: self._refresh_decks())

    def _refresh_decks(self) -> None:
        """Decks made or changed in the workshop show up in the choice for the next session."""
        ctx = self.app.ctx
        box = self.query_one("#home-decks", SelectionList)
        chosen = set(box.selected)
        known = {str(box.get_option_at_index(i).value) for i in range(box.option_count)}
        box.clear_options()
        for name in ctx.decks.names():
            item = ctx.decks.decks[name]
            count = len(item.deck.cues)
            label = f"{item.deck.title}  ({count} cue{'s' if count != 1 else ''}{', mine' if item.origin == 'user' else ''})"
            box.add_option((label, name, name in chosen or (name not in known and name in ctx.config.decks)))

    # ---------------------------------------------------------------- waiting sessions (herenow.waiting)
    def _highlighted_waiting(self) -> tuple[str, str]:
        option = self.query_one("#home-actions", OptionList).highlighted_option
        kind, _, value = (option.id or "").partition(":") if option is not None else ("", "", "")
        return kind, value

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """n and x are offered (in the footer too) only on a waiting session's row."""
        if action in ("not_now", "dismiss"):
            return self._highlighted_waiting()[0] in ("record", "draft")
        return True

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()

    def _record(self, record_id: str) -> SessionRecord | None:
        return next((r for r in self._pending if r.id == record_id), None)

    def _waiting_record(self) -> SessionRecord | None:
        """The waiting session on the highlighted row, for n and x; a draft's row only says why not."""
        kind, value = self._highlighted_waiting()
        if kind == "draft":
            self.show_message("A draft keeps what you wrote: open it to finish it, or to discard it.")
            self.refresh_state()
            return None
        return self._record(value)

    def action_not_now(self) -> None:
        """n: set a waiting session aside (kept, listed with all of them), or bring a set-aside one back."""
        from herenow.waiting import set_aside

        record = self._waiting_record()
        if record is None:
            return
        try:
            set_aside(self.app.ctx.records, record, not record.set_aside)
        except OSError as exc:
            self.show_message(f"Could not set it aside: {exc.strerror or exc}")
            return
        self.show_message("Set aside; v lists it with all the waiting sessions." if record.set_aside
                          else "Back among the waiting sessions.")
        self.refresh_state()

    def action_dismiss(self) -> None:
        """x: dismiss a waiting session for good (asks first). No reflection is written; its record is kept."""
        from herenow.ui.dialogs import confirm
        from herenow.waiting import dismiss

        record = self._waiting_record()
        if record is None:
            return

        def answer(choice: str | None) -> None:
            if choice != "yes":
                return
            try:
                dismiss(self.app.ctx.records, record, dt.datetime.fromtimestamp(self.app.ctx.now()).astimezone())
            except OSError as exc:
                self.show_message(f"Could not dismiss it: {exc.strerror or exc}")
                return
            # After the home screen's own refresh on coming back from the question, so the message stays.
            self.call_after_refresh(self._say, "Dismissed; its record is kept in the sessions folder, under dismissed.")

        self.app.push_screen(confirm(
            f"Dismiss the {record.length_minutes}-minute session from {record.started:%a %d %b, %H:%M} for good?\n"
            "No reflection is written for it, and it is not offered again. Its record is kept.",
            "Dismiss", "Keep it"), answer)

    def _say(self, message: str) -> None:
        self.show_message(message)
        self.refresh_state()

    def action_see_all(self) -> None:
        """v: every waiting session (set-aside ones too), or back to the newest few."""
        self._show_all = not self._show_all
        self.refresh_state()

    def action_theme(self) -> None:
        self.app.search_themes()

    def action_quit(self) -> None:
        self.app.exit(0)


def _when(record_id: str) -> str:
    """``2026-11-17-1400-ab12`` -> ``Tue 17 Nov, 14:00`` (the id is the minute the session started)."""
    import datetime as dt

    try:
        return f"{dt.datetime.strptime(record_id[:15], '%Y-%m-%d-%H%M'):%a %d %b, %H:%M}"
    except ValueError:
        return record_id
