"""What the CLI prints: problem reports and tables padded by display width."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence

from herenow.problems import Problem


# Characters that change what a terminal does rather than what it shows: C0 and C1 controls, DEL, and the
# bidirectional overrides that can make text read backwards.
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` safe to print to a terminal: control characters (escape codes included) shown as ``\\x1b``-style
    escapes, so what a file holds can never move the cursor, set the window title or clear the screen."""
    if text.isprintable() and (text.isascii() or not any(ord(c) in _BIDI for c in text)):
        return text  # (ASCII holds no bidirectional override: the common case is checked at C speed)
    out = []
    for char in text:
        code = ord(char)
        if keep_newlines and char in "\n\t":
            out.append(char)
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif code in _BIDI or char in "\u2028\u2029":
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def say(text: str = "", *, stream=None, end: str = "\n") -> None:
    """Print user text (titles, cues, reflections) with control characters escaped; lines kept."""
    print(printable(text, keep_newlines=True), file=stream or sys.stdout, end=end)


def report(problems: Iterable[Problem], stream=None) -> int:
    stream = stream or sys.stderr
    count = 0
    for problem in problems:
        print(printable(str(problem)), file=stream)
        count += 1
    return count


def cells(text: str) -> int:
    """How many terminal columns ``text`` takes: Rich's rule, the one Textual draws with (ASCII is counted fast)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def table_widths(rows: Iterable[Sequence[str]], headers: Sequence[str]) -> list[int]:
    """The column widths ``table`` would use for ``rows`` (read once, not kept), and the number of rows last."""
    widths = [cells(printable(str(h))) for h in headers]
    count = 0
    for row in rows:
        count += 1
        for i, value in enumerate(row):
            width = cells(printable(str(value)))
            if width > widths[i]:
                widths[i] = width
    return [*widths, count]


def table_lines(rows: Iterable[Sequence[str]], headers: Sequence[str], widths: Sequence[int]) -> Iterator[str]:
    """``table``'s lines one at a time, with widths measured before (``table_widths``)."""

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (widths[i] - cells(v)) for i, v in enumerate(values)).rstrip()

    yield line([printable(str(h)) for h in headers])
    for row in rows:
        yield line([printable(str(v)) for v in row])


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    rows = [[printable(str(v)) for v in row] for row in rows]
    widths = [max(cells(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(str(v) + " " * (widths[i] - cells(str(v))) for i, v in enumerate(values)).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])
