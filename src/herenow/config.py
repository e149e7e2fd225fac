"""``config.toml``: the defaults a user can change. Every key is optional; a missing file means defaults.

An invalid value is reported naming the key, and that key falls back to its default: the app carries on.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from herenow.store import paths
from herenow.problems import Problem, read_toml, validation_problems
from herenow.themes import DEFAULT_THEME


class Keys(BaseModel):
    """Key bindings (Textual key names: "space", "left", "ctrl+s", "m")."""

    model_config = ConfigDict(extra="forbid")

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


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_minutes: int = Field(default=50, ge=1, le=600, description="Default session length.")
    presets: list[int] = Field(default_factory=lambda: [45, 50, 60], description="Quick session lengths.")
    warnings: list[int] = Field(default_factory=lambda: [15, 10, 5], description="Minutes left that change the timer.")
    show_seconds: bool = True
    cue_interval_minutes: float = Field(default=4, ge=0, le=120, description="0 moves cues only by hand.")
    opening_minutes: float = Field(default=5, ge=0, le=120)
    closing_minutes: float = Field(default=10, ge=0, le=120)
    # The four that fit almost any session; the other six (power, recognition, identity-power, ethics-boundaries,
    # endings-breaks, pacing-safety) are chosen for a client or a stage of the work.
    decks: list[str] = Field(default_factory=lambda: ["here-and-now", "collaboration", "rupture-repair", "frame"])
    theme: str = DEFAULT_THEME
    bell: bool = Field(default=False, description="Ring the terminal bell once when the session time is up.")
    client_code: bool = Field(default=False, description="Offer an optional client code (a pseudonym) field.")
    client_voice: bool = Field(default=False, description="Offer optional fields for the client's own words about "
                               "the session and their own session score, on the scale they use.")
    protect_offer: Literal["ask", "later", "never"] = Field(
        default="ask", description="The home screen's one-line offer to protect reflections with a passphrase.")
    retention_years: float = Field(default=0, ge=0, le=100, allow_inf_nan=False,
                                   description="Remind me of reflections older than this (0: off).")
    keys: Keys = Field(default_factory=Keys)

    @field_validator("presets", "warnings")
    @classmethod
    def _positive_minutes(cls, value: list[int], info) -> list[int]:
        for minutes in value:
            if not 0 < minutes <= 600:
                raise ValueError(f"{minutes} is not a number of minutes from 1 to 600")
        return sorted(set(value), reverse=info.field_name == "warnings")


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


def key_clashes(keys: Keys, file: str = "", text: str = "") -> tuple[Keys, list[Problem]]:
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
    explicit = keys.model_fields_set
    order = [a for a in Keys.model_fields if a not in explicit] + [a for a in Keys.model_fields if a in explicit]
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
    problems.sort(key=lambda p: list(Keys.model_fields).index(p.field.split(".")[1]))
    return Keys(**{action: fixed[action] for action in Keys.model_fields}), problems


def load_config() -> tuple[Config, list[Problem]]:
    config, problems, _text = _load_config()
    if problems or "keys" in config.model_fields_set:
        keys, clashes = key_clashes(config.keys, str(paths.locations().config_file), _text)
        config.keys = keys
        problems += clashes
    return config, problems


def _load_config() -> tuple[Config, list[Problem], str]:
    from herenow.problems import bad_values, value_problems

    path = paths.locations().config_file
    if not os.path.lexists(path):
        return Config(), [], ""
    data, text, problems = read_toml(path, check_values=False)
    if data is None:
        return Config(), problems, text
    bad = bad_values(data)
    if bad:  # nan, inf, a huge number: that key goes back to its default, the rest is used
        problems += value_problems(str(path), text, bad)
        for loc, _why in bad:
            _drop(data, loc)
    seen: set[str] = set()
    for _ in range(20):
        try:
            return Config.model_validate(data), problems, text
        except ValidationError as exc:
            for problem in validation_problems(str(path), text, exc):
                if str(problem) not in seen:
                    seen.add(str(problem))
                    problems.append(problem)
            if not any([_drop(data, tuple(err["loc"])) for err in exc.errors()]):
                return Config(), problems, text
    return Config(), problems, text


def config_to_toml(config: Config) -> str:
    import tomli_w

    return tomli_w.dumps(config.model_dump())


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
