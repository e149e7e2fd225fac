"""``herenow reflections``: list, show, export and delete reflections from the command line. No Textual here."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from collections.abc import Iterator
from typing import TYPE_CHECKING

from herenow.errors import UserError
from herenow.cli.protect import add_passphrase_file
from herenow.cli.output import measured_table, printable, report, say
from herenow.text import plural, shorten

# The store (pydantic, sqlite3) is imported by the commands that use it, not here: build_parser() imports this
# module for every command, a session's start and the build hook that writes the completions included.
if TYPE_CHECKING:
    from herenow.store.reflections import Query, Reflection, ReflectionStore

FIRST_WORDS = 32


def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"{option} {value!r} is not a date like 2026-11-17") from None


def query_from(args: argparse.Namespace) -> Query:
    from herenow.store.reflections import Query

    since = parse_date(args.since, "--since") if args.since else None
    until = parse_date(args.until, "--until") if args.until else None
    if since and until and since > until:
        raise UserError(f"--since {since} is after --until {until}")
    return Query(since=since, until=until, tags=[t.strip().lower() for t in args.tag if t.strip()],
                 decks=list(args.deck), text=args.search or "")


def cmd_list(args: argparse.Namespace) -> int:
    from herenow.cli.protect import unlock_for_reading
    from herenow.listing import ratings_text
    from herenow.store.indexed import IndexedStore
    from herenow.store.reflections import RATINGS

    unlock_for_reading(args)
    # Light rows straight from the index, a chunk at a time: no reflection file is read or validated to print the
    # table. Only the cells' text and widths are kept to pad the columns (about 0.7 KB a row: 70 MB for 100,000
    # matches); reading the rows twice instead would keep less but take twice as long.
    store = IndexedStore()
    index = store.index()
    index.refresh()
    query = query_from(args)
    problems = index.problems()
    headers = ("DATE", "LENGTH", "DECKS", "RATINGS", "TAGS", "FIRST WORDS", "ID")

    def cells_of() -> Iterator[tuple[str, ...]]:
        for r in index.iter_lines(query, limit=args.limit):
            yield (r.started, f"{r.length_minutes} min", ", ".join(r.decks), ratings_text(r.ratings),
                   ", ".join(r.tags), shorten(r.preview, FIRST_WORDS), r.id)

    table = measured_table(cells_of(), headers)
    if table.count:
        sys.stdout.writelines(table.lines())
        names = ", ".join(key for key, _label in RATINGS)
        print(f"\n{plural(table.count, 'reflection')}. "
              f"Ratings: {names} (1-5, your own perception).")
    elif _store_unreadable(problems):
        print("No reflections could be read (see below).")
    else:
        print("No reflections match." if _has_filters(args) else "No reflections yet.")
    return 1 if report(problems) else 0


def _store_unreadable(problems) -> bool:
    from herenow.store.paths import locations

    root = str(locations().reflections_dir)
    return any(p.file == root for p in problems)


def _has_filters(args: argparse.Namespace) -> bool:
    return bool(args.since or args.until or args.tag or args.deck or args.search)


def _get(store: ReflectionStore, reflection_id: str) -> Reflection:
    reflection, problems = store.get(reflection_id)
    if reflection is None:
        if problems:
            report(problems)
            raise UserError(f"the reflection {reflection_id!r} could not be read (see above)")
        raise UserError(f"no reflection with the id {reflection_id!r} (see: herenow reflections list)")
    return reflection


def cmd_show(args: argparse.Namespace) -> int:
    from herenow.store.export import markdown_section
    from herenow.store.reflections import ReflectionStore

    from herenow.cli.protect import unlock_for_reading

    unlock_for_reading(args)
    store = ReflectionStore()
    reflection = _get(store, args.id)
    say(markdown_section(reflection, include_client_code=True, level=1).rstrip("\n"))
    say(f"\nfile: {store.find(args.id)}")
    return 0


def _interactive() -> bool:
    stdin = sys.stdin
    try:
        return stdin is not None and not stdin.closed and stdin.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def cmd_export(args: argparse.Namespace) -> int:
    from herenow.cli.protect import unlock_for_reading
    from herenow.store.export import export_from_index
    from herenow.store.indexed import IndexedStore
    from herenow.store.protection import current

    recipient = None
    if args.to:
        from herenow.store.sealing import SealingError, parse_recipient

        try:
            recipient = parse_recipient(args.to, name="--to")
        except SealingError as exc:
            raise UserError(f"{exc} (a supervisor's age public key)") from None
        if not args.output:
            raise UserError("--to writes a sealed file: give it a name with -o FILE")
    target = None
    if args.output:
        from pathlib import Path

        target = Path(args.output).expanduser()
        if target.is_dir():
            raise UserError(f"{target} is a folder; give a file name")
        if target.exists() and not args.force:
            # Asked before anything is read, as the review screen does: a file is replaced only if you say so.
            if not _interactive():
                raise UserError(f"{target} already exists; not replacing it without a terminal to ask in "
                                "(add --force to replace it)")
            try:
                replace = _ask(f"{target} already exists. Replace it? [y/N]")
            except (EOFError, OSError):
                print(file=sys.stderr)
                replace = False
            if not replace:
                print("Not exported; the file is left as it was.", file=sys.stderr)
                return 0
    if target is not None and recipient is None and current().protected and not (args.plain or args.force):
        # Your reflections are sealed: a plain copy is a step down, so it is asked for, never assumed.
        if not _interactive():
            raise UserError(f"not writing {target} unencrypted without a terminal to ask in (add --plain, or "
                            "--to age1... to seal it to your supervisor's key)")
        try:
            go = _ask(f"{target} would not be encrypted: anyone who gets the file can read it. Write it? [y/N]")
        except (EOFError, OSError):
            go = False
        if not go:
            print("Not exported.", file=sys.stderr)
            return 0
    unlock_for_reading(args)
    # Streamed: read a chunk of reflections at a time and written as they come (memory flat at any size).
    index = IndexedStore().index()
    index.refresh()
    query = query_from(args)
    if target is not None:
        from herenow.store.export import write_export_from_index

        try:
            if recipient is not None:
                # Sealed to a supervisor's key: age seals the whole file at once, so this one is built in memory
                # (an export for supervision is a selection, not a career's worth).
                from herenow.store.export import write_export

                found = index.reflections(query)
                count = write_export(found, target, args.format, include_client_codes=args.include_client_codes,
                                     recipient=recipient)
            else:
                count = write_export_from_index(index, query, target, args.format,
                                                include_client_codes=args.include_client_codes)
        except OSError as exc:
            raise UserError(f"could not write {target}: {exc.strerror or exc}") from None
        how = f"sealed to {args.to.strip()[:12]}...; only that key opens it" if recipient else "not encrypted"
        print(f"Exported {plural(count, 'reflection')} to {target} ({how}).", file=sys.stderr)
    else:
        try:
            to_terminal = sys.stdout.isatty()
        except (AttributeError, ValueError):
            to_terminal = False
        out = _Printable(sys.stdout) if to_terminal else sys.stdout  # piped: the data as is
        export_from_index(index, query, out, args.format, include_client_codes=args.include_client_codes)
        sys.stdout.flush()
    return 1 if report(index.problems()) else 0


class _Printable:
    """A text stream that escapes control characters (a file's words never drive the terminal)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(printable(text, keep_newlines=True))


def _ask(question: str) -> bool:
    print(question, end=" ", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def cmd_delete(args: argparse.Namespace) -> int:
    from herenow.store.reflections import ReflectionStore

    store = ReflectionStore()
    path = store.find(args.id)
    if path is None:
        raise UserError(f"no reflection with the id {args.id!r} (see: herenow reflections list)")
    if not args.yes:
        if not _interactive():
            raise UserError("not deleting without a yes: run it in a terminal, or add --yes")
        reflection, _problems = store.get(args.id)
        what = (f"the reflection on the session from {reflection.date:%a %d %b %Y, %H:%M}" if reflection
                else f"the file {path}")
        if not _agreed(f"Delete {what}? This cannot be undone. [y/N]"):
            return 0
    try:
        deleted = store.delete(args.id)
    except OSError as exc:
        raise UserError(f"could not delete {path}: {exc.strerror or exc}") from None
    if not deleted:
        raise UserError(f"no reflection with the id {args.id!r} (see: herenow reflections list)")
    print(f"Deleted {path}.", file=sys.stderr)
    return 0


def _agreed(question: str) -> bool:
    """Ask before deleting: True on a yes; on a no, or no answer at all, say that nothing was deleted."""
    try:
        if _ask(question):
            return True
        print("Nothing deleted.", file=sys.stderr)
    except (EOFError, OSError):
        print("\nNothing deleted.", file=sys.stderr)
    return False


def cmd_prune(args: argparse.Namespace) -> int:
    """Delete reflections older than a period, listing them and asking first. Dates come from the file names, so
    no passphrase is needed."""
    from herenow.store.paths import locations
    from herenow.store.retention import cutoff, older_than, parse_period

    try:
        period = parse_period(args.older_than)
    except ValueError as exc:
        raise UserError(f"--older-than: {exc}") from None
    first_kept = cutoff(period, dt.date.today())
    found = older_than(locations().reflections_dir, first_kept)
    if not found:
        print(f"No reflections from before {first_kept}; nothing to delete.")
        return 0
    for day, path in found:
        print(printable(f"{day}  {path.name}"))
    print(f"{plural(len(found), 'reflection')} from before {first_kept}.")
    if not args.yes:
        if not _interactive():
            raise UserError("not deleting without a yes: run it in a terminal, or add --yes")
        if not _agreed(f"Delete these {plural(len(found), 'reflection')}? This cannot be undone. [y/N]"):
            return 0
    failed = 0
    for _day, path in found:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            failed += 1
            print(printable(f"herenow: could not delete {path}: {exc.strerror or exc}"), file=sys.stderr)
    print(f"Deleted {plural(len(found) - failed, 'reflection')}.", file=sys.stderr)
    return 1 if failed else 0


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="DATE", help="from this day (YYYY-MM-DD)")
    parser.add_argument("--until", metavar="DATE", help="up to and including this day (YYYY-MM-DD)")
    parser.add_argument("--tag", action="append", default=[], metavar="T", help="with this tag (repeat for more)")
    parser.add_argument("--deck", action="append", default=[], metavar="D", help="sessions that used this deck")
    parser.add_argument("--search", metavar="TEXT", help="with this text in an answer, the note or the tags")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of 1 or more")
    return number


def add_reflection_commands(subparsers) -> None:
    reflections = subparsers.add_parser("reflections", help="list (the default), show, export and delete reflections")
    sub = reflections.add_subparsers(dest="reflections_command", metavar="ACTION", required=True)

    p = sub.add_parser("list", help="reflections as a table, newest first")
    _filters(p)
    p.add_argument("-n", "--limit", type=_positive, metavar="N", help="only the newest N")
    add_passphrase_file(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="one reflection in full")
    p.add_argument("id")
    add_passphrase_file(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("export", help="reflections as Markdown (for supervision), JSON or CSV")
    p.add_argument("--format", choices=("md", "json", "csv"), default="md", help="md (default), json or csv")
    _filters(p)
    p.add_argument("--include-client-codes", action="store_true", help="include client codes (left out otherwise)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to this file (mode 0600) instead of the screen")
    p.add_argument("--force", action="store_true",
                   help="replace FILE if it already exists, without asking (needed when there is no terminal)")
    p.add_argument("--to", metavar="AGE1...", help="seal the file to this age public key (your supervisor's)")
    p.add_argument("--plain", action="store_true",
                   help="write an unencrypted file from a protected store without asking")
    add_passphrase_file(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("prune", help="delete reflections older than a period (lists them and asks first)")
    p.add_argument("--older-than", required=True, metavar="PERIOD", help="7y, 6m or 90d")
    p.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("delete", help="delete one reflection (asks first)")
    p.add_argument("id")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.set_defaults(func=cmd_delete)
