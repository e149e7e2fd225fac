"""The Textual app: registers themes, holds the context, and moves between screens. Nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App
from textual.binding import Binding

from herenow.config import Keys, save_setting
from herenow.context import AppContext
from herenow.store.records import SessionRecord
from herenow.themes import DEFAULT_THEME

TITLE = "herenow"
PUSH_TITLE, POP_TITLE = "\x1b[22;0t", "\x1b[23;0t"  # xterm window operations: save / restore the title


@dataclass
class SessionOptions:
    deck_names: list[str] | None = None
    planned_seconds: float | None = None
    compact: bool = False


class HerenowApp(App[int]):
    TITLE = TITLE
    CSS_PATH = "herenow.tcss"
    BINDINGS = [Binding("ctrl+q", "request_quit", "Quit", show=False, priority=True)]

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
        for item in ctx.themes.themes.values():
            self.register_theme(item.theme.to_textual())
        wanted = theme or ctx.config.theme
        self._remember_theme = False
        self.theme = wanted if wanted in self.available_themes else (
            DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark")
        self.set_keymap(keymap(ctx.config.keys))

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Defaults for herenow's own CSS variables, so any theme (Textual's built-in ones too) works."""
        theme = self.current_theme
        background = theme.background or ("#000000" if theme.dark else "#ffffff")
        foreground = theme.foreground or ("#e0e0e0" if theme.dark else "#202020")
        return {
            "cue-text": foreground,
            "timer-text": foreground,
            "bar-fill": theme.accent or theme.primary,
            "bar-empty": theme.panel or theme.surface or background,
            "blank-background": background,
        }

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
        if self.start == "session":
            self.start_session(self.session_options)
        elif self.start == "review":
            from herenow.ui.screens.review import ReviewScreen

            self.push_screen(ReviewScreen())
        elif self.start == "workshop":
            from herenow.ui.screens.workshop import WorkshopScreen

            self.push_screen(WorkshopScreen(self.start_deck))
        else:
            from herenow.ui.screens.home import HomeScreen

            self.push_screen(HomeScreen())

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
        from herenow.ui.screens.session import SessionScreen

        options = options or SessionOptions()
        problems = self.ctx.reload_decks()
        names = options.deck_names or self.ctx.config.decks
        decks, missing = self.ctx.resolve_decks(names)
        if not decks:
            decks = self.ctx.default_decks()
        notes = [f"No deck named {name!r}; left out." for name in missing] + [str(p) for p in problems]
        self.push_screen(SessionScreen(decks, planned_seconds=options.planned_seconds, compact=options.compact,
                                       notes=notes))

    def reflect_on(self, record: SessionRecord, *, replace: bool = True) -> None:
        from herenow.ui.screens.reflection import ReflectionScreen

        screen = ReflectionScreen(record)
        if replace and len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def go_home(self, message: str | None = None) -> None:
        """Back to the home screen, which then shows ``message`` quietly if one is given ("Reflection saved.")."""
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
    return {f"session.{action}": value for action, value in keys.model_dump().items()}
