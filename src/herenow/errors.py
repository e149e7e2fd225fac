"""Errors a user can cause: shown as one calm line, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in what the user asked for: printed as one line, exit code 2."""
