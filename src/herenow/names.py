"""The two naming rules, each in one place.

An id (a cue's, a reflection's, a draft's) becomes part of a file name or a record, so it is letters, digits and
``_.-``, starting with a letter or digit: never a path separator, never a leading dot. A name (a deck's, a theme's)
is typed by people and shown in lists: lowercase letters, digits and hyphens.
"""

from __future__ import annotations

import re

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

_ID = re.compile(ID_PATTERN)
_NAME = re.compile(NAME_PATTERN)


def is_id(text: str) -> bool:
    return _ID.match(text) is not None


def is_name(text: str) -> bool:
    return _NAME.match(text) is not None
