"""A sketch for the benchmark: `herenow reflections list` printed from the index rows (no whole reflections).

Shows what the CLI's list could cost if it used ``ReflectionStore.rows`` instead of ``query``.
"""

from __future__ import annotations

import sys

from herenow.cli import _table
from herenow.reflections import RATINGS, Query, ReflectionStore


def main() -> int:
    rows, problems = ReflectionStore().rows(Query(text=" ".join(sys.argv[1:])))
    table = [(f"{r.started:%Y-%m-%d %H:%M}", f"{r.length_minutes} min", ", ".join(r.decks),
              " ".join(str(r.ratings.get(k, "-")) for k, _ in RATINGS) if r.ratings else "", ", ".join(r.tags),
              r.preview[:32], r.id) for r in rows]
    print(_table(table, ("DATE", "LENGTH", "DECKS", "RATINGS", "TAGS", "FIRST WORDS", "ID")))
    print(f"\n{len(table)} reflections.")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
