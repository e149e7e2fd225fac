"""A table of many rows that holds only a page of them at a time.

The table knows the keys of every row (cheap: integers from the index) but asks ``fetch`` for the rows' contents a
page at a time, as the cursor or the scrollbar comes near the end, so 10,000 rows open as fast as 10. What a row
looks like is the screen's business (``render``); the table only pages, keeps the cursor, and finds keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

PAGE = 100  # rows added at a time as the cursor or the scrollbar nears the end


class PagedTable(DataTable):
    """Rows keyed by ``keys``; enter is shown in the footer as "open"."""

    BINDINGS = [Binding("enter", "select_cursor", "open"),
                Binding("home", "scroll_top", show=False), Binding("end", "scroll_bottom", show=False)]

    def __init__(self, fetch: Callable[[list[int]], Sequence[Any]], render: Callable[[Any], Sequence[Text]],
                 **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.fetch = fetch
        self.render_row = render
        self.keys: list[int] = []
        self.loaded = 0

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self._on_scroll, init=False)

    def set_columns(self, columns: Sequence[tuple[str, str, int]]) -> None:
        """(key, label, width) for each column; the rows are cleared."""
        self.clear(columns=True)
        self.loaded = 0
        for key, label, width in columns:
            self.add_column(label, width=width, key=key)

    def show(self, keys: list[int], *, cursor: int = 0) -> None:
        """Show the rows of ``keys`` (in this order), the cursor on row ``cursor``."""
        self.keys = keys
        self.clear()
        self.loaded = 0
        # First paint: what fits on the screen and a little more; the rest follows as one scrolls.
        first = max(30, (self.size.height or self.app.size.height) + 10)
        self.load_more(upto=max(first, cursor + 20))
        if keys:
            self.move_cursor(row=cursor, animate=False, scroll=True)

    def load_more(self, upto: int | None = None) -> None:
        """Add the next page of rows (or up to row ``upto``)."""
        end = min(len(self.keys), upto if upto is not None else self.loaded + PAGE)
        if end <= self.loaded:
            return
        for row, key in zip(self.fetch(self.keys[self.loaded : end]), self.keys[self.loaded : end], strict=True):
            self.add_row(*self.render_row(row), key=str(key))
        self.loaded = end

    def redraw(self) -> None:
        """Draw the rows already loaded again (after the columns changed width), the cursor where it was."""
        if not self.loaded:
            return
        cursor, count = self.cursor_row, self.loaded
        self.clear()
        self.loaded = 0
        self.load_more(upto=count)
        self.move_cursor(row=cursor, animate=False)

    def current_key(self) -> int | None:
        """The key of the row under the cursor, if there is one."""
        if not self.row_count or not self.keys:
            return None
        row = self.cursor_row
        return self.keys[row] if 0 <= row < min(self.loaded, len(self.keys)) else None

    def reveal(self, key: int) -> None:
        """Move the cursor to the row of ``key``, loading up to it if need be."""
        if key not in self.keys:
            return
        position = self.keys.index(key)
        if position >= self.loaded:
            self.load_more(upto=position + 20)
        self.move_cursor(row=position, animate=False, scroll=True)

    def _on_scroll(self, _value: float) -> None:
        if self.loaded < len(self.keys) and self.scroll_y >= self.max_scroll_y - 5:
            self.load_more()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.loaded - 10 and self.loaded < len(self.keys):
            self.load_more()
