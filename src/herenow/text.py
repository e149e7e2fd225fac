"""Short text for narrow places (table cells, list lines): one truncator, one plural. No dependencies."""

from __future__ import annotations


def shorten(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` characters: whole words, then " …" for the words left out (a first
    word longer than the room is cut, "…" right after it, so a cell never shows only the ellipsis)."""
    line = " ".join(text.split())
    if len(line) <= width:
        return line
    if width < 2:
        return "…"[:width]
    # The whole words that fit with " …" after them (the line has single spaces): up to the last space before the
    # room runs out. None fit (a first word longer than the room): it is cut, "…" right after it.
    cut = line.rfind(" ", 0, width - 1)
    if cut <= 0:
        return line[: width - 1].rstrip() + "…"
    return line[:cut] + " …"


def plural(n: int, word: str) -> str:
    """``1 reflection``, ``2,500 reflections``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"
