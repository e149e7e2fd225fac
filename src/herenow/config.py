"""``config.toml``: the defaults a user can change. Every key is optional; a missing file means defaults.

An invalid value is reported naming the key, and that key falls back to its default: the app carries on.
"""

from __future__ import annotations

import os
from pathlib import Path
from dataclasses import asdict, dataclass, field, fields
from typing import Annotated, Any, Literal

from herenow.store import paths
from herenow.problems import Check, Problem, between, read_toml, validation_problems
from herenow.themes import DEFAULT_THEME

# Plain dataclasses (a session reads them from the checked cache without pydantic, issue 12); pydantic checks a
# config.toml against these same classes and their ``Annotated`` rules. ``__pydantic_config__``: unknown keys are
# problems.
_CLOSED = {"extra": "forbid"}
_MINUTES = "{} is not a number of minutes from 1 to 600"
Minutes = Annotated[int, between(1, 600, _MINUTES.replace("{}", "{value}"))]


def _all_minutes(values: list[int]) -> bool:
    return all(1 <= value <= 600 for value in values)


MinuteList = Annotated[list[int], Check(_all_minutes,
                                        lambda values: _MINUTES.format(next(v for v in values if not 1 <= v <= 600)))]
Span = Annotated[float, between(0, 120)]


@dataclass(kw_only=True)
class Keys:
    """Key bindings (Textual key names: "space", "left", "ctrl+s", "m")."""

    __pydantic_config__ = _CLOSED

    next_cue: str = "space"
    previous_cue: str = "backspace,left"
    toggle_detail: str = "d"
    acted_on: str = "n"
    mark: str = "m"
    mark_rupture: str = "r"
    mark_repair: str = "R"
    mark_here_and_now: str = "h"
    undo: str = "u"
    blank: str = "b"
    pause: str = "p"
    end: str = "e"
    quit: str = "q"


ACTIONS = tuple(f.name for f in fields(Keys))


@dataclass(kw_only=True)
class Config:
    __pydantic_config__ = _CLOSED

    session_minutes: Minutes = 50  # the default session length
    presets: MinuteList = field(default_factory=lambda: [45, 50, 60])  # quick session lengths
    warnings: MinuteList = field(default_factory=lambda: [15, 10, 5])  # minutes left that change the timer
    show_seconds: bool = True
    cue_interval_minutes: Span = 4  # 0 moves cues only by hand
    opening_minutes: Span = 5
    closing_minutes: Span = 10
    # The four that fit almost any session; the other six (power, recognition, identity-power, ethics-boundaries,
    # endings-breaks, pacing-safety) are chosen for a client or a stage of the work.
    decks: list[str] = field(default_factory=lambda: ["here-and-now", "collaboration", "rupture-repair", "frame"])
    theme: str = DEFAULT_THEME
    bell: bool = False  # ring the terminal bell once when the session time is up
    client_code: bool = False  # offer an optional client code (a pseudonym) field
    # Offer optional fields for the client's own words about the session and their own session score, on the
    # scale they use.
    client_voice: bool = False
    # The home screen's one-line offer to protect reflections with a passphrase.
    protect_offer: Literal["ask", "later", "never"] = "ask"
    retention_years: Annotated[float, between(0, 100)] = 0  # remind me of reflections older than this (0: off)
    keys: Keys = field(default_factory=Keys)

    def __post_init__(self) -> None:
        self.presets = sorted(set(self.presets))
        self.warnings = sorted(set(self.warnings), reverse=True)
        for name in ("cue_interval_minutes", "opening_minutes", "closing_minutes", "retention_years"):
            setattr(self, name, float(getattr(self, name)))


SETTINGS = tuple(f.name for f in fields(Config))


def _drop(data: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """Remove the offending key so the rest of the config can still be used."""
    if not loc:
        return False
    if len(loc) >= 2 and loc[0] == "keys" and isinstance(data.get("keys"), dict) and loc[1] in data["keys"]:
        del data["keys"][loc[1]]
        return True
    if loc[0] in data:
        del data[loc[0]]
        return True
    return False


def split_keys(value: str) -> list[str]:
    return [key.strip() for key in value.split(",") if key.strip()]


def key_clashes(keys: Keys, file: str = "", text: str = "",
                explicit: frozenset[str] = frozenset()) -> tuple[Keys, list[Problem]]:
    """A key bound to two actions is reported, and the action set in the file goes back to its default keys.

    Actions left at their defaults are placed first, so a changed key never takes another action's key away:
    with ``end = "q"``, quit keeps q and end keeps e (and the clash is reported).
    """
    from herenow.problems import line_index, locate

    defaults = Keys()
    index = line_index(text) if text else {}
    owner: dict[str, str] = {}
    fixed: dict[str, str] = {}
    problems: list[Problem] = []
    order = [a for a in ACTIONS if a not in explicit] + [a for a in ACTIONS if a in explicit]
    for action in order:
        wanted = split_keys(getattr(keys, action))
        taken = [key for key in wanted if key in owner]
        if taken:
            problems.append(Problem(file, f"{taken[0]!r} is already the key for {owner[taken[0]]}; "
                                          f"{action} keeps its default ({getattr(defaults, action)!r})",
                                    line=locate(index, ("keys", action)), field=f"keys.{action}"))
            wanted = [key for key in split_keys(getattr(defaults, action)) if key not in owner]
        fixed[action] = ",".join(wanted)
        for key in wanted:
            owner[key] = action
    problems.sort(key=lambda p: ACTIONS.index(p.field.split(".")[1]))
    return Keys(**fixed), problems


def load_config() -> tuple[Config, list[Problem]]:
    """The config (defaults for what is missing or wrong) and its problems, from the checked cache when
    ``config.toml`` is as it was (``herenow.store.checked``): then neither pydantic nor tomllib is imported."""
    from herenow.store.checked import CheckedCache, cached_reader

    path = paths.locations().config_file
    if not os.path.lexists(path):
        return Config(), []
    cache = CheckedCache()
    config, problems = cached_reader(cache, "config", check_config, asdict, config_from_data)(path)
    cache.save()
    return config or Config(), problems


def config_from_data(data: dict[str, Any]) -> Config:
    """The inverse of ``asdict`` for a config checked when the data was made (the cache)."""
    return Config(**data | {"keys": Keys(**data["keys"])})


def check_config(path: Path, raw: bytes | None = None) -> tuple[Config, list[Problem]]:
    """Read and check ``config.toml``: a bad key goes back to its default and is reported; the rest is used."""
    from pydantic import ValidationError

    from herenow.problems import bad_values, validate, value_problems

    data, text, problems = read_toml(path, check_values=False, raw=raw)
    if data is None:
        return Config(), problems
    bad = bad_values(data)
    if bad:  # nan, inf, a huge number: that key goes back to its default, the rest is used
        problems += value_problems(str(path), text, bad)
        for loc, _why in bad:
            _drop(data, loc)
    config = Config()
    seen: set[str] = set()
    for _ in range(20):
        try:
            config = validate(Config, data)
            break
        except ValidationError as exc:
            for problem in validation_problems(str(path), text, exc):
                if str(problem) not in seen:
                    seen.add(str(problem))
                    problems.append(problem)
            if not any([_drop(data, tuple(err["loc"])) for err in exc.errors()]):
                break
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    if problems or keys:
        config.keys, clashes = key_clashes(config.keys, str(path), text, frozenset(keys))
        problems += clashes
    return config, problems


def config_to_toml(config: Config) -> str:
    import tomli_w

    return tomli_w.dumps(asdict(config))


def save_setting(key: str, value: Any) -> Problem | None:
    """Change one setting in ``config.toml`` (``"theme"``, or ``"keys.blank"`` inside ``[keys]``).

    Edited with tomlkit, so the user's comments, order and spacing stay: only the changed line differs. Written
    atomically (0600). A broken config file is left alone (and reported) rather than overwritten.
    """
    import tomlkit

    from herenow.store.files import atomic_write

    path = paths.locations().config_file
    text = ""
    if path.exists():
        parsed, text, problems = read_toml(path)
        if parsed is None:
            return problems[0]
    try:
        document = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:  # tomllib read it, tomlkit did not: leave the file alone
        return Problem(str(path), f"could not be edited in place ({exc})")
    *tables, name = key.split(".")
    target: Any = document
    for table in tables:
        if table not in target:
            target[table] = tomlkit.table()
        target = target[table]
        if not isinstance(target, dict):
            return Problem(str(path), f"{table} is not a table, so {key} cannot be set in it", field=table)
    target[name] = value
    try:
        atomic_write(path, tomlkit.dumps(document))
    except OSError as exc:
        return Problem(str(path), f"could not be saved ({exc.strerror or exc})")
    return None
