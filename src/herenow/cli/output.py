"""What the CLI prints: problem reports and tables padded by display width."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

from herenow.problems import Problem


def report(problems: Iterable[Problem], stream=None) -> int:
    stream = stream or sys.stderr
    count = 0
    for problem in problems:
        print(str(problem), file=stream)
        count += 1
    return count


def cells(text: str) -> int:
    """How many terminal columns ``text`` takes: Rich's rule, the one Textual draws with (ASCII is counted fast)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    widths = [max(cells(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(str(v) + " " * (widths[i] - cells(str(v))) for i, v in enumerate(values)).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])
