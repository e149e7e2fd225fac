"""How many colours the terminal has, and what the app does when it has few or none.

Colour is never the only signal: with 16 colours (``TERM=linux``) the bar's filled and empty parts are drawn with
different characters, and with ``NO_COLOR`` the app draws no colour at all, only bold, reverse and underline.
"""

from __future__ import annotations

from textual.app import App
from textual.filter import Monochrome, NoColor

FEW_COLOURS = "-few-colours"  # a class on the app: 16 colours, or none
NO_COLOUR = "-no-color"  # a class on the app: NO_COLOR (Textual turns reverse into swapped colours: use underline)


def few_colours(app: App) -> bool:
    """True with ``NO_COLOR`` or a terminal of 16 colours (or fewer), where two shades may look the same."""
    return bool(app.no_color) or app.console.color_system in ("standard", "windows", None)


def honour_no_color(app: App) -> None:
    """``NO_COLOR`` means no colour. Textual draws greys instead (unless the theme is ANSI): draw none.

    Also marks the app with ``FEW_COLOURS`` so the stylesheet can lean on bold, reverse and underline.
    """
    if app.no_color:
        app._filters = [NoColor() if isinstance(item, Monochrome) else item for item in app._filters]
        if not any(isinstance(item, NoColor) for item in app._filters):
            app._filters.append(NoColor())
        app.add_class(NO_COLOUR)
    if few_colours(app):
        app.add_class(FEW_COLOURS)
