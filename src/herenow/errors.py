"""What a user or a disk can get wrong, each shown as one calm line, never a traceback: ``UserError`` for a
command (exit 2), ``Problem`` for a file (file:line: field: message; the app carries on with the rest)."""

from __future__ import annotations

class UserError(Exception):
    """A mistake in what the user asked for: printed as one line, exit code 2."""


class Problem:
    """One problem with one file. Immutable; equal when all four parts are. (A plain class rather than a
    dataclass: every command imports this, and ``dataclasses`` costs ~7 ms of a 50 ms ``herenow --version``.)"""

    __slots__ = ("file", "message", "line", "field")
    __match_args__ = ("file", "message", "line", "field")

    file: str
    message: str
    line: int | None
    field: str | None

    def __init__(self, file: str, message: str, line: int | None = None, field: str | None = None) -> None:
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "field", field)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def _parts(self) -> tuple[str, str, int | None, str | None]:
        return (self.file, self.message, self.line, self.field)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._parts() == other._parts()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._parts())

    def __repr__(self) -> str:
        return (f"Problem(file={self.file!r}, message={self.message!r}, line={self.line!r}, "
                f"field={self.field!r})")

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"
