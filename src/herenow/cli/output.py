"""What the CLI prints: problem reports and tables padded by display width."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Sequence

from herenow.problems import Problem


# Characters that change what a terminal does rather than what it shows: C0 and C1 controls, DEL, and the
# bidirectional overrides that can make text read backwards.
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}


# Everything ``printable`` changes, found at C speed (most text holds none of it, and is returned as it is).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(chr(c) for c in sorted(_BIDI)) + "]")
_UNSAFE_KEEPING_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029"
                                   + "".join(chr(c) for c in sorted(_BIDI)) + "]")


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` safe to print to a terminal: control characters (escape codes included) shown as ``\\x1b``-style
    escapes, so what a file holds can never move the cursor, set the window title or clear the screen."""
    if (_UNSAFE_KEEPING_LINES if keep_newlines else _UNSAFE).search(text) is None:
        return text
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

    # "…" (one cell) ends most shortened cells; without it Rich measures the rest at C speed, not per character.
    return cell_len(text.replace("…", ".")) if "…" in text else cell_len(text)


class MeasuredTable:
    """Rows made printable and measured once (``measured_table``), then written as lines padded to the widest
    cell of each column."""

    def __init__(self, headers: Sequence[str]) -> None:
        self.rows: list[tuple[list[str], list[int]]] = []
        self.widths = [0] * len(headers)
        self.add([str(h) for h in headers])

    @property
    def count(self) -> int:
        return len(self.rows) - 1  # the headers are the first row

    def add(self, row: Sequence[str]) -> None:
        joined = "".join(row)
        # Most rows are plain ASCII with nothing to escape: checked once for the whole row, at C speed.
        values = list(row) if _UNSAFE.search(joined) is None else [printable(v) for v in row]
        sizes = [len(v) for v in values] if joined.isascii() else [cells(v) for v in values]
        self.rows.append((values, sizes))
        self.widths = [max(a, b) for a, b in zip(self.widths, sizes)]

    def lines(self) -> Iterator[str]:
        widths = self.widths
        for values, sizes in self.rows:
            yield "  ".join([v + " " * (w - n) for v, n, w in zip(values, sizes, widths)]).rstrip() + "\n"


def measured_table(rows: Iterable[Sequence[str]], headers: Sequence[str]) -> MeasuredTable:
    """``rows`` (read once) under ``headers``, ready to print: ``.lines()``, ``.count``."""
    table = MeasuredTable(headers)
    for row in rows:
        table.add(row)
    return table


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    rows = [[printable(str(v)) for v in row] for row in rows]
    widths = [max(cells(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(str(v) + " " * (widths[i] - cells(str(v))) for i, v in enumerate(values)).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])
