"""Short text for narrow places (table cells, list lines): one truncator, one plural. No dependencies."""

from __future__ import annotations

import textwrap


def shorten(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` characters: whole words, then " …" for the words left out (a first
    word longer than the room is cut, "…" right after it, so a cell never shows only the ellipsis)."""
    line = " ".join(text.split())
    if len(line) <= width:
        return line
    if width < 2:
        return "…"[:width]
    # Only the first width + 1 characters can matter (a word cut there cannot fit with the placeholder): textwrap
    # on a whole long answer costs a hundred times more.
    # The word of width + 1 characters put after the cut never fits, so words are still left out with " …".
    short = textwrap.shorten(line[: width + 1] + " " + "x" * (width + 1), width, placeholder=" …",
                             break_on_hyphens=False)
    if short.lstrip() == "…" or len(short) > width:
        short = line[: width - 1].rstrip() + "…"
    return short


def plural(n: int, word: str) -> str:
    """``1 reflection``, ``2,500 reflections``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"
