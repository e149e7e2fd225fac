"""The review screen: past reflections as a table, newest first, filtered as you type.

Reads only the index (``herenow.store.index``), never the whole store: the table holds a page of rows at a time and
adds the next page as the cursor or the scrollbar comes near the end, so 10,000 reflections open as fast as 10.
The index is refreshed from the files in a background thread each time the screen is shown.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Select, Static

from herenow.store.index import IndexRow, RefreshResult, ReflectionIndex
from herenow.store.reflections import RATINGS, Query

PAGE = 100  # rows added to the table at a time as the cursor or the scrollbar nears the end
DEBOUNCE = 0.15  # seconds after the last key before the filter runs

RANGES = [("All dates", "all"), ("This week", "week"), ("This month", "month"), ("This year", "year"),
          ("Custom range", "custom")]

# column key, label, default direction (True = descending)
COLUMNS = [("date", "Date", True), ("length", "Length", True), ("decks", "Decks", False),
           ("ratings", "Ratings", True), ("tags", "Tags", False), ("preview", "First words", False)]


def clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)].rstrip() + "…"


def ratings_cell(ratings: dict[str, int]) -> str:
    if not ratings:
        return ""
    keys = [k for k, _ in RATINGS] + sorted(k for k in ratings if k not in dict(RATINGS))
    return " ".join(str(ratings.get(k, "-")) for k in keys if k in ratings or k in dict(RATINGS))


SORT_MARK = 2  # " ▼" after the label of the column the table is sorted by


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
    labels = {key: label for key, label, _desc in COLUMNS}
    if sorted_by in widths:
        short = len(labels[sorted_by]) + SORT_MARK - widths[sorted_by]
        if short > 0:
            widths[sorted_by] += short
            donor = "tags" if sorted_by == "preview" else "preview"
            widths[donor] = max(widths[donor] - short, 4)
    return widths


def date_range(choice: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    if choice == "week":
        return today - dt.timedelta(days=today.weekday()), None
    if choice == "month":
        return today.replace(day=1), None
    if choice == "year":
        return today.replace(month=1, day=1), None
    return None, None


def default_export_path(today: dt.date) -> Path:
    """In the exports folder: inside HERENOW_HOME in portable mode (nothing lands off the stick), else home."""
    from herenow.store.paths import locations

    return locations().export_dir / f"herenow-reflections-{today:%Y-%m-%d}.md"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class ReviewTable(DataTable):
    """The table, with enter shown in the footer as "open"."""

    BINDINGS = [Binding("enter", "select_cursor", "open"),
                Binding("home", "scroll_top", show=False), Binding("end", "scroll_bottom", show=False)]


class ReviewScreen(Screen[None]):
    DEFAULT_CSS = """
    ReviewScreen { layout: vertical; }
    #review { height: 1fr; padding: 0 1; }
    #review-title { height: 1; }
    #review-title .title { text-style: bold; color: $primary; }
    #review-filters { height: 1; margin: 1 0 0 0; }
    #review-search { width: 1fr; margin-right: 1; }
    #review-tag, #review-deck { width: 16; margin-right: 1; }
    #review-range { width: 17; }
    #review-custom { height: 1; display: none; margin-top: 1; }
    #review-custom.shown { display: block; }
    #review-custom Static { width: auto; color: $foreground-muted; margin-right: 1; }
    #review-since, #review-until { width: 14; margin-right: 2; }
    #review-table { height: 1fr; margin-top: 1; background: $background; }
    #review-empty { height: 1fr; content-align: center middle; text-align: center; color: $foreground-muted;
                    display: none; }
    ReviewScreen.empty #review-empty { display: block; }
    ReviewScreen.empty #review-table, ReviewScreen.empty #review-filters,
    ReviewScreen.empty #review-custom { display: none; }
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
        self.rids: list[int] = []
        self.loaded = 0
        self.total = 0
        self.shown_once = False
        self._total_stale = True
        self._debounce: Timer | None = None
        self._widths: dict[str, int] = {}
        self._tags: list[str] = []
        self._decks: list[str] = []
        self._message = ""
        self._problems_line = ""
        self.last_export: Path | None = None

    # ------------------------------------------------------------------ building
    def compose(self) -> ComposeResult:
        with Vertical(id="review"):
            yield Static("", id="review-title")
            with Horizontal(id="review-filters"):
                yield Input(placeholder="search answers and notes", id="review-search", compact=True)
                yield Select([], prompt="any tag", id="review-tag", compact=True)
                yield Select([], prompt="any deck", id="review-deck", compact=True)
                yield Select(RANGES, value="all", allow_blank=False, id="review-range", compact=True)
            with Horizontal(id="review-custom"):
                yield Static("from")
                yield Input(placeholder="YYYY-MM-DD", id="review-since", compact=True)
                yield Static("until")
                yield Input(placeholder="YYYY-MM-DD", id="review-until", compact=True)
            yield ReviewTable(id="review-table", cursor_type="row")
            yield Static("No reflections yet.\n\nAfter a session, the short reflection you write is kept here,\n"
                         "ready to look back on.", id="review-empty")
            yield Static("", id="review-status", markup=False)
        yield Footer()

    @property
    def index(self) -> ReflectionIndex:
        return self.app.ctx.store.index()

    @property
    def table(self) -> DataTable:
        return self.query_one("#review-table", DataTable)

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.app.ctx.now()).date()

    def on_mount(self) -> None:
        self._set_columns(self.app.size.width)
        self.table.watch(self.table, "scroll_y", self._on_scroll, init=False)
        if self.index.ready():
            self._update_choices()
            self.apply_filter()
            self._show_problems()
        else:
            self._set_title("Past reflections", "reading them for the first time…")
        self.table.focus()
        self.refresh_index()

    def on_screen_resume(self) -> None:
        if self.shown_once:
            self.refresh_index()

    def on_resize(self) -> None:
        if column_widths(self.size.width, self.order) != self._widths:
            self._set_columns(self.size.width)
            self._reload_loaded()

    def _set_columns(self, width: int) -> None:
        self._widths = column_widths(width, self.order)
        table = self.table
        table.clear(columns=True)
        for key, label, _desc in COLUMNS:
            if key == self.order:
                label = f"{label} {'▼' if self.descending else '▲'}"
            table.add_column(label, width=self._widths[key], key=key)

    # ------------------------------------------------------------------ keeping the index fresh
    @work(thread=True, exclusive=True, group="review-refresh")
    def refresh_index(self) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._set_title, "Past reflections",
                                      f"reading them for the first time… {done:,} of {total:,}")

        result = self.index.refresh(progress)
        self.app.call_from_thread(self._after_refresh, result)

    def _after_refresh(self, result: RefreshResult) -> None:
        self._total_stale = True
        self._update_choices()
        self._show_problems()
        if result.changed or result.rebuilt or not self.shown_once or result.bad:
            self.apply_filter(keep_cursor=True)

    def _update_choices(self) -> None:
        tags, decks = self.index.known_tags(), self.index.known_decks()
        for widget_id, values, attr in (("#review-tag", tags, "_tags"), ("#review-deck", decks, "_decks")):
            if values != getattr(self, attr):
                setattr(self, attr, values)
                select = self.query_one(widget_id, Select)
                current = select.value
                with select.prevent(Select.Changed):
                    select.set_options([(v, v) for v in values])
                    if current in values:
                        select.value = current

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
    def build_query(self) -> Query | None:
        """The query the filters describe, or None (with a quiet note) when a custom date is not a date."""
        text = self.query_one("#review-search", Input).value
        tag = self.query_one("#review-tag", Select).value
        deck = self.query_one("#review-deck", Select).value
        choice = self.query_one("#review-range", Select).value
        since, until = date_range(str(choice), self.today())
        if choice == "custom":
            try:
                since = self._date("#review-since")
                until = self._date("#review-until")
            except ValueError as exc:
                self.say(str(exc))
                return None
        return Query(since=since, until=until, tags=[tag] if isinstance(tag, str) else [],
                     decks=[deck] if isinstance(deck, str) else [], text=text)

    def _date(self, widget_id: str) -> dt.date | None:
        value = self.query_one(widget_id, Input).value.strip()
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date like {self.today():%Y-%m-%d}") from None

    def apply_filter(self, *, keep_cursor: bool = False) -> None:
        query = self.build_query()
        if query is None:
            return
        if self._message.startswith("'"):  # a date note from before: the dates are fine now
            self._message = ""
            self._show_status()
        keep = self._current_rid() if keep_cursor else None
        position = self.table.cursor_row if keep_cursor else 0
        self.query_now = query
        self.rids = self.index.rids(query, order=self.order, descending=self.descending)
        if not self._filtered():
            self.total = len(self.rids)
        elif self._total_stale or not self.total:
            self.total = self.index.count()
        self._total_stale = False
        self.shown_once = True
        self.set_class(self.total == 0, "empty")
        self._update_title()
        table = self.table
        table.clear()
        self.loaded = 0
        target = 0
        if keep is not None and keep in self.rids:
            target = self.rids.index(keep)
        elif keep_cursor:
            target = min(position, max(len(self.rids) - 1, 0))
        # First paint: what fits on the screen and a little more; the rest follows as one scrolls.
        first = max(30, (table.size.height or self.app.size.height) + 10)
        self.load_more(upto=max(first, target + 20))
        if self.rids:
            table.move_cursor(row=target, animate=False, scroll=True)

    def _filtered(self) -> bool:
        q = self.query_now
        return bool(q.text.strip() or q.tags or q.decks or q.since or q.until)

    def _update_title(self) -> None:
        matches = len(self.rids)
        if self._filtered():
            count = f"{matches:,} of {self.total:,} match"
        else:
            count = plural(self.total, "reflection")
        direction = "newest first" if (self.order == "date" and self.descending) else (
            "oldest first" if self.order == "date" else ("high to low" if self.descending else "low to high")
            if self.order in ("length", "ratings") else ("Z to A" if self.descending else "A to Z"))
        label = dict((k, lbl) for k, lbl, _ in COLUMNS)[self.order].lower()
        self._set_title("Past reflections", f"{count} · by {label}, {direction}")

    def _set_title(self, title: str, detail: str) -> None:
        from textual.content import Content

        self.query_one("#review-title", Static).update(
            Content.assemble((title, "bold $primary"), ("  " + detail, "$foreground-muted")))

    def load_more(self, upto: int | None = None) -> None:
        """Add the next page of rows (or up to row ``upto``) to the table."""
        end = min(len(self.rids), upto if upto is not None else self.loaded + PAGE)
        if end <= self.loaded:
            return
        rows = self.index.rows_for(self.rids[self.loaded : end])
        self._add_rows(rows)
        self.loaded = end

    def _add_rows(self, rows: list[IndexRow]) -> None:
        w = self._widths
        table = self.table
        for row in rows:
            # Text, not str: the user's words are never read as markup (and it is quicker).
            table.add_row(
                Text(f"{row.started:%Y-%m-%d %H:%M}"),
                Text(f"{row.length_minutes} min"),
                Text(clip(", ".join(row.decks), w["decks"])),
                Text(ratings_cell(row.ratings)),
                Text(clip(", ".join(row.tags), w["tags"])),
                Text(clip(row.preview, w["preview"])),
                key=str(row.rid),
            )

    def _reload_loaded(self) -> None:
        if not self.loaded:
            return
        cursor = self.table.cursor_row
        count = self.loaded
        self.table.clear()
        self.loaded = 0
        self.load_more(upto=count)
        self.table.move_cursor(row=cursor, animate=False)

    def _on_scroll(self, _value: float) -> None:
        table = self.table
        if self.loaded < len(self.rids) and table.scroll_y >= table.max_scroll_y - 5:
            self.load_more()

    @on(DataTable.RowHighlighted, "#review-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.loaded - 10 and self.loaded < len(self.rids):
            self.load_more()

    def _current_rid(self) -> int | None:
        table = self.table
        if not table.row_count or not self.rids:
            return None
        row = table.cursor_row
        if 0 <= row < min(self.loaded, len(self.rids)):
            return self.rids[row]
        return None

    @on(Input.Changed, "#review-search, #review-since, #review-until")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self.apply_filter)

    @on(Input.Submitted, "#review-search, #review-since, #review-until")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self.apply_filter()
        self.table.focus()

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        if event.select.id == "review-range":
            custom = event.value == "custom"
            self.query_one("#review-custom").set_class(custom, "shown")
            if custom:
                self.query_one("#review-since", Input).focus()
        self.apply_filter()

    # ------------------------------------------------------------------ sorting
    @on(DataTable.HeaderSelected, "#review-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        self.sort_by(str(event.column_key.value))

    def sort_by(self, key: str, descending: bool | None = None) -> None:
        if descending is None:
            default = dict((k, d) for k, _, d in COLUMNS)[key]
            descending = (not self.descending) if key == self.order else default
        self.order, self.descending = key, descending
        self._set_columns(self.size.width or self.app.size.width)
        self.apply_filter()

    def action_sort(self) -> None:
        keys = [k for k, _, _ in COLUMNS]
        following = keys[(keys.index(self.order) + 1) % len(keys)]
        self.sort_by(following, dict((k, d) for k, _, d in COLUMNS)[following])

    def action_reverse(self) -> None:
        self.sort_by(self.order, not self.descending)

    # ------------------------------------------------------------------ moving about
    def action_focus_filter(self) -> None:
        self.query_one("#review-search", Input).focus()

    def action_to_table(self) -> None:
        if isinstance(self.focused, Input) and self.focused.id == "review-search":
            self.table.focus()

    def action_back(self) -> None:
        if isinstance(self.focused, (Input, Select)) and not self.has_class("empty"):
            self.table.focus()
            return
        if self._debounce is not None:
            self._debounce.stop()
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "sort", "reverse", "trends", "export", "delete", "focus_filter"):
            return not self.has_class("empty")
        return True

    @on(DataTable.RowSelected, "#review-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        rid = self._current_rid()
        if rid is None:
            return
        from herenow.ui.screens.reflection_view import ReflectionViewScreen

        self.app.push_screen(ReflectionViewScreen(self.rids, self.rids.index(rid)), self._back_from_view)

    def _back_from_view(self, rid: int | None) -> None:
        if rid is None or rid not in self.rids:
            return
        position = self.rids.index(rid)
        if position >= self.loaded:
            self.load_more(upto=position + 20)
        self.table.move_cursor(row=position, animate=False, scroll=True)

    def action_trends(self) -> None:
        from herenow.ui.screens.trends import TrendsScreen

        self.app.push_screen(TrendsScreen(self.query_now, self._filter_words()))

    def _filter_words(self) -> str:
        q = self.query_now
        parts = []
        if q.text.strip():
            parts.append(f"“{q.text.strip()}”")
        parts += [f"tag {t}" for t in q.tags] + [f"deck {d}" for d in q.decks]
        if q.since or q.until:
            parts.append(f"{q.since or '…'} to {q.until or 'today'}")
        return ", ".join(parts)

    # ------------------------------------------------------------------ export and delete
    def action_export(self) -> None:
        count = len(self.rids)
        if not count:
            self.say("Nothing to export with these filters.")
            return
        from herenow.ui.dialogs import PathPrompt

        self.app.push_screen(
            PathPrompt(f"Export {plural(count, 'reflection')} as Markdown, to:", str(default_export_path(self.today())),
                       note="Enter to export, escape to leave it. The file is not encrypted."),
            self._export_to)

    def _export_to(self, answer: str | None) -> None:
        if answer is None:
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
        from herenow.store.export import export
        from herenow.store.files import atomic_write
        from herenow.store.paths import ensure_dir, locations

        query = self.query_now
        self.app.call_from_thread(self.say, "Exporting…")
        try:
            if target.parent == locations().export_dir:
                ensure_dir(target.parent)  # the suggested folder may not be there yet (a new stick)
            found = self.index.reflections(query)
            atomic_write(target, export(found, "md"))
        except OSError as exc:
            self.app.call_from_thread(self.say, f"Could not write {target}: {exc.strerror or exc}.")
            return
        self.last_export = target
        self.app.call_from_thread(
            self.say, f"Exported {plural(len(found), 'reflection')} to {target} (not encrypted).")

    def action_delete(self) -> None:
        rid = self._current_rid()
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
        store = self.app.ctx.store
        try:
            deleted = store.delete(row.id)
        except OSError as exc:
            self.say(f"Could not delete it: {exc.strerror or exc}.")
            return
        self.index.refresh()
        self._total_stale = True
        self.say(f"Deleted the reflection from {row.started:%a %d %b %Y, %H:%M}." if deleted
                 else "That reflection was already gone.")
        self.apply_filter(keep_cursor=True)
