"""A 1-5 rating, keyboard first: focus it and press 1-5 (0 or backspace clears, left/right move).

One line when the window is wide enough; in a narrow window the label takes the first line (or lines, wrapped at
word boundaries) and 1-5 the next, so every number stays on screen. The chosen number is bracketed ("[3]"), not only coloured.
"""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

SCALE = range(1, 6)
NUMBERS_WIDTH = 3 * len(SCALE)
STACK_INDENT = 2


class Rating(Widget, can_focus=True):
    DEFAULT_CSS = """
    Rating { height: auto; width: 100%; }
    Rating:focus { background: $panel; }
    Rating > .rating--label { color: $foreground; }
    Rating > .rating--off { color: $foreground 50%; }
    Rating > .rating--on { color: $background; background: $accent; text-style: bold; }
    Rating > .rating--hint { color: $foreground 50%; }
    """
    COMPONENT_CLASSES = {"rating--label", "rating--off", "rating--on", "rating--hint"}
    BINDINGS = [
        *(Binding(str(n), f"rate({n})", show=False) for n in SCALE),
        Binding("0,backspace,delete", "rate(0)", show=False),
        Binding("right", "step(1)", show=False),
        Binding("left", "step(-1)", show=False),
    ]

    value: reactive[int | None] = reactive(None)

    class Changed(Message):
        def __init__(self, rating: Rating, value: int | None) -> None:
            super().__init__()
            self.rating = rating
            self.value = value

        @property
        def control(self) -> Rating:
            return self.rating

    def __init__(self, label: str, key: str, value: int | None = None, *, label_width: int = 34,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.key = key
        self.label_width = label_width
        self.set_reactive(Rating.value, value if value in SCALE else None)

    @property
    def stacked(self) -> bool:
        """Too narrow for label and numbers side by side: the numbers go on a line of their own."""
        width = self.size.width or (self.parent.size.width if self.parent else 0)
        return 0 < width < self.label_width + 1 + NUMBERS_WIDTH

    def _label_lines(self, width: int) -> list[str]:
        """The label wrapped to ``width`` when stacked (a long label never pushes 1-5 off its widget)."""
        return textwrap.wrap(self.label, max(width, 1)) or [""]

    def get_content_height(self, container, viewport, width: int) -> int:
        if 0 < width < self.label_width + 1 + NUMBERS_WIDTH:
            return len(self._label_lines(width)) + 1
        return 1

    def on_resize(self) -> None:
        self.refresh(layout=True)

    def render(self) -> Text:
        label_style = self.get_component_rich_style("rating--label")
        off = self.get_component_rich_style("rating--off")
        on = self.get_component_rich_style("rating--on")
        hint = self.get_component_rich_style("rating--hint")
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.stacked:
            text.append("\n".join(self._label_lines(self.size.width)) + "\n", label_style)
            text.append(" " * STACK_INDENT)
        else:
            label = self.label if len(self.label) <= self.label_width else self.label[: self.label_width - 1] + "…"
            text.append(label.ljust(self.label_width) + " ", label_style)
        for n in SCALE:
            text.append(f"[{n}]" if n == self.value else f" {n} ", on if n == self.value else off)
        if self.has_focus:
            text.append("  1-5, 0 clears", hint)
        return text

    def watch_value(self, value: int | None) -> None:
        self.post_message(self.Changed(self, value))

    def action_rate(self, value: int) -> None:
        self.value = value if value in SCALE else None

    def action_step(self, delta: int) -> None:
        current = self.value or (0 if delta > 0 else 6)
        self.value = min(5, max(1, current + delta))

    def on_click(self, event) -> None:
        """A click on a number chooses it (clicking the chosen one again clears it)."""
        if self.stacked:
            if event.y != len(self._label_lines(self.size.width)):  # the line of numbers, under the label
                return
            column = event.x - STACK_INDENT
        else:
            column = event.x - self.label_width - 1
        if 0 <= column < 3 * len(SCALE):
            chosen = column // 3 + 1
            self.value = None if chosen == self.value else chosen

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
