"""Every on-disk location herenow uses, and nothing else.

No other module builds a path to user data. Nothing here touches the disk at import time: directories are
created (mode 0700) only when something is about to be written into them.

Layout:
- ``HERENOW_HOME`` set: everything under that one folder (portable mode).
- otherwise: config, user decks and user themes under the platform config dir; reflections, drafts, the
  session record and the search index under the platform data dir.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from herenow import APP_NAME

DIR_MODE = 0o700
FILE_MODE = 0o600

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/herenow


@dataclass(frozen=True)
class Locations:
    config_dir: Path
    data_dir: Path
    portable: bool

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def decks_dir(self) -> Path:
        return self.config_dir / "decks"

    @property
    def themes_dir(self) -> Path:
        return self.config_dir / "themes"

    @property
    def reflections_dir(self) -> Path:
        return self.data_dir / "reflections"

    @property
    def drafts_dir(self) -> Path:
        return self.data_dir / "drafts"

    @property
    def sessions_dir(self) -> Path:
        """Session records not yet reflected on (autosaved while a session runs)."""
        return self.data_dir / "sessions"

    @property
    def index_file(self) -> Path:
        """The search index: a cache rebuilt from the reflection files, safe to delete."""
        return self.data_dir / "index.sqlite3"

    @property
    def export_dir(self) -> Path:
        """Where an export is suggested: inside HERENOW_HOME in portable mode (so nothing lands on the computer
        the stick is plugged into), otherwise the user's home folder."""
        return self.config_dir / "exports" if self.portable else Path.home()

    def as_rows(self) -> list[tuple[str, Path]]:
        return [
            ("config", self.config_file),
            ("decks", self.decks_dir),
            ("themes", self.themes_dir),
            ("reflections", self.reflections_dir),
            ("drafts", self.drafts_dir),
            ("sessions", self.sessions_dir),
            ("index", self.index_file),
            ("exports", self.export_dir),
        ]


def locations() -> Locations:
    """Where things live right now (reads the environment each call, so tests can change it)."""
    home = os.environ.get("HERENOW_HOME")
    if home:
        root = Path(home).expanduser().resolve()
        return Locations(config_dir=root, data_dir=root, portable=True)
    import platformdirs

    return Locations(
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        portable=False,
    )


def _data_root() -> Path:
    """Built-in decks and themes: inside the installed package, or at the repository root in a checkout."""
    installed = _PACKAGE_DIR / "_data"
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent.parent  # src/herenow -> repository root


def builtin_decks_dir() -> Path:
    return _data_root() / "cue_decks"


def builtin_themes_dir() -> Path:
    return _data_root() / "themes"


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) private to the user. Existing folders keep their mode."""
    if path.is_dir():
        return path
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, DIR_MODE)  # mkdir's mode is masked by the umask
    return path
