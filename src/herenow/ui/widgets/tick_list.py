"""Ticks and choices that read without colour: ``[x]`` / ``[ ]`` and ``(•)`` / ``( )``. Textual's own
(``▐X▌``, ``●``) differ only by colour, which is lost on 16 colours, with ``NO_COLOR`` and to some eyes."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.widgets import Checkbox, OptionList, RadioButton, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

TICKED, UNTICKED = "[x]", "[ ]"
CHOSEN, UNCHOSEN = "(•)", "( )"


class TickList(SelectionList):
    """The home screen's deck choice: ``[x] Power``."""

    def _get_left_gutter_width(self) -> int:
        return len(TICKED) + 1

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)
        index = self.scroll_offset.y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        ticked = selection.value in self._selected
        underlying = next(iter(line)).style or self.rich_style
        style = underlying + RichStyle(bold=ticked, meta={"option": index})
        return Strip([Segment((TICKED if ticked else UNTICKED) + " ", style), *line])  # one segment: "[x] Power"


class TickBox(Checkbox):
    """A Checkbox that reads ``[x]`` when ticked and ``[ ]`` when not (Textual's shows ``X`` either way)."""

    @property
    def _button(self) -> Content:
        return Content.styled(TICKED if self.value else UNTICKED, Style(bold=True) if self.value else Style())


class ChoiceButton(RadioButton):
    """A RadioButton that reads ``(•)`` when chosen and ``( )`` when not (Textual's shows ``●`` either way)."""

    @property
    def _button(self) -> Content:
        return Content.styled(CHOSEN if self.value else UNCHOSEN, Style(bold=True) if self.value else Style())
