"""The review screen: past reflections as a table, newest first, filtered as you type.

Reads only the index (``herenow.store.index``), never the whole store; the table (``PagedTable``) holds a page of
rows at a time, the filters are a ``FilterBar``; what is listed and how is said in ``herenow.listing``, exported by
the CLI's code (``herenow.store.export``). The index is refreshed from the files in a background thread each time
the screen is shown. What is left here: the title and status lines, sorting, and asking before export and delete.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Select, Static

from herenow.listing import describe, is_filtered, ratings_text
from herenow.store.export import default_export_path, write_export, write_export_from_index
from herenow.store.index import IndexRow, Matches, RefreshResult, ReflectionIndex
from herenow.store.reflections import Query
from herenow.text import plural, shorten
from herenow.ui.widgets.filter_bar import FilterBar
from herenow.ui.widgets.paged_table import PagedTable

# column key, label, default direction (True = descending)
COLUMNS = [("date", "Date", True), ("length", "Length", True), ("decks", "Decks", False),
           ("ratings", "Ratings", True), ("tags", "Tags", False), ("preview", "First words", False)]
LABELS = {key: label for key, label, _desc in COLUMNS}
DESCENDING_FIRST = {key: desc for key, _label, desc in COLUMNS}
SORT_MARK = 2  # " ▼" after the label of the column the table is sorted by
QUIET_AFTER_TYPING = 0.5  # seconds after the last filter change before the background check goes on


def column_widths(width: int, sorted_by: str | None = None) -> dict[str, int]:
    """Widths of the columns for a screen ``width`` wide (each column also takes 2 cells of padding).

    The date always has its time (two sessions on one day must not look alike). The column ``sorted_by`` is made
    wide enough for its label and the arrow, taking the room from the first words (or, when those are the sorted
    column, from the tags)."""
    if width >= 110:
        fixed = {"date": 16, "length": 6, "decks": 22, "ratings": 7, "tags": 20}
    elif width >= 90:
        fixed = {"date": 16, "length": 6, "decks": 14, "ratings": 7, "tags": 14}
    else:
        fixed = {"date": 16, "length": 6, "decks": 11, "ratings": 7, "tags": 10}
    used = sum(fixed.values()) + 2 * len(COLUMNS) + 4  # cell padding, scrollbar, screen padding
    widths = {**fixed, "preview": max(12, width - used)}
    if sorted_by in widths:
        short = len(LABELS[sorted_by]) + SORT_MARK - widths[sorted_by]
        if short > 0:
            widths[sorted_by] += short
            donor = "tags" if sorted_by == "preview" else "preview"
            widths[donor] = max(widths[donor] - short, 4)
    return widths


def order_words(order: str, descending: bool) -> str:
    if order == "date":
        return "newest first" if descending else "oldest first"
    if order in ("length", "ratings"):
        return "high to low" if descending else "low to high"
    return "Z to A" if descending else "A to Z"


class ReviewScreen(Screen[None]):
    DEFAULT_CSS = """
    ReviewScreen { layout: vertical; }
    #review { height: 1fr; padding: 0 1; }
    #review-title { height: 1; }
    #review-table { height: 1fr; margin-top: 1; background: $background; }
    #review-empty { height: 1fr; content-align: center middle; text-align: center; color: $foreground-muted;
                    display: none; }
    ReviewScreen.empty #review-empty { display: block; }
    ReviewScreen.empty #review-table, ReviewScreen.empty FilterBar { display: none; }
    #review-status { height: auto; max-height: 2; color: $foreground-muted; }
    """

    BINDINGS = [
        Binding("slash", "focus_filter", "filter"),
        Binding("s", "sort", "sort"),
        Binding("r", "reverse", "reverse", show=False),
        Binding("t", "trends", "trends"),
        Binding("e", "export", "export"),
        Binding("d,delete", "delete", "delete"),
        Binding("escape", "back", "back"),
        Binding("down", "to_table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.order = "date"
        self.descending = True
        self.query_now = Query()
        self.total = 0
        self.shown_once = False
        self._total_stale = True
        self._widths: dict[str, int] = {}
        self._message = ""
        self._problems_line = ""
        self.last_export: Path | None = None
        self._building = False
        self.matches: Matches | None = None
        # Set while nobody is typing in the filter; the background check of every file waits while it is clear.
        self._quiet = threading.Event()
        self._quiet.set()
        self._quiet_timer: Timer | None = None

    # ------------------------------------------------------------------ building
    def compose(self) -> ComposeResult:
        with Vertical(id="review"):
            yield Static("", id="review-title")
            yield FilterBar(id="review-filters")
            yield PagedTable(self._fetch, self._render_row, lambda row: row.rid, id="review-table")
            yield Static("No reflections yet.\n\nAfter a session, the short reflection you write is kept here,\n"
                         "ready to look back on.", id="review-empty")
            yield Static("", id="review-status", markup=False)
        yield Footer()

    @property
    def index(self) -> ReflectionIndex:
        return self.app.ctx.store.index()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#review-table", PagedTable)

    @property
    def filters(self) -> FilterBar:
        return self.query_one("#review-filters", FilterBar)

    @property
    def rids(self) -> Sequence[int]:
        """The index ids of the reflections listed, in the table's order (loaded into the table or not)."""
        return self.matches if self.matches is not None else []

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.app.ctx.now()).date()

    def on_mount(self) -> None:
        self._set_columns(self.app.size.width)
        if self.index.ready():
            self.apply_filter()  # the tags and decks to choose from follow from the worker (55 ms each at 100k)
            self._show_problems()
        else:
            # The first build runs in the worker; until it is done no query is made (one would wait for it).
            self._building = True
            self._set_title("Past reflections", "reading them for the first time…")
        self.table.focus()
        self.refresh_index()

    def on_screen_resume(self) -> None:
        if self.shown_once:
            self.refresh_index()

    def on_resize(self) -> None:
        if column_widths(self.size.width, self.order) != self._widths:
            self._set_columns(self.size.width)
            self.table.redraw()

    def _set_columns(self, width: int) -> None:
        self._widths = column_widths(width, self.order)
        arrow = {self.order: f" {'▼' if self.descending else '▲'}"}
        self.table.set_columns([(key, label + arrow.get(key, ""), self._widths[key]) for key, label, _ in COLUMNS])

    def _fetch(self, offset: int, limit: int) -> list[IndexRow]:
        return self.matches.rows(offset, limit) if self.matches is not None else []

    def _render_row(self, row: IndexRow) -> list[Text]:
        w = self._widths
        # Text, not str: the user's words are never read as markup (and it is quicker).
        return [Text(f"{row.started:%Y-%m-%d %H:%M}"), Text(f"{row.length_minutes} min"),
                Text(shorten(", ".join(row.decks), w["decks"])), Text(ratings_text(row.ratings)),
                Text(shorten(", ".join(row.tags), w["tags"])), Text(shorten(row.preview, w["preview"]))]

    # ------------------------------------------------------------------ keeping the index fresh
    @work(thread=True, exclusive=True, group="review-refresh")
    def refresh_index(self) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._set_title, "Past reflections",
                                      f"reading them for the first time… {done:,} of {total:,}")

        # The cheap check first (folders' times: what the table shows is right at once), then every file's, which
        # also finds a file an editor rewrote in place; both in this worker, never on the screen's thread. The
        # second waits until the rows are drawn: at 100,000 files it is a second of work that would slow them.
        result = self.index.refresh(progress)
        drawn = threading.Event()
        self.app.call_from_thread(self._after_refresh, result, self._choices(), drawn)
        drawn.wait(2)
        full = self.index.refresh(full=True, between=lambda: self._quiet.wait(1.0))
        if full.changed or full.bad:
            self.app.call_from_thread(self._after_refresh, full, self._choices())

    def _choices(self) -> tuple[list[str], list[str]]:
        """The tags and decks used so far (each reads every row: done in the worker)."""
        return self.index.known_tags(), self.index.known_decks()

    def _after_refresh(self, result: RefreshResult, choices: tuple[list[str], list[str]],
                       drawn: threading.Event | None = None) -> None:
        self._building = False
        self._total_stale = True
        self.filters.set_choices(*choices)
        self._show_problems()
        if result.changed or result.rebuilt or not self.shown_once or result.bad:
            self.apply_filter(keep_cursor=True)
        if drawn is not None:
            self.call_after_refresh(drawn.set)

    def _show_problems(self) -> None:
        problems = self.index.problems()
        files = sorted({p.file for p in problems})
        if files:
            first = next(p for p in problems if p.file == files[0])
            self._problems_line = (f"{plural(len(files), 'file')} could not be read and "
                                   f"{'was' if len(files) == 1 else 'were'} left out: {first}")
        else:
            self._problems_line = ""
        self._show_status()

    def _show_status(self) -> None:
        lines = [line for line in (self._message, self._problems_line) if line]
        self.query_one("#review-status", Static).update("\n".join(lines))

    def say(self, message: str) -> None:
        self._message = message
        self._show_status()

    # ------------------------------------------------------------------ filtering
    def apply_filter(self, *, keep_cursor: bool = False) -> None:
        if self._building:
            return  # the first build is under way (its progress is in the title); the filter runs when it is done
        try:
            query = self.filters.query(self.today())
        except ValueError as exc:  # a custom date that is not a date: said quietly, the list stays
            self.say(str(exc))
            return
        if self._message.startswith("'"):  # a date note from before: the dates are fine now
            self.say("")
        table = self.table
        keep = table.current_key() if keep_cursor else None
        position = table.cursor_row if keep_cursor else 0
        self.query_now = query
        # The count and the first screenful only: the other matches are read as one scrolls or steps through them.
        matches, first = self.index.matches(query, order=self.order, descending=self.descending,
                                            first=max(table.first_page(), position + 20))
        self.matches = matches
        if not is_filtered(query):
            self.total = len(matches)
        elif self._total_stale or not self.total:
            self.total = self.index.count()
        self._total_stale = False
        self.shown_once = True
        self.set_class(self.total == 0, "empty")
        target = 0
        if keep is not None:
            found = matches.position(keep, within=max(len(first), position + 100))
            target = found if found is not None else min(position, max(len(matches) - 1, 0))
        table.show(len(matches), first, cursor=target)
        self._update_title()

    def _update_title(self) -> None:
        if is_filtered(self.query_now):
            count = f"{len(self.rids):,} of {self.total:,} match"
        else:
            count = plural(self.total, "reflection")
        words = order_words(self.order, self.descending)
        self._set_title("Past reflections", f"{count} · by {LABELS[self.order].lower()}, {words}")

    def _set_title(self, title: str, detail: str) -> None:
        self.query_one("#review-title", Static).update(
            Content.assemble((title, "bold $primary"), ("  " + detail, "$foreground-muted")))

    @on(FilterBar.Changed)
    def _filter_changed(self) -> None:
        self._hold_background()
        self.apply_filter()

    def _hold_background(self) -> None:
        """Someone is filtering: the background check of every file waits until a moment after the last key
        (at 100,000 files it is a second of Python that would otherwise share the processor with each key)."""
        self._quiet.clear()
        if self._quiet_timer is not None:
            self._quiet_timer.stop()
        self._quiet_timer = self.set_timer(QUIET_AFTER_TYPING, self._quiet.set)

    def on_unmount(self) -> None:
        self._quiet.set()  # a check still waiting goes on and ends with the screen

    @on(FilterBar.Submitted)
    def _filter_submitted(self) -> None:
        self.apply_filter()
        self.table.focus()

    # ------------------------------------------------------------------ sorting
    @on(DataTable.HeaderSelected, "#review-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        self.sort_by(str(event.column_key.value))

    def sort_by(self, key: str, descending: bool | None = None) -> None:
        if descending is None:
            descending = (not self.descending) if key == self.order else DESCENDING_FIRST[key]
        self.order, self.descending = key, descending
        self._set_columns(self.size.width or self.app.size.width)
        self.apply_filter()

    def action_sort(self) -> None:
        keys = [k for k, _, _ in COLUMNS]
        following = keys[(keys.index(self.order) + 1) % len(keys)]
        self.sort_by(following, DESCENDING_FIRST[following])

    def action_reverse(self) -> None:
        self.sort_by(self.order, not self.descending)

    # ------------------------------------------------------------------ moving about
    def action_focus_filter(self) -> None:
        self.filters.focus_search()

    def action_to_table(self) -> None:
        if isinstance(self.focused, Input) and self.focused.id == "filter-search":
            self.table.focus()

    def action_back(self) -> None:
        if isinstance(self.focused, (Input, Select)) and not self.has_class("empty"):
            self.table.focus()
            return
        self.filters.stop_waiting()
        self.app.leave(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "sort", "reverse", "trends", "export", "delete", "focus_filter"):
            return not self.has_class("empty")
        return True

    @on(DataTable.RowSelected, "#review-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        rid = self.table.current_key()
        if rid is None:
            return
        self.app.view_reflections(self.rids, self.table.cursor_row, self._back_from_view)

    def _back_from_view(self, rid: int | None) -> None:
        if rid is not None and self.matches is not None:
            self.table.reveal(rid, self.matches.position(rid))  # among the pages the view read

    def action_trends(self) -> None:
        self.app.open_trends(self.query_now, describe(self.query_now))

    # ------------------------------------------------------------------ export and delete
    def action_export(self) -> None:
        count = len(self.rids)
        if not count:
            self.say("Nothing to export with these filters.")
            return
        from herenow.ui.dialogs import PathPrompt

        self.app.push_screen(
            PathPrompt(f"Export {plural(count, 'reflection')} as Markdown, to:", str(default_export_path(self.today())),
                       note="Enter to go on, escape to leave it."),
            self._ask_recipient)

    def _ask_recipient(self, answer: str | None) -> None:
        """Second step: seal the export to a supervisor's age public key, or leave it empty for a plain file."""
        if answer is None:
            return
        from herenow.ui.dialogs import PathPrompt

        def chosen(key: str | None) -> None:
            self._export_to(answer, recipient_text=key)

        self.app.push_screen(
            PathPrompt("Seal it to your supervisor's age public key (optional):", "", placeholder="age1...",
                       note="Enter with no key writes a plain file, not encrypted. Escape leaves it.",
                       allow_empty=True),
            lambda key: self.say("Not exported.") if key is None else chosen(key))

    def _export_to(self, answer: str | None, recipient_text: str | None = None) -> None:
        if answer is None:
            return
        self._recipient = None
        if recipient_text:
            from herenow.store.sealing import SealingError, parse_recipient

            try:
                self._recipient = parse_recipient(recipient_text, name="The key")
            except SealingError as exc:
                self.say(f"{exc}; nothing was exported.")
                return
        from herenow.ui.export_place import export_place

        target = export_place(answer)  # a bare file name goes to the exports folder, not the current one
        if target.is_dir():
            self.say(f"{target} is a folder; give a file name.")
            return
        if target.exists():
            from herenow.ui.dialogs import confirm

            def answered(answer: str | None) -> None:
                if answer == "yes":
                    self.export(target)
                else:
                    self.say("Not exported; the file is left as it was.")

            self.app.push_screen(confirm(f"{target} is already there. Replace it?", "Replace", "Keep it"),
                                 answered)
            return
        self.export(target)

    @work(thread=True, exclusive=True, group="review-export")
    def export(self, target: Path) -> None:
        """Write the filtered reflections to ``target`` as Markdown (the CLI's export), mode 0600."""
        query = self.query_now
        self.app.call_from_thread(self.say, "Exporting…")
        try:
            recipient = getattr(self, "_recipient", None)
            if recipient is not None:  # sealed to a supervisor's key: age seals the whole file at once
                count = write_export(self.index.reflections(query), target, "md", recipient=recipient)
            else:
                count = write_export_from_index(self.index, query, target, "md")  # streamed: memory flat
        except OSError as exc:
            self.app.call_from_thread(self.say, f"Could not write {target}: {exc.strerror or exc}.")
            return
        self.last_export = target
        how = "sealed to your supervisor's key" if recipient is not None else "not encrypted"
        self.app.call_from_thread(self.say, f"Exported {plural(count, 'reflection')} to {target} ({how}).")

    def action_delete(self) -> None:
        rid = self.table.current_key()
        if rid is None:
            return
        rows = self.index.rows_for([rid])
        if not rows:
            return
        row = rows[0]
        from herenow.ui.dialogs import confirm

        def answered(answer: str | None) -> None:
            if answer == "yes":
                self.delete(row)

        self.app.push_screen(confirm(f"Delete the reflection on the session from {row.started:%a %d %b %Y, %H:%M}?"
                                     " This cannot be undone.", "Delete", "Keep it"), answered)

    def delete(self, row: IndexRow) -> None:
        try:
            deleted = self.app.ctx.store.delete(row.id)
        except OSError as exc:
            self.say(f"Could not delete it: {exc.strerror or exc}.")
            return
        self.index.refresh()
        self._total_stale = True
        self.say(f"Deleted the reflection from {row.started:%a %d %b %Y, %H:%M}." if deleted
                 else "That reflection was already gone.")
        self.apply_filter(keep_cursor=True)
