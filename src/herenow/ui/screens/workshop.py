"""The deck workshop: every deck, built-in and the user's, with where each comes from; open one to edit it.

A built-in deck stays as it is: "make my own copy" copies it into the user decks folder and opens the copy.
Import checks a shared deck file before copying it in; export writes a deck to a path.
"""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from herenow.decks.library import LoadedDeck
from herenow.ui.dialogs import Choice, PathPrompt, confirm
from herenow.decks.draft import DeckDraft, WorkshopError, export_deck, export_target, import_deck, make_own_copy


def _home_relative(path: Path) -> str:
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class WorkshopScreen(Screen[None]):
    DEFAULT_CSS = """
    WorkshopScreen { layout: vertical; }
    WorkshopScreen #ws { padding: 1 2 0 2; height: 1fr; }
    WorkshopScreen #ws-title { text-style: bold; color: $primary; height: 1; }
    WorkshopScreen #ws-intro { color: $foreground-muted; height: auto; margin-bottom: 1; }
    WorkshopScreen #ws-decks { height: 1fr; min-height: 3; border: none; padding: 0; background: $background; }
    WorkshopScreen #ws-about { height: auto; max-height: 4; margin-top: 1; color: $foreground-muted; }
    WorkshopScreen #ws-problems { color: $warning; height: auto; max-height: 4; }
    WorkshopScreen #ws-message { height: auto; max-height: 3; color: $foreground; }
    WorkshopScreen #ws-message.problem { color: $warning; }
    """
    BINDINGS = [
        Binding("enter", "open", "open", show=True),
        Binding("c", "own_copy", "my own copy"),
        Binding("i", "import_deck", "import"),
        Binding("x", "export_deck", "export"),
        Binding("escape,q", "back", "back"),
        Binding("v", "show_problems", "all problems", show=False),
    ]

    def __init__(self, deck: str | None = None) -> None:
        super().__init__()
        self.open_first = deck

    def compose(self) -> ComposeResult:
        with Vertical(id="ws"):
            yield Static("Decks", id="ws-title")
            yield Static("enter opens a deck. Built-in decks stay as they are: make your own copy to change "
                         "one. Yours live in your decks folder.", id="ws-intro")
            yield OptionList(id="ws-decks")
            yield Static("", id="ws-about", markup=False)
            yield Static("", id="ws-problems", markup=False)
            yield Static("", id="ws-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_list()
        self.query_one("#ws-decks", OptionList).focus()
        if self.open_first:
            name, self.open_first = self.open_first, None
            if self.app.ctx.decks.get(name) is None:
                self.say(f"No deck named {name!r}.", problem=True)
            else:
                self.call_after_refresh(self.open_deck, name)

    def on_screen_resume(self) -> None:
        self.refresh_list()

    # ---------------------------------------------------------------- the list
    def refresh_list(self, select: str | None = None) -> None:
        """Read the decks again (edits in other editors show up here) and rebuild the list."""
        ctx = self.app.ctx
        ctx.reload_decks()
        listing = self.query_one("#ws-decks", OptionList)
        current = select or (listing.highlighted_option.id if listing.highlighted_option else None)
        names = sorted(ctx.decks.names(), key=lambda n: (ctx.decks.decks[n].origin != "user",
                                                         ctx.decks.decks[n].deck.title.lower()))
        width = max(20, self.app.size.width - 30)
        options = []
        for name in names:
            item = ctx.decks.decks[name]
            title = item.deck.title
            title = set_cell_size(title, width) if cell_len(title) > width else title + " " * (width - cell_len(title))
            count = len(item.deck.cues)
            options.append(Option(Text(f"{title}  {count:>3} {'cue ' if count == 1 else 'cues'}  "
                                       f"{self._origin(item)}", no_wrap=True, overflow="ellipsis"), id=name))
        listing.set_options(options)
        if options:
            ids = [o.id for o in listing.options]
            listing.highlighted = ids.index(current) if current in ids else 0
        self._show_about()
        problems = [str(p) for p in ctx.decks.problems]
        box = self.query_one("#ws-problems", Static)
        box.update("\n".join(problems[:3]) + (f"\n(and {len(problems) - 3} more: v shows them all)"
                                              if len(problems) > 3 else ""))
        box.display = bool(problems)

    @staticmethod
    def _origin(item: LoadedDeck) -> str:
        if item.origin == "built-in":
            return "built-in"
        return "yours, used instead of the built-in one" if item.overrides_builtin else "yours"

    def say(self, text: str, *, problem: bool = False) -> None:
        """A one-line message under the list (what was imported, exported, or why not); stays until the next."""
        message = self.query_one("#ws-message", Static)
        message.update(text)
        message.set_class(problem, "problem")

    def _selected(self) -> LoadedDeck | None:
        option = self.query_one("#ws-decks", OptionList).highlighted_option
        return self.app.ctx.decks.get(option.id) if option is not None and option.id else None

    @on(OptionList.OptionHighlighted, "#ws-decks")
    def _show_about(self) -> None:
        item = self._selected()
        about = ""
        if item is not None:
            where = "built in, shipped with herenow" if item.origin == "built-in" else _home_relative(item.path)
            about = f"{item.deck.description}\n{item.deck.name} · {where}".strip()
        self.query_one("#ws-about", Static).update(about)

    @on(OptionList.OptionSelected, "#ws-decks")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.open_deck(event.option.id)

    # ---------------------------------------------------------------- opening, copying
    def open_deck(self, name: str) -> None:
        item = self.app.ctx.decks.get(name)
        if item is None:
            return
        if item.origin == "built-in":
            def answer(choice: str | None) -> None:
                if choice == "copy":
                    self._copy(item)
                elif choice == "look":
                    self._edit(DeckDraft(item.deck, item.path, read_only=True))

            self.app.push_screen(Choice(
                f"“{item.deck.title}” is built in and stays as it is. Make your own copy to change it?",
                [("copy", "Make my own copy"), ("look", "Just look"), ("cancel", "Cancel")]), answer)
            return
        draft, problems = DeckDraft.open(item.path)
        if draft is None:
            self.say(f"Cannot open it: {problems[0]}", problem=True)
            self.refresh_list()
            return
        self._edit(draft)

    def _edit(self, draft: DeckDraft) -> None:
        self.app.edit_deck(draft)

    def _copy(self, item: LoadedDeck) -> None:
        try:
            _deck, path = make_own_copy(item.deck)
        except (ValueError, OSError) as exc:
            self.say(f"Could not make a copy: {getattr(exc, 'strerror', None) or exc}", problem=True)
            return
        draft, problems = DeckDraft.open(path)
        self.refresh_list(select=draft.name if draft else None)
        if draft is None:
            self.say(str(problems[0]), problem=True)
            return
        self.say(f"Your own copy of “{item.deck.title}”: {path.name}, in your decks folder.")
        self._edit(draft)

    def action_open(self) -> None:
        item = self._selected()
        if item is not None:
            self.open_deck(item.deck.name)

    def action_own_copy(self) -> None:
        """c: asks first (a copy is a new file), with "Make a copy" ready since c was pressed for it."""
        item = self._selected()
        if item is None:
            return

        def answer(choice: str | None) -> None:
            if choice == "copy":
                self._copy(item)

        self.app.push_screen(Choice(f"Make your own copy of “{item.deck.title}”?",
                                    [("copy", "Make a copy"), ("cancel", "Cancel")], focus="copy"), answer)

    # ---------------------------------------------------------------- import, export
    def action_import_deck(self) -> None:
        def chosen(text: str | None) -> None:
            if text:
                self._import(Path(text))

        self.app.push_screen(PathPrompt("Import a deck file someone shared with you. Its path:",
                                        placeholder="~/Downloads/their-deck.toml"), chosen)

    def _import(self, source: Path, overwrite: bool = False) -> None:
        try:
            result = import_deck(source, overwrite=overwrite)
        except WorkshopError as exc:
            found = [str(p) for p in getattr(exc, "problems", [])]
            self._import_problems = (source, found)
            if len(found) > 1:  # every problem at once, not one per attempt
                self.say(f"Not imported: {found[0]} (and {len(found) - 1} more: v shows them all)", problem=True)
                self.action_show_problems()
            else:
                self.say(f"Not imported: {exc}", problem=True)
            return
        if result.status == "exists":
            def answer(choice: str | None) -> None:
                if choice == "yes":
                    self._import(source, overwrite=True)

            self.app.push_screen(confirm(f"{result.message}\nReplace it with the one from {source.name}?",
                                         "Replace", "Keep mine"), answer)
            return
        self._import_problems = (None, [])
        self.refresh_list(select=result.deck.name)
        self.say(result.message)

    def action_show_problems(self) -> None:
        """v: the full list behind "(and 3 more)": the last import's problems, else those of the decks folder."""
        from herenow.ui.problem_list import ProblemList

        source, found = getattr(self, "_import_problems", (None, []))
        if len(found) > 1:
            self.app.push_screen(ProblemList(f"{source.name} was not imported: {len(found)} problems", found))
            return
        problems = [str(p) for p in self.app.ctx.decks.problems]
        if problems:
            self.app.push_screen(ProblemList(f"Problems with deck files: {len(problems)}", problems))

    def action_export_deck(self) -> None:
        item = self._selected()
        if item is None:
            return

        from herenow.ui.export_place import export_place, suggested

        def chosen(text: str | None) -> None:
            if text:
                self._export(item, export_place(text))  # a bare name goes to the exports folder

        self.app.push_screen(PathPrompt(f"Export “{item.deck.title}” to a file or a folder:",
                                        value=suggested(f"{item.deck.name}.toml")), chosen)

    def _export(self, item: LoadedDeck, destination: Path, overwrite: bool = False) -> None:
        try:
            target = export_deck(item.deck, destination, overwrite=overwrite)
        except FileExistsError:
            def answer(choice: str | None) -> None:
                if choice == "yes":
                    self._export(item, destination, overwrite=True)

            target = export_target(item.deck.name, destination)
            self.app.push_screen(confirm(f"{target} already exists. Replace it?", "Replace", "Keep it"), answer)
            return
        except WorkshopError as exc:
            self.say(f"Not exported: {exc}", problem=True)
            return
        self.say(f"Exported to {target.resolve()}")

    def action_back(self) -> None:
        self.app.leave(self)
