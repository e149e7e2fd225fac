"""Where an export typed as a bare file name goes: the exports folder (``herenow paths``), never the current folder.

The current folder of a terminal app is an accident (wherever the shell happened to be); the exports folder is
where the user was told exports go, and inside HERENOW_HOME in portable mode. A path with a folder in it, ``~``
or an explicit ``./`` is taken as given.
"""

from __future__ import annotations

from pathlib import Path


def export_place(answer: str) -> Path:
    text = answer.strip()
    path = Path(text).expanduser()
    if text.startswith(("~", "./", ".\\")) or path.is_absolute() or path.parent != Path("."):
        return path
    from herenow.store.paths import ensure_dir, locations

    return ensure_dir(locations().export_dir) / path


def suggested(name: str) -> str:
    """The full path offered in an export prompt, so it is plain where the file will go."""
    from herenow.store.paths import locations

    return str(locations().export_dir / name)
