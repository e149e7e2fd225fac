"""User-facing problems with files: one line each, naming the file, the line, the field and what is wrong.

Also the shared way to read a TOML file without ever raising for a user's mistake.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


def read_toml(path: Path) -> tuple[dict[str, Any] | None, str, list[Problem]]:
    """Read and parse ``path``. Returns (data or None, text, problems); never raises for bad content."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, "", [Problem(name, f"cannot be read ({exc.strerror or exc})")]
    if b"\x00" in raw:
        return None, "", [Problem(name, "is not a text file")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "", [Problem(name, "is not UTF-8 text")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        match = _TOML_POS.search(msg)
        line = int(match.group(1)) if match else None
        msg = _TOML_POS.sub("", msg).strip()
        return None, text, [Problem(name, f"TOML syntax error: {msg}", line=line)]
    return data, text, []


def load_model(path: Path, model: Any) -> tuple[Any | None, list[Problem]]:
    """Read ``path`` and validate it as the pydantic ``model``: (instance or None, problems). Never raises."""
    from pydantic import ValidationError

    data, text, problems = read_toml(path)
    if data is None:
        return None, problems
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, validation_problems(str(path), text, exc)


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
        elif error["type"] == "extra_forbidden":
            message = "is not a known field"
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        problems.append(Problem(file, message, line=locate(index, loc), field=field_name(loc) or None))
    return problems
