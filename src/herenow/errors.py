"""What a user or a disk can get wrong, each shown as one calm line, never a traceback: ``UserError`` for a
command (exit 2), ``Problem`` for a file (file:line: field: message; the app carries on with the rest)."""

from __future__ import annotations

from dataclasses import dataclass


class UserError(Exception):
    """A mistake in what the user asked for: printed as one line, exit code 2."""


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
