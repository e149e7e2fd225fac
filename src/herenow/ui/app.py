"""The Textual app: registers themes, holds the context, and moves between screens. Nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.reactive import Reactive
from textual.screen import Screen

from herenow.config import Keys, save_setting
from herenow.context import AppContext
from herenow.store.records import SessionRecord
from herenow.themes import DEFAULT_THEME, offered_themes, variable_defaults
from herenow.ui.options import SessionOptions

if TYPE_CHECKING:
    from herenow.decks.draft import DeckDraft
    from herenow.store.reflections import Query, Reflection

__all__ = ["HerenowApp", "SessionOptions", "keymap"]

TITLE = "herenow"
PUSH_TITLE, POP_TITLE = "\x1b[22;0t", "\x1b[23;0t"  # xterm window operations: save / restore the title


def _blank_screen():
    from herenow.ui.screens.blank import BlankScreen

    return BlankScreen()


class HerenowApp(App[int]):
    """Screens never import each other: they ask the app, by name (``push_screen("blank")``) or through the
    navigation methods below, which are the only place that knows which class draws which screen."""

    TITLE = TITLE
    CSS_PATH = "herenow.tcss"
    SCREENS = {"blank": _blank_screen}
    BINDINGS = [Binding("ctrl+q", "request_quit", "Quit", show=False, priority=True)]
    # Our default theme as the reactive's own default: setting it in __init__ would make Textual parse every
    # stylesheet a second time before the first frame (~10 ms). Another theme is set in __init__ as usual.
    theme: Reactive[str] = Reactive(DEFAULT_THEME)
    _themes_in = False  # set once __init__ has registered herenow's themes (see get_css_variables)

    def __init__(self, ctx: AppContext, *, start: str = "home", session: SessionOptions | None = None,
                 theme: str | None = None, deck: str | None = None) -> None:
        super().__init__()
        from herenow.ui.colour import honour_no_color

        honour_no_color(self)  # NO_COLOR: no colour at all; 16 colours: characters carry what colour cannot
        self.title_pushed = False
        self.ctx = ctx
        self.start = start
        self.start_deck = deck  # start="workshop": open this deck straight away
        self.session_options = session or SessionOptions()
        # In a browser (`herenow serve`): "lan" shows the session screen only, never a reflection or the home screen.
        self.served = self.session_options.served
        for item in ctx.themes.themes.values():
            self.register_theme(item.theme.to_textual())
        # The picker (ctrl+p) lists available_themes: keep only those --theme accepts (contrast-checked).
        offered = offered_themes(ctx.themes)
        for name in list(self.available_themes):
            if name not in offered:
                self.unregister_theme(name)
        self._themes_in = True
        wanted = theme or ctx.config.theme
        self._remember_theme = False
        self.theme = wanted if wanted in self.available_themes else (
            DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark")
        if self.theme == DEFAULT_THEME:  # unchanged, so Textual's watcher did not run: what it would have done
            dark = self.current_theme.dark
            self.set_class(True, f"-theme-{DEFAULT_THEME}", update=False)
            self.set_class(dark, "-dark-mode", update=False)
            self.set_class(not dark, "-light-mode", update=False)
        self.stylesheet.set_variables(self.get_css_variables())
        self.set_keymap(keymap(ctx.config.keys))
        self.watchdog = None  # set when closed from outside: a last resort if closing the terminal hangs

    def get_default_screen(self) -> Screen:
        """The screen asked for is the first on the stack, not pushed over Textual's blank one: nothing to compose,
        style and leave before the first frame (a session's cue and time show ~8 ms sooner, issue 12), and no empty
        screen to land on when leaving it (back from it closes herenow, see ``leave``)."""
        screen = self._first_screen()
        # Textual gives its first screen no result callback, so switch_screen() away from it fails (Textual issue
        # #2650): give it the one switch_screen() gives each screen it puts on the stack.
        screen._push_result_callback(screen, None)
        return screen

    def _first_screen(self) -> Screen:
        if self.start == "session":  # the decks were read a moment ago, as the app started
            return self._session_screen(self.session_options, reread_decks=False)
        if self.start == "review":
            from herenow.ui.screens.review import ReviewScreen

            return ReviewScreen()
        if self.start == "workshop":
            from herenow.ui.screens.workshop import WorkshopScreen

            return WorkshopScreen(self.start_deck)
        from herenow.ui.screens.home import HomeScreen

        return HomeScreen()

    def leave(self, screen: Screen, result: Any = None) -> None:
        """Back from ``screen`` to the one below it; from the screen herenow started on, close herenow."""
        if len(self.screen_stack) > 1:
            screen.dismiss(result)
        else:
            self.exit(0)

    def get_css_variables(self) -> dict[str, str]:
        """The theme's colours as CSS variables. Textual's own __init__ asks before herenow's themes are registered
        (so for a theme that is not ours): that first answer is skipped, and ours set once they are in (~1.5 ms of
        every start, issue 12)."""
        return super().get_css_variables() if self._themes_in else {}

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Defaults for herenow's own CSS variables, so any theme (Textual's built-in ones too) works."""
        theme = self.current_theme
        background = theme.background or ("#000000" if theme.dark else "#ffffff")
        foreground = theme.foreground or ("#e0e0e0" if theme.dark else "#202020")
        return variable_defaults(foreground=foreground, background=background, primary=theme.primary,
                                 accent=theme.accent, panel=theme.panel, surface=theme.surface)

    def on_resize(self, event) -> None:
        self._fit_classes()

    def _fit_classes(self) -> None:
        """Classes the stylesheet reflows by: -medium (under 72 columns), -narrow (under 60), -short (16 lines)."""
        width, height = self.size
        self.set_class(width < 72, "-medium")
        self.set_class(width < 60, "-narrow")
        self.set_class(height < 16, "-short")

    def on_mount(self) -> None:
        self._fit_classes()
        self._remember_theme = True
        self._neutral_window_title()
        if not self.is_headless:
            self._handle_signals()
        self.call_after_refresh(_freeze_startup_objects)

    # ---------------------------------------------------------------- closed from outside
    def _handle_signals(self) -> None:
        """SIGHUP (the terminal window closed) and SIGTERM (logout, shutdown) close the app like a quit: what is on
        screen is written first, then Textual's driver restores the terminal (alternate screen left, mouse off)."""
        import asyncio
        import signal

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, self.close_from_outside, signum)
            except (NotImplementedError, RuntimeError, ValueError, AttributeError):  # pragma: no cover - Windows
                pass

    def close_from_outside(self, signum: int) -> None:
        """Write every screen's state now, synchronously (the session record, the reflection draft), then exit."""
        import os
        import threading

        for screen in reversed(self.screen_stack):
            flush = getattr(screen, "flush", None)
            if callable(flush):
                try:
                    flush()
                except Exception:  # noqa: BLE001 - the next screen's words matter as much; keep going
                    pass
        if not self.is_headless:
            # Everything is on disk. If the terminal is gone and closing hangs on it, do not hang with it
            # (A daemon thread: a normal exit does not wait for it.)
            self.watchdog = threading.Timer(5.0, os._exit, (128 + signum,))
            self.watchdog.daemon = True
            self.watchdog.start()
        self.exit(return_code=128 + signum)

    def on_unmount(self) -> None:
        self.ctx.records.release_all()  # the sessions stay waiting for a reflection, free for any window

    def _neutral_window_title(self) -> None:
        """The terminal's title bar shows only "herenow": never a cue, a time or anything about a client."""
        driver = self._driver
        if driver is not None and not self.is_headless:
            # Push the terminal's own title first (xterm's title stack, which tmux and most terminals keep), so
            # restore_window_title() gives it back on exit.
            driver.write(f"{PUSH_TITLE}\x1b]2;{TITLE}\x07")
            self.title_pushed = True

    def watch_theme(self, theme: str) -> None:
        """Textual does not remember the theme: we do, in config.toml."""
        if self._remember_theme and theme != self.ctx.config.theme and theme in self.available_themes:
            self.ctx.config.theme = theme
            problem = save_setting("theme", theme)
            if problem is not None:
                self.notify(str(problem), title="Theme not remembered", severity="warning")

    def action_request_quit(self) -> None:
        """ctrl+q: a screen with something to lose (a running session, unsaved edits) asks first."""
        ask = getattr(self.screen, "confirm_quit", None)
        if callable(ask):
            ask()
        else:
            self.exit(0)

    # ---------------------------------------------------------------- navigation used by several screens
    def start_session(self, options: SessionOptions | None = None) -> None:
        self.push_screen(self._session_screen(options or SessionOptions()))

    def _session_screen(self, options: SessionOptions, *, reread_decks: bool = True) -> Screen:
        from herenow.ui.screens.session import SessionScreen

        # Decks edited in another editor meanwhile are picked up.
        problems = self.ctx.reload_decks() if reread_decks else self.ctx.decks.problems
        names = options.resume.decks if options.resume is not None else (options.deck_names or self.ctx.config.decks)
        decks, missing = self.ctx.resolve_decks(names)
        if not decks:
            decks = self.ctx.default_decks()
        notes = [f"No deck named {name!r}; left out." for name in missing] + [str(p) for p in problems]
        return SessionScreen(decks, planned_seconds=options.planned_seconds, compact=options.compact, notes=notes,
                             first_session=options.first_session, resume=options.resume,
                             touch=self.served is not None)

    def resume_session(self, record: SessionRecord) -> None:
        """Carry on a session left behind (the home screen's "resume")."""
        self.start_session(SessionOptions(resume=record, served=self.served))

    def session_kept(self) -> None:
        """Served over the local network, after "end": the browser says where the reflection waits, nothing more."""
        from herenow.ui.screens.kept import KeptScreen

        self.switch_screen(KeptScreen())

    def reflect_on(self, record: SessionRecord, *, replace: bool = True, draft: Reflection | None = None) -> None:
        """The reflection form on ``record``; ``draft``: carry on with a kept draft of it."""
        if self.served == "lan":  # no reflection text ever crosses the network
            self.session_kept()
            return
        from herenow.ui.screens.reflection import ReflectionScreen

        screen = ReflectionScreen(record, draft=draft)
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def go_home(self, message: str | None = None) -> None:
        """Back to the home screen, which then shows ``message`` quietly if one is given ("Reflection saved.")."""
        if self.served == "lan":  # the home screen lists reflections waiting: not over the network
            self.session_kept()
            return
        from herenow.ui.screens.home import HomeScreen

        if any(isinstance(s, HomeScreen) for s in self.screen_stack):
            while not isinstance(self.screen, HomeScreen):
                self.pop_screen()
            home = self.screen
            home.refresh_state()
        else:
            home = HomeScreen()
            self.switch_screen(home)
        if message:
            # Queued after the home screen's own mount and resume refreshes, so the message is what stays.
            home.call_later(_say_at_home, home, message)


    def open_review(self) -> None:
        if self.served == "lan":
            return
        from herenow.ui.screens.review import ReviewScreen

        self.push_screen(ReviewScreen())

    def open_workshop(self, on_close: Callable[[Any], None] | None = None) -> None:
        from herenow.ui.screens.workshop import WorkshopScreen

        self.push_screen(WorkshopScreen(), on_close)

    def edit_deck(self, draft: DeckDraft, *, replace: bool = False) -> None:
        """The deck editor on ``draft``; ``replace``: instead of the current screen (an editor on another deck)."""
        from herenow.ui.screens.deck_editor import DeckEditorScreen

        screen = DeckEditorScreen(draft)
        self.switch_screen(screen) if replace else self.push_screen(screen)

    def decks_changed(self, select: str | None = None) -> None:
        """A deck file was made or renamed: the deck list under the current screen shows it (``select``ed)."""
        from herenow.ui.screens.workshop import WorkshopScreen

        for screen in self.screen_stack:
            if isinstance(screen, WorkshopScreen):
                screen.refresh_list(select=select)

    def preview_cues(self, cues: list[tuple[str, str]], index: int, back: Callable[[int | None], None]) -> None:
        """The cues as a session shows them; ``back`` gets the index shown last."""
        from herenow.ui.screens.cue_preview import CuePreviewScreen

        self.push_screen(CuePreviewScreen(cues, index), back)

    def view_reflections(self, rids: list[int], index: int, back: Callable[[Any], None]) -> None:
        """Reflections one at a time (index row ids), starting at ``rids[index]``."""
        from herenow.ui.screens.reflection_view import ReflectionViewScreen

        self.push_screen(ReflectionViewScreen(rids, index), back)

    def open_trends(self, query: Query, words: str) -> None:
        from herenow.ui.screens.trends import TrendsScreen

        self.push_screen(TrendsScreen(query, words))


def _freeze_startup_objects() -> None:
    """Leave what starting up made (modules, styles, widgets: most of the heap) out of later garbage collections:
    a full collection then takes a few ms instead of 60-80 ms, so it no longer shows as a key that lags."""
    import gc

    gc.freeze()


def restore_window_title(app: HerenowApp) -> None:
    """After the app has left the terminal: the title it had before herenow started comes back."""
    import sys

    if app.title_pushed:
        stream = sys.__stdout__
        if stream is not None:
            try:
                stream.write(POP_TITLE)
                stream.flush()
            except (OSError, ValueError):
                pass


def _say_at_home(home, message: str) -> None:
    home.show_message(message)
    home.refresh_state()  # uses the message once: it does not come back on a later return to the home screen


def keymap(keys: Keys) -> dict[str, str]:
    """Config key names -> Textual binding ids (``session.next_cue`` ...)."""
    return {f"session.{action}": value for action, value in asdict(keys).items()}
