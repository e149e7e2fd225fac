"""User-facing problems with files: one line each, naming the file, the line, the field and what is wrong.

Also the shared way to read a TOML file without ever raising for a user's mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from herenow.errors import Problem  # noqa: F401  (part of this module's face)

_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")




# Beyond these an integer is no longer a count of anything herenow keeps, and SQLite cannot store it.
INT_LIMIT = 2**63 - 1


def bad_values(data: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Values no herenow file ever holds: huge integers, nan or inf, a date and time without a time zone.

    (location, why) for each; walked without recursion, so any depth of nesting is safe.
    """
    import datetime as dt
    import math

    found: list[tuple[tuple[Any, ...], str]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*loc, k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend(((*loc, i), v) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and not -INT_LIMIT <= value <= INT_LIMIT:
            found.append((loc, "is a number too large to use"))
        elif isinstance(value, float) and not math.isfinite(value):
            found.append((loc, f"is {value}, not a number that can be used"))
        elif isinstance(value, dt.datetime) and value.utcoffset() is None:
            found.append((loc, "is a date and time without a time zone (add one, e.g. +00:00)"))
    return found


def parse_toml(name: str, raw: bytes) -> tuple[dict[str, Any] | None, str, list[Problem]]:
    """Parse bytes as TOML for the file called ``name``: (data or None, text, problems). Never raises."""
    if b"\x00" in raw:
        return None, "", [Problem(name, "is not a text file")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, "", [Problem(name, "is not UTF-8 text", line=line)]
    import tomllib  # here, not at the top: ``herenow --version`` imports this module and never parses

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        match = _TOML_POS.search(msg)
        line = int(match.group(1)) if match else None
        msg = _TOML_POS.sub("", msg).strip()
        return None, text, [Problem(name, f"TOML syntax error: {msg}", line=line)]
    except RecursionError:
        return None, text, [Problem(name, "is nested too deeply to read")]
    except (ValueError, OverflowError, MemoryError) as exc:  # e.g. a date TOML allows but Python cannot hold
        return None, text, [Problem(name, f"cannot be read as TOML ({exc})")]
    return data, text, []


def read_toml(path: Path, *, max_bytes: int | None = None, check_values: bool = True,
              raw: bytes | None = None) -> tuple[dict[str, Any] | None, str, list[Problem]]:
    """Read and parse ``path`` through the one hardened reader. Returns (data or None, text, problems); never
    raises for bad content. With ``check_values``, a huge integer, nan/inf or a zone-less date and time anywhere
    makes the whole file a problem (data None)."""
    from herenow.store.files import MAX_FILE_BYTES, Unreadable, read_bytes_safely

    name = str(path)
    try:
        if raw is None:  # else: the bytes were read already (through the same reader)
            raw = read_bytes_safely(path, MAX_FILE_BYTES if max_bytes is None else max_bytes)
    except Unreadable as exc:
        return None, "", [Problem(name, str(exc))]
    data, text, problems = parse_toml(name, raw)
    if data is not None and check_values:
        bad = bad_values(data)
        if bad:
            return None, text, value_problems(name, text, bad)
    return data, text, problems


def value_problems(name: str, text: str, bad: list[tuple[tuple[Any, ...], str]]) -> list[Problem]:
    index = line_index(text)
    return [Problem(name, why, line=locate(index, loc), field=field_name(loc) or None) for loc, why in bad]


def load_model(path: Path, model: Any, *, identity: Any = None) -> tuple[Any | None, list[Problem]]:
    """Read ``path`` and validate it as the pydantic ``model``: (instance or None, problems). Never raises.

    A sealed file (``*.age``, issue 10) is opened with ``identity`` (default: the one unlocked in this process);
    locked, damaged or sealed to another key is one problem naming the file."""
    from herenow.store.files import MAX_FILE_BYTES, Unreadable, read_content

    try:
        raw = read_content(path, identity, MAX_FILE_BYTES)
    except Unreadable as exc:
        return None, [Problem(str(path), str(exc))]
    return model_from_bytes(str(path), raw, model)


def model_from_bytes(name: str, raw: bytes, model: Any) -> tuple[Any | None, list[Problem]]:
    """Parse ``raw`` (the bytes of the file ``name``) as TOML and validate it as ``model``. Never raises."""
    from pydantic import ValidationError

    data, text, problems = parse_toml(name, raw)
    if data is None:
        return None, problems
    bad = bad_values(data)
    if bad:
        return None, value_problems(name, text, bad)
    try:
        return validate(model, data), []
    except ValidationError as exc:
        return None, validation_problems(name, text, exc)
    except RecursionError:
        return None, [Problem(name, "is nested too deeply to read")]
    except (ValueError, TypeError, OverflowError) as exc:
        return None, [Problem(name, f"is not valid ({exc})")]


class Check:
    """A rule on a field of a plain dataclass, written ``Annotated[type, Check(test, words)]``. Pydantic runs
    ``test(value)`` after the type check when it validates a file (its ``__get_pydantic_core_schema__`` hook), and a
    failure reads ``words(value)``, located at the field. Nothing here imports pydantic: a session builds these
    classes from the checked cache without it (issue 12)."""

    __slots__ = ("test", "words")

    def __init__(self, test: Callable[[Any], bool], words: Callable[[Any], str]) -> None:
        self.test = test
        self.words = words

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def check(value: Any) -> Any:
            if not self.test(value):
                raise ValueError(self.words(value))
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))


def between(low: float, high: float, words: str = "") -> Check:
    """A number from ``low`` to ``high`` (nan and inf are neither)."""
    span = f"should be a number from {_number(low)} to {_number(high)}"
    return Check(lambda value: low <= value <= high, lambda value: words.format(value=value) or span)


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def toml_ready(value: Any) -> Any:
    """Plain data with every None left out, at any depth: TOML has no null."""
    if isinstance(value, dict):
        return {k: toml_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [toml_ready(v) for v in value]
    return value


def validate(model: Any, data: Any) -> Any:
    """``data`` checked and built as ``model``: a pydantic model, or a plain dataclass whose annotations pydantic
    reads (the classes a session uses, issue 12). Raises pydantic's ValidationError."""
    if hasattr(model, "model_validate"):
        return model.model_validate(data)
    return _adapter(model).validate_python(data)


@lru_cache(maxsize=None)
def _adapter(model: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(model)


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
        return key[1:-1]
    return key


def line_index(text: str) -> dict[tuple[Any, ...], int]:
    """Map TOML locations (as pydantic ``loc`` tuples) to 1-based line numbers, as well as a light scan can."""
    where: dict[tuple[Any, ...], int] = {}
    counts: dict[str, int] = {}
    prefix: tuple[Any, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header and not line.lstrip().startswith(("#",)):
            name = tuple(_unquote(part.strip()) for part in header.group(2).split("."))
            if header.group(1) == "[[":
                index = counts.get(".".join(name), -1) + 1
                counts[".".join(name)] = index
                prefix = (*name, index)
            else:
                prefix = name
            where.setdefault(prefix, number)
            continue
        key = _KEY.match(line)
        if key:
            where.setdefault((*prefix, _unquote(key.group(1))), number)
    return where


def locate(index: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    """The line of the longest known prefix of ``loc``."""
    for end in range(len(loc), 0, -1):
        line = index.get(tuple(loc[:end]))
        if line is not None:
            return line
    return None


def field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validation_problems(file: str, text: str, exc: Any, *, index: dict | None = None) -> list[Problem]:
    """Turn a pydantic ValidationError into one Problem per error, with line numbers where found."""
    index = line_index(text) if index is None else index
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        message = error["msg"]
        if error["type"] == "missing":
            message = "is missing"
        elif error["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
            message = "is not a known field"
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        problems.append(Problem(file, message, line=locate(index, loc), field=field_name(loc) or None))
    return problems
