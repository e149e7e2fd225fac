"""The filter bar over a list of reflections: words to search, a tag, a deck, a date range (or two dates).

It knows nothing of where the reflections are: it offers the tags and decks it is given (``set_choices``), turns
what is chosen into a ``Query`` (``query``), and posts ``FilterBar.Changed`` (typing: a moment after the last key)
and ``FilterBar.Submitted`` (enter). A date that is not a date is reported in ``Changed.problem``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Select, Static

from herenow.listing import RANGES, date_range
from herenow.store.reflections import Query

DEBOUNCE = 0.02  # seconds after the last key before the filter runs. The refill reads only the count and a
#                 screenful (~6 ms at 10,000, ~16 at 100,000) and drawing it takes ~30 ms, so the pause only has
#                 to group keys that arrive together (a paste, a held key); each new key restarts it, so the
#                 filter always runs once, on the text as it is then, never on a stale one


class FilterBar(Vertical):
    DEFAULT_CSS = """
    FilterBar { height: auto; }
    FilterBar #filters { height: 1; margin: 1 0 0 0; }
    FilterBar #filter-search { width: 1fr; margin-right: 1; }
    FilterBar #filter-tag, FilterBar #filter-deck { width: 16; margin-right: 1; }
    FilterBar #filter-range { width: 17; }
    FilterBar #filter-custom { height: 1; display: none; margin-top: 1; }
    FilterBar #filter-custom.shown { display: block; }
    FilterBar #filter-custom Static { width: auto; color: $foreground-muted; margin-right: 1; }
    FilterBar #filter-since, FilterBar #filter-until { width: 14; margin-right: 2; }
    """

    @dataclass
    class Changed(Message):
        bar: FilterBar

    @dataclass
    class Submitted(Message):
        bar: FilterBar

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._debounce: Timer | None = None
        self._choices: dict[str, list[str]] = {"tag": [], "deck": []}

    def compose(self) -> ComposeResult:
        with Horizontal(id="filters"):
            yield Input(placeholder="search answers and notes", id="filter-search", compact=True)
            yield Select([], prompt="any tag", id="filter-tag", compact=True)
            yield Select([], prompt="any deck", id="filter-deck", compact=True)
            yield Select(RANGES, value="all", allow_blank=False, id="filter-range", compact=True)
        with Horizontal(id="filter-custom"):
            yield Static("from")
            yield Input(placeholder="YYYY-MM-DD", id="filter-since", compact=True)
            yield Static("until")
            yield Input(placeholder="YYYY-MM-DD", id="filter-until", compact=True)

    def set_choices(self, tags: list[str], decks: list[str]) -> None:
        """The tags and decks to offer; a choice still offered stays chosen. Posts nothing."""
        for kind, values in (("tag", tags), ("deck", decks)):
            if values == self._choices[kind]:
                continue
            self._choices[kind] = values
            select = self.query_one(f"#filter-{kind}", Select)
            current = select.value
            with select.prevent(Select.Changed):
                select.set_options([(v, v) for v in values])
                if current in values:
                    select.value = current

    def query(self, today: dt.date) -> Query:
        """The query the filters describe. Raises ValueError (with words for the user) for a date that is not one."""
        tag = self.query_one("#filter-tag", Select).value
        deck = self.query_one("#filter-deck", Select).value
        choice = str(self.query_one("#filter-range", Select).value)
        since, until = date_range(choice, today)
        if choice == "custom":
            since, until = self._date("#filter-since", today), self._date("#filter-until", today)
        return Query(since=since, until=until, tags=[tag] if isinstance(tag, str) else [],
                     decks=[deck] if isinstance(deck, str) else [], text=self.query_one("#filter-search", Input).value)

    def _date(self, widget_id: str, today: dt.date) -> dt.date | None:
        value = self.query_one(widget_id, Input).value.strip()
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date like {today:%Y-%m-%d}") from None

    def focus_search(self) -> None:
        self.query_one("#filter-search", Input).focus()

    def stop_waiting(self) -> None:
        """Forget a change still waiting for its moment (the screen is going away)."""
        if self._debounce is not None:
            self._debounce.stop()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.stop_waiting()
        self._debounce = self.set_timer(DEBOUNCE, lambda: self.post_message(self.Changed(self)))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.stop_waiting()
        self.post_message(self.Submitted(self))

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "filter-range":
            custom = event.value == "custom"
            self.query_one("#filter-custom").set_class(custom, "shown")
            if custom:
                self.query_one("#filter-since", Input).focus()
        self.post_message(self.Changed(self))
