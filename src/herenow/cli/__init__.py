"""The ``herenow`` command. Non-UI commands never import Textual (they start fast and stay light)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms)

from herenow import __version__
from herenow.errors import UserError

# Only what every start needs is imported here: ``herenow --version`` should cost little more than Python itself
# (issue 14: at most 2x ``python -c "import argparse"``). The output helpers, paths and problems come with the
# command that uses them.
if TYPE_CHECKING:  # pragma: no cover
    from herenow.problems import Problem


def printable(text: str, **kwargs) -> str:
    from herenow.cli.output import printable as _printable

    return _printable(text, **kwargs)


def report(*args, **kwargs) -> int:
    from herenow.cli.output import report as _report

    return _report(*args, **kwargs)


def say(*args, **kwargs) -> None:
    from herenow.cli.output import say as _say

    _say(*args, **kwargs)


def table(*args, **kwargs) -> str:
    from herenow.cli.output import table as _table

    return _table(*args, **kwargs)


def cmd_decks_list(args: argparse.Namespace) -> int:
    from herenow.decks.library import load_library

    library = load_library()
    rows = []
    for name in library.names():
        item = library.decks[name]
        origin = "user (overrides built-in)" if item.overrides_builtin else item.origin
        rows.append((name, item.deck.title, str(len(item.deck.cues)), origin, str(item.path)))
    print(table(rows, ("NAME", "TITLE", "CUES", "FROM", "FILE")))
    for hint in library.hints:
        print(printable(f"hint: {hint}"))
    return 1 if report(library.problems) else 0


def cmd_decks_show(args: argparse.Namespace) -> int:
    from herenow.decks.library import load_library
    from herenow.decks.model import STAGE_LABELS, STAGES

    library = load_library()
    item = library.get(args.name)
    if item is None:
        report(library.problems)
        raise UserError(f"no deck named {args.name!r} (see: herenow decks list)")
    deck = item.deck
    say(f"{deck.title}  [{deck.name}, version {deck.version}, {deck.language}]")
    if deck.author:
        say(f"by {deck.author}")
    say(f"file: {item.path} ({item.origin})")
    if deck.description:
        say(f"\n{deck.description}")
    if deck.sources:
        say("sources: " + "; ".join(deck.sources))
    say(f"\nCues ({len(deck.cues)}):")
    for cue in deck.cues:
        weight = "" if cue.weight == 1.0 else f" x{cue.weight:g}"
        first = "  first session only" if cue.first_session else ""
        say(f"  [{cue.phase:<7}] {cue.text}{weight}   ({cue.id}){first}")
        if args.details and cue.detail:
            say(f"             {cue.detail}")
    if deck.prompts:
        say("\nReflection prompts:")
        for stage in STAGES:
            prompts = deck.prompts_at(stage)
            if prompts:
                say(f"  {STAGE_LABELS[stage]}?")
                for prompt in prompts:
                    after = f", after {prompt.follows}" if prompt.follows else ""
                    say(f"    - {prompt.text}   ({prompt.id}{after})")
    return 0


def cmd_decks_validate(args: argparse.Namespace) -> int:
    from herenow.decks.library import text_hints, validate_files

    from pathlib import Path

    from herenow.problems import Problem

    files = [Path(p) for p in args.paths]
    missing = [p for p in files if not p.exists()]
    problems: list[Problem] = [Problem(str(p), "no such file") for p in missing]
    decks, found = validate_files([p for p in files if p.exists()])
    problems += found
    report(problems, sys.stdout)
    from herenow.decks.checks import check_deck_file

    for path in files:  # hints (advice, not errors) for every readable file, valid or not, with their lines
        if path.is_file():
            for hint in check_deck_file(path)[2]:
                print(printable(f"hint: {hint}"))
    for hint in text_hints([p for p in files if p.exists()]):  # the same cue text as another deck's
        print(printable(f"hint: {hint}"))
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    print(f"{len(decks)} deck(s) valid.")
    return 0


def cmd_decks_new(args: argparse.Namespace) -> int:
    from herenow.decks.library import copy_deck, load_library
    from herenow.decks.schema import validate_deck
    from herenow.names import is_name

    if not is_name(args.name):
        raise UserError(f"{args.name!r} is not a valid deck name: use lowercase letters, digits and hyphens")
    library = load_library()
    shadowed = library.get(args.name)
    if shadowed is not None and shadowed.origin == "built-in":
        _confirm_shadowing(args, shadowed.deck.title)
    if args.from_name:
        item = library.get(args.from_name)
        if item is None:
            raise UserError(f"no deck named {args.from_name!r} (see: herenow decks list)")
        source = item.deck
    else:
        source = validate_deck(dict(
            name=args.name,
            title=args.name.replace("-", " ").capitalize(),
            description="My own deck.",
            prompts=[{"id": f"{args.name}-p1", "stage": "what", "text": "What happened between us today?"},
                     {"id": f"{args.name}-p2", "stage": "so-what", "follows": f"{args.name}-p1",
                      "text": "What did it mean, and what was my part in it?"},
                     {"id": f"{args.name}-p3", "stage": "now-what",
                      "text": "What would I like to try next time?"}],
            cues=[{"text": "What would I like to stay curious about today?", "phase": "any"}],
        ))
    try:
        _deck, path = copy_deck(source, args.name)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"could not write the deck: {exc.strerror or exc}") from None
    print(printable(f"Created {path}"))
    print("Edit it in any editor; check it with: herenow decks validate " + str(path))
    return 0


def _confirm_shadowing(args: argparse.Namespace, title: str) -> None:
    """A deck of yours named like a built-in one is used in its place: say so, and ask (or need --force)."""
    from herenow.cli.reflections import _ask, _interactive

    what = (f"{args.name!r} is the name of the built-in deck {title!r}: yours would be used in its place "
            "in every session and in the workshop")
    if args.force:
        print(f"Note: {what}.", file=sys.stderr)
        return
    if not _interactive():
        raise UserError(f"{what}. Choose another name, or add --force to create it anyway")
    if not _ask(f"{what}. Create it anyway? [y/N]"):
        raise UserError("nothing created")


def cmd_decks_schema(args: argparse.Namespace) -> int:
    from herenow.decks.schema import json_schema

    print(json_schema())
    return 0


# ---------------------------------------------------------------- themes, config, paths
def cmd_themes_list(args: argparse.Namespace) -> int:
    from herenow.config import load_config
    from herenow.themes import contrast, load_themes, offered_themes, summary, textual_themes

    library = load_themes()
    config, _ = load_config()
    rows = []
    for name, origin in sorted(offered_themes(library).items()):
        chosen = "*" if name == config.theme else ""
        if name in library.themes:
            theme = library.themes[name].theme
            rows.append((chosen, name, theme.title, "dark" if theme.dark else "light",
                         f"{summary(theme)['text']}:1", origin))
        else:
            colours = textual_themes()[name]
            ratio = round(contrast(colours["foreground"], colours["background"]), 1)
            rows.append((chosen, name, name.replace("-", " ").title(), colours["kind"], f"{ratio}:1", origin))
    print(table(rows, ("", "NAME", "TITLE", "KIND", "CONTRAST", "FROM")))
    return 1 if report(library.problems) else 0


def cmd_paths(args: argparse.Namespace) -> int:
    from herenow.store.paths import builtin_decks_dir, builtin_themes_dir, locations

    where = locations()
    rows = [(name, str(path)) for name, path in where.as_rows()]
    rows += [("built-in decks", str(builtin_decks_dir())), ("built-in themes", str(builtin_themes_dir()))]
    print(table(rows, ("WHAT", "WHERE")))
    if where.portable:
        print("\nPortable mode: everything is under HERENOW_HOME.")
    return 0


# ---------------------------------------------------------------- the app
def cmd_app(args: argparse.Namespace) -> int:
    from herenow.ui.launch import run_app

    return run_app(args)


LISTS_ALONE = ("decks", "themes", "reflections")
def cmd_serve(args: argparse.Namespace) -> int:
    import importlib.util

    if not 0 <= args.port <= 65535:
        raise UserError("--port takes a number from 0 to 65535 (0: a free one)")
    if any(importlib.util.find_spec(name) is None for name in ("aiohttp", "textual_serve")):
        print("herenow serve needs more: install it with: pip install 'herenow[serve]'", file=sys.stderr)
        return 2
    from herenow.serve import run

    return run(lan=args.lan, port=args.port)


def build_parser(only_session: bool = False) -> argparse.ArgumentParser:
    """The whole command line (``only_session``: the top level and ``session`` alone, the same as in the whole:
    ``herenow session`` then starts without building the other 23 commands, ~10 ms of its start, issue 12)."""
    from herenow.cli.protect import add_passphrase_file, add_protect_command

    parser = argparse.ArgumentParser(
        prog="herenow",
        description="A discreet cue card, a calm session timer and two-minute reflections, for therapists. "
        "Everything stays on this computer.",
    )
    parser.add_argument("--version", action="version", version=f"herenow {__version__}")
    parser.add_argument("--theme", help="theme to use (remembered)")
    add_passphrase_file(parser)
    parser.set_defaults(func=cmd_app, screen="home")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    session = sub.add_parser("session", help="start a session straight away")
    session.add_argument("--deck", help="deck name(s), comma separated")
    length = session.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=int, help="session length in minutes")
    length.add_argument("--until", metavar="HH:MM", help="end at this clock time instead")
    session.add_argument("--theme", help="theme to use (remembered)")
    session.add_argument("--compact", action="store_true", help="cue and time in a few lines")
    session.add_argument("--first", action="store_true",
                         help="a first session with this client: adds the consent and 'how this works' cues")
    session.add_argument("--resume", nargs="?", const="latest", metavar="ID",
                         help="carry on a session that was closed or whose window died (default: the latest)")
    session.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    # Set by `herenow serve` only: the app runs in a browser (lan: the session screen only, never a reflection).
    session.add_argument("--served", choices=("local", "lan"), help=argparse.SUPPRESS)
    session.set_defaults(func=cmd_app, screen="session")
    if only_session:
        return parser

    serve = sub.add_parser("serve", help="show the session in a browser or on a tablet (needs herenow[serve])")
    serve.add_argument("--lan", action="store_true",
                       help="listen on the local network too (plain HTTP; reflections never cross it)")
    serve.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    serve.set_defaults(func=cmd_serve)

    review = sub.add_parser("review", help="browse past reflections")
    review.add_argument("--theme", help="theme to use (remembered)")
    add_passphrase_file(review)
    review.set_defaults(func=cmd_app, screen="review")

    decks = sub.add_parser("decks", help="list (the default), show, validate and create cue decks")
    decks_sub = decks.add_subparsers(dest="decks_command", metavar="ACTION", required=True)
    p = decks_sub.add_parser("list", help="all decks, built-in and your own")
    p.set_defaults(func=cmd_decks_list)
    p = decks_sub.add_parser("show", help="the cues and prompts of one deck")
    p.add_argument("name")
    p.add_argument("--details", action="store_true", help="also show each cue's detail")
    p.set_defaults(func=cmd_decks_show)
    p = decks_sub.add_parser("validate", help="check deck files; one line per problem")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_decks_validate)
    p = decks_sub.add_parser("new", help="create a deck in your decks folder, ready to edit")
    p.add_argument("name")
    p.add_argument("--from", dest="from_name", metavar="EXISTING", help="copy this deck")
    p.add_argument("--force", action="store_true",
                   help="create it even if a built-in deck has this name (needed when there is no terminal)")
    p.set_defaults(func=cmd_decks_new)
    p = decks_sub.add_parser("schema", help="print the JSON Schema of the deck format (for editors)")
    p.set_defaults(func=cmd_decks_schema)
    p = decks_sub.add_parser("edit", help="the deck workshop: browse, copy and edit decks in the app")
    p.add_argument("deck_name", nargs="?", metavar="NAME", help="open this deck straight away")
    p.add_argument("--theme", help="theme to use (remembered)")
    p.set_defaults(func=cmd_app, screen="workshop")

    themes = sub.add_parser("themes", help="list themes (the default)")
    themes_sub = themes.add_subparsers(dest="themes_command", metavar="ACTION", required=True)
    p = themes_sub.add_parser("list", help="built-in and your own themes")
    p.set_defaults(func=cmd_themes_list)

    from herenow.cli.config import add_config_commands

    add_config_commands(sub)
    sub.add_parser("paths", help="where each thing lives").set_defaults(func=cmd_paths)

    from herenow.cli.reflections import add_reflection_commands
    add_reflection_commands(sub)
    add_protect_command(sub)
    return parser


# What secure_tree found at this start; the app may show these on the home screen.
_start_problems: list[Problem] = []


def start_problems() -> list[Problem]:
    return list(_start_problems)


def main(argv: Sequence[str] | None = None) -> int:
    import os

    # herenow uses no pydantic plugins; not scanning for them saves ~20 ms of start-up.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    if list(sys.argv[1:] if argv is None else argv) == ["--version"]:  # what argparse would print, sooner
        print(f"herenow {__version__}")
        return 0
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only_session=argv[:1] == ["session"])
    if len(argv) == 1 and argv[0] in LISTS_ALONE:  # `herenow decks` alone lists, like `herenow decks list`
        argv.append("list")
    args = parser.parse_args(argv)
    try:
        if args.func is not cmd_decks_schema:
            from herenow.store.paths import secure_tree

            # Once per start, for the app and every command: private modes, old temporary files, a broken
            # reflections folder. Said on stderr, one line each (the app shows them on its home screen too).
            _start_problems[:] = secure_tree()
            if _start_problems:  # (the output helpers are imported only when there is something to say)
                report(_start_problems)
        return args.func(args)
    except UserError as exc:
        print(printable(f"herenow: {exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
