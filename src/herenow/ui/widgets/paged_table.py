"""A table of many rows that holds only a page of them at a time.

The table is told how many rows there are and given the first ones; it asks ``fetch(offset, limit)`` for the next
page as the cursor or the scrollbar comes near the end, so 100,000 rows open as fast as 10. What a row looks like
is the screen's business (``render``), and so is its key (``key``); the table only pages, keeps the cursor, and
finds keys among the rows it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

PAGE = 100  # rows added at a time as the cursor or the scrollbar nears the end


class PagedTable(DataTable):
    """Rows keyed by ``key(row)``; enter is shown in the footer as "open"."""

    BINDINGS = [Binding("enter", "select_cursor", "open"),
                Binding("home", "scroll_top", show=False), Binding("end", "scroll_bottom", show=False)]

    def __init__(self, fetch: Callable[[int, int], Sequence[Any]], render: Callable[[Any], Sequence[Text]],
                 key: Callable[[Any], int], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.fetch = fetch
        self.render_row = render
        self.key_of = key
        self.total = 0
        self.keys: list[int] = []  # the keys of the rows loaded, in order

    @property
    def loaded(self) -> int:
        return len(self.keys)

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self._on_scroll, init=False)

    def first_page(self) -> int:
        """How many rows the first paint needs: what fits on the screen and a little more."""
        return max(30, (self.size.height or self.app.size.height) + 10)

    def set_columns(self, columns: Sequence[tuple[str, str, int]]) -> None:
        """(key, label, width) for each column; the rows are cleared."""
        self.clear(columns=True)
        self.keys = []
        for key, label, width in columns:
            self.add_column(label, width=width, key=key)

    def show(self, total: int, rows: Sequence[Any], *, cursor: int = 0) -> None:
        """Show ``total`` rows, of which ``rows`` are the first (the rest are fetched as one scrolls), the
        cursor on row ``cursor``."""
        self.total = total
        self.clear()
        self.keys = []
        self._add(rows)
        if cursor >= self.loaded:
            self.load_more(upto=cursor + 20)
        if self.keys:
            self.move_cursor(row=min(cursor, self.loaded - 1), animate=False, scroll=True)

    def _add(self, rows: Sequence[Any]) -> None:
        for row in rows:
            key = self.key_of(row)
            self.add_row(*self.render_row(row), key=str(key))
            self.keys.append(key)

    def load_more(self, upto: int | None = None) -> None:
        """Add the next page of rows (or up to row ``upto``)."""
        end = min(self.total, upto if upto is not None else self.loaded + PAGE)
        if end <= self.loaded:
            return
        wanted = end - self.loaded
        rows = self.fetch(self.loaded, wanted)
        self._add(rows)
        if len(rows) < wanted:  # fewer than counted: the files changed meanwhile
            self.total = self.loaded

    def redraw(self) -> None:
        """Draw the rows already loaded again (after the columns changed width), the cursor where it was."""
        if not self.loaded:
            return
        cursor, count = self.cursor_row, self.loaded
        self.clear()
        self.keys = []
        self._add(self.fetch(0, count))
        self.move_cursor(row=min(cursor, max(self.loaded - 1, 0)), animate=False)

    def current_key(self) -> int | None:
        """The key of the row under the cursor, if there is one."""
        if not self.row_count or not self.keys:
            return None
        row = self.cursor_row
        return self.keys[row] if 0 <= row < self.loaded else None

    def reveal(self, key: int, position: int | None = None) -> None:
        """Move the cursor to the row of ``key`` (at ``position``, if known beyond the rows loaded)."""
        if key not in self.keys and position is not None:
            self.load_more(upto=position + 20)
        if key in self.keys:
            self.move_cursor(row=self.keys.index(key), animate=False, scroll=True)

    def _on_scroll(self, _value: float) -> None:
        if self.loaded < self.total and self.scroll_y >= self.max_scroll_y - 5:
            self.load_more()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.loaded - 10 and self.loaded < self.total:
            self.load_more()
