"""``herenow config``: show the effective config, where it lives, and set one value in it.

``config set`` changes one line of ``config.toml`` (comments and order stay) after checking the value exactly as
the file's own validation would; a bad value or key is one line on stderr, exit 2, and the file is not touched.
"""

from __future__ import annotations

import argparse
from typing import Any

from herenow.cli.output import report
from herenow.errors import UserError

# Every setting `config set` can change. Kept here, as plain names, so building the parser (and `--help`, and the
# shell completions generated from it) imports neither pydantic nor the config model; a test checks that this list
# matches the model's fields.
TOP_LEVEL = (
    "session_minutes", "presets", "warnings", "show_seconds", "cue_interval_minutes", "opening_minutes",
    "closing_minutes", "decks", "theme", "bell", "client_code", "client_voice", "protect_offer",
    "retention_years",
)
KEY_ACTIONS = (
    "next_cue", "previous_cue", "toggle_detail", "acted_on", "mark", "mark_rupture", "mark_repair",
    "mark_here_and_now", "undo", "blank", "pause", "end", "quit",
)
SETTABLE = TOP_LEVEL + tuple(f"keys.{action}" for action in KEY_ACTIONS)

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_value(key: str, text: str) -> Any:
    """``text`` as the field's type: ``45``, ``true``, ``4.5``, ``45,50,60`` (a list), or a string."""
    import typing

    from herenow.config import Config

    if key.startswith("keys."):
        return text
    annotation = typing.get_type_hints(Config)[key]
    try:
        if annotation is bool:
            word = text.strip().lower()
            if word not in _TRUE | _FALSE:
                raise ValueError
            return word in _TRUE
        if annotation is int:
            return int(text)
        if annotation is float:
            number = float(text)
            return int(number) if number.is_integer() else number
        if annotation == list[int]:
            return [int(part) for part in text.split(",") if part.strip()]
        if annotation == list[str]:
            return [part.strip() for part in text.split(",") if part.strip()]
    except ValueError:
        kind = {bool: "true or false", int: "a whole number", float: "a number"}.get(
            annotation, "whole numbers separated by commas, like 45,50,60")
        raise UserError(f"{key}: {text!r} is not {kind}") from None
    return text


def check_value(key: str, value: Any) -> None:
    """Raise UserError (one line) unless ``key = value`` passes the checks the config file gets when it is read."""
    from dataclasses import asdict

    from pydantic import ValidationError

    from herenow.config import Config, Keys
    from herenow.problems import validate, validation_problems

    *table, name = key.split(".")
    try:
        validate(Keys if table else Config, {name: value})
    except ValidationError as exc:
        raise UserError(f"{key}: {validation_problems('', '', exc, index={})[0].message}") from None
    if table:
        from herenow.config import load_config, split_keys

        current, _problems = load_config()
        for action, keys in asdict(current.keys).items():
            taken = set(split_keys(keys)) & set(split_keys(value))
            if action != name and taken:
                raise UserError(f"{key}: {sorted(taken)[0]!r} is already the key for {action}")
    elif name == "theme":
        from herenow.themes import offered_themes

        if value not in offered_themes():
            raise UserError(f"theme: no theme named {value!r} (see: herenow themes list)")
    elif name == "decks":
        from herenow.decks.library import load_library

        library = load_library()
        missing = [deck for deck in value if library.get(deck) is None]
        if missing:
            raise UserError(f"decks: no deck named {missing[0]!r} (see: herenow decks list)")


def cmd_config_set(args: argparse.Namespace) -> int:
    from herenow.config import save_setting

    if args.key not in SETTABLE:
        raise UserError(f"config set: no setting named {args.key!r} (see: herenow config set --help)")
    value = parse_value(args.key, args.value)
    check_value(args.key, value)
    problem = save_setting(args.key, value)
    if problem is not None:
        raise UserError(f"{problem} (left unchanged)")
    return 0


def cmd_config_show(args: argparse.Namespace) -> int:
    from herenow.config import config_to_toml, load_config

    from herenow.decks.checks import missing_config_decks
    from herenow.decks.library import load_library
    from herenow.store.paths import locations

    config, problems = load_config()
    problems += missing_config_decks(config, load_library(), str(locations().config_file))
    print(config_to_toml(config), end="")
    return 1 if report(problems) else 0


def cmd_config_path(args: argparse.Namespace) -> int:
    from herenow.store.paths import locations

    print(locations().config_file)
    return 0


def add_config_commands(sub: argparse._SubParsersAction) -> None:
    config = sub.add_parser("config", help="show the effective config, where it lives, or set one value")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    config_sub.add_parser("show", help="the effective config as TOML").set_defaults(func=cmd_config_show)
    config_sub.add_parser("path", help="where config.toml lives").set_defaults(func=cmd_config_path)
    p = config_sub.add_parser(
        "set", help="change one setting in config.toml (its comments stay)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Change one setting in config.toml, checked like the file; comments and order stay.",
        epilog="keys:\n" + "\n".join(f"  {key}" for key in SETTABLE) + "\n\nexamples:\n"
        "  herenow config set theme herenow-ember\n  herenow config set presets 45,50,60\n"
        "  herenow config set show_seconds false\n  herenow config set keys.blank z",
    )
    p.add_argument("key", metavar="KEY", help="the setting (listed below)")
    p.add_argument("value", metavar="VALUE", help="its new value")
    p.set_defaults(func=cmd_config_set)
