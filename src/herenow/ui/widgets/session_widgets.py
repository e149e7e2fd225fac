"""The few widgets of the live session screen. They render what they are given; they never change on their own.

Each one updates only when what it shows has changed, so an idle session costs almost nothing.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static


class QuietStatic(Static):
    """A Static that skips the refresh when the content is unchanged (most ticks change nothing)."""

    def __init__(self, content: str = "", *, fixed_size: bool = False, **kwargs) -> None:
        super().__init__(content, **kwargs)
        self._shown = content
        self._fixed_size = fixed_size  # a one-line widget whose size never follows its text: no layout pass

    def show(self, content: str) -> bool:
        if content == self._shown:
            return False
        self._shown = content
        self.update(content, layout=not self._fixed_size)
        return True

    @property
    def shown(self) -> str:
        return self._shown


class KeyLegend(Widget):
    """The session's keys on one quiet line, drawn like Textual's footer (same theme colours). Not the Footer
    itself: that is a widget per key and costs ~20 ms before the first cue can show (issue 12); the session's keys
    do not change while it runs, so one line of text is all it needs."""

    COMPONENT_CLASSES = {"keylegend--key"}
    DEFAULT_CSS = """
    KeyLegend { height: 1; width: 1fr; dock: bottom; background: $footer-background; color: $footer-description-foreground; }
    KeyLegend > .keylegend--key { color: $footer-key-foreground; text-style: bold; background: $footer-key-background; }
    """

    def __init__(self, keys: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.keys = keys  # (key as shown, what it does)

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keylegend--key")
        text = Text(no_wrap=True, overflow="crop", end="")
        for key, label in self.keys:
            text.append(f" {key} ", key_style)
            text.append(f"{label} ")
        return text


class CueCard(QuietStatic):
    """The cue, centred and set apart. Markup is off: a deck's text is shown exactly as written."""

    def __init__(self, content: str = "", **kwargs) -> None:
        super().__init__(content, markup=False, **kwargs)


class DrainBar(Widget):
    """A thin bar that drains as the session goes: full at the start, empty at the end."""

    COMPONENT_CLASSES = {"drainbar--fill", "drainbar--empty"}
    DEFAULT_CSS = """
    DrainBar { height: 1; width: 1fr; }
    DrainBar > .drainbar--fill { color: $bar-fill; }
    DrainBar > .drainbar--empty { color: $bar-empty; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fraction = 1.0
        self._cells = -1

    def set_fraction(self, fraction: float) -> None:
        self.fraction = max(0.0, min(1.0, fraction))
        cells = round(self.fraction * self.size.width)
        if cells != self._cells:
            self._cells = cells
            self.refresh()

    def on_resize(self) -> None:
        self._cells = -1
        self.set_fraction(self.fraction)

    def render(self) -> Text:
        from herenow.ui.colour import few_colours

        width = self.size.width
        filled = round(self.fraction * width)
        # With 16 colours or none, the two shades may look alike: the characters differ instead.
        fill_char, empty_char = ("█", "░") if few_colours(self.app) else ("━", "━")
        text = Text(no_wrap=True, overflow="crop")
        text.append(fill_char * filled, self.get_component_rich_style("drainbar--fill"))
        text.append(empty_char * (width - filled), self.get_component_rich_style("drainbar--empty"))
        return text
