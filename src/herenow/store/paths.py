"""Every on-disk location herenow uses, and nothing else.

No other module builds a path to user data. Nothing here touches the disk at import time: directories are
created (mode 0700) only when something is about to be written into them.

Layout:
- ``HERENOW_HOME`` set: everything under that one folder (portable mode), the search index in its ``cache``.
- otherwise: config, user decks and user themes under the platform config dir; reflections, drafts and the
  session record under the platform data dir; the search index (a cache) under the platform cache dir, so that
  a synced or backed-up data folder holds only the reflection files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from herenow import APP_NAME

DIR_MODE = 0o700
FILE_MODE = 0o600

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/herenow


class Locations(NamedTuple):
    """Where herenow keeps everything. (NamedTuple rather than a frozen dataclass: cheaper to create, issue 12.)"""

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
    def identity_file(self) -> Path:
        """The age identity wrapped with the passphrase (issue 10): beside reflections/, so a synced or copied data
        folder carries it and ``age -d -i identity.age`` works from there."""
        return self.data_dir / "identity.age"

    @property
    def recipient_file(self) -> Path:
        """The public ``age1...`` key every content file is sealed to: all that writing needs."""
        return self.data_dir / "recipient.txt"

    @property
    def cache_dir(self) -> Path:
        """What can be thrown away and rebuilt: the search index (and its sealed key), the checked cache."""
        if self.portable:
            return self.data_dir / "cache"
        import platformdirs

        return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))

    @property
    def index_file(self) -> Path:
        """The search index: a cache rebuilt from the reflection files, safe to delete."""
        return self.cache_dir / "index.sqlite3"

    @property
    def checked_cache_file(self) -> Path:
        """Decks, themes and config.toml as plain data once checked (``herenow.store.checked``), safe to delete."""
        return self.cache_dir / "checked.json"

    @property
    def old_index_file(self) -> Path:
        """Where the index lived before it moved to the cache folder: deleted when seen (only a cache)."""
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
            ("identity", self.identity_file),
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


def remove_quietly(path: str | Path) -> None:
    """Remove a file that may not be there (a temporary file, a lock, a stale journal); a failure changes nothing
    worth saying."""
    try:
        os.unlink(path)
    except OSError:
        pass


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


TMP_MAX_AGE_SECONDS = 3600


SETTLE_SECONDS = 2  # a folder's time younger than this may still change within the same clock tick


def secure_tree(now: float | None = None) -> list:
    """Call once at start (the app and the CLI do). Returns problems, one line each, never raises.

    - Group or world access anywhere under the data and config folders is taken away (folders 0700, files
      0600), and said once, in one line per folder.
    - ``.*.tmp`` files older than an hour (left by a write that was interrupted; they can hold reflection text)
      are removed.
    - A ``reflections`` that is not a folder is reported (the store is not shown as empty).
    Links are never followed.

    Every folder is looked at each time; the files of a folder found in order are looked at again only once the
    folder changes (a file added, removed or renamed into it), which is how a loose file arrives. A file made
    loose in place (``chmod``) is still behind a private folder, so nobody else can open it; it is tightened
    when its folder next changes. So a start with 100,000 reflections stats a few hundred folders, not every file.
    """
    import time

    from herenow.errors import Problem

    now = time.time() if now is None else now
    where = locations()
    problems: list[Problem] = []
    roots = [where.data_dir] if where.data_dir == where.config_dir else [where.config_dir, where.data_dir]
    if not where.portable:
        roots.append(where.cache_dir)  # the index: encrypted when protected, private either way
    memory = _Settled(where.cache_dir / "private-folders.json")
    for root in roots:
        tally = {"tightened": 0, "failed": []}
        _secure_root(root, now, memory, tally)
        tightened, failed = tally["tightened"], tally["failed"]
        if tightened:
            problems.append(Problem(str(root), f"{tightened} file(s) or folder(s) could be read by other users "
                                               "on this computer; now only you can (0700 folders, 0600 files)"))
        if failed:
            problems.append(Problem(failed[0], f"can be read by other users and could not be made private"
                                               f"{f' ({len(failed) - 1} more like it)' if len(failed) > 1 else ''}"))
    memory.save()
    reflections = where.reflections_dir
    if os.path.lexists(reflections) and not os.path.isdir(reflections):
        problems.append(Problem(str(reflections), "is not a folder, so no reflection can be read or saved"))
    elif os.path.isdir(reflections) and not os.access(reflections, os.R_OK | os.X_OK):
        problems.append(Problem(str(reflections), "cannot be read, so no reflection can be listed"))
    return problems


class _Settled:
    """Folders found in order, and when: path -> [mtime_ns, subfolder names]. Kept private in the cache folder;
    a lost or unreadable one only means one slower start."""

    def __init__(self, path: Path) -> None:
        import json

        self.path = path
        self.changed = False
        try:
            self.folders: dict[str, list] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.folders = {}

    def same(self, folder: str, mtime_ns: int) -> list[str] | None:
        """The subfolders of ``folder`` if it was found in order at this very time, else None."""
        known = self.folders.get(folder)
        return known[1] if isinstance(known, list) and len(known) == 2 and known[0] == mtime_ns else None

    def remember(self, folder: str, mtime_ns: int, subfolders: list[str] | None) -> None:
        value = None if subfolders is None else [mtime_ns, subfolders]
        if self.folders.get(folder) != value:
            self.changed = True
            if value is None:
                self.folders.pop(folder, None)
            else:
                self.folders[folder] = value

    def save(self) -> None:
        if not self.changed:
            return
        import json

        # Renamed into place, not fsynced: only a cache (store.atomic imports this module, so not used here).
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            ensure_dir(self.path.parent)
            with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "w") as out:
                out.write(json.dumps(self.folders))
            os.replace(temporary, self.path)
        except OSError:
            remove_quietly(temporary)


def _secure_root(root: Path, now: float, memory: _Settled, tally: dict) -> None:
    import stat

    try:
        info = os.lstat(root)
    except OSError:
        return
    if not stat.S_ISDIR(info.st_mode):
        return
    stack = [(str(root), info)]
    while stack:
        folder, st = stack.pop()
        if st.st_mode & 0o077:
            _tighten(folder, st.st_mode & DIR_MODE, tally)
        known = memory.same(folder, st.st_mtime_ns)
        if known is not None:  # found in order at this time: only its subfolders are looked at
            for name in known:
                try:
                    child = os.lstat(os.path.join(folder, name))
                except OSError:
                    continue
                if stat.S_ISDIR(child.st_mode):
                    stack.append((os.path.join(folder, name), child))
            continue
        subfolders = _secure_folder(folder, now, stack, tally)
        settled = now - st.st_mtime_ns / 1e9 > SETTLE_SECONDS
        memory.remember(folder, st.st_mtime_ns, subfolders if settled else None)


def _secure_folder(folder: str, now: float, stack: list, tally: dict) -> list[str] | None:
    """Tighten the entries of one folder and queue its subfolders; their names, or None if something is left
    to look at next time (a temporary file not yet an hour old, a file that could not be changed)."""
    import stat

    try:
        with os.scandir(folder) as entries:
            listed = list(entries)
    except OSError:
        return None
    subfolders: list[str] | None = []
    for entry in listed:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            subfolders = None
            continue
        if stat.S_ISDIR(st.st_mode):
            stack.append((entry.path, st))  # its own mode is checked when it is taken from the stack
            if subfolders is not None:
                subfolders.append(entry.name)
            continue
        if not stat.S_ISREG(st.st_mode):
            continue  # links, pipes, devices: not ours to change
        if entry.name.startswith(".") and entry.name.endswith(".tmp"):
            if now - st.st_mtime > TMP_MAX_AGE_SECONDS:
                try:
                    os.unlink(entry.path)
                    continue
                except OSError:
                    pass
            subfolders = None  # to be looked at again until it is old enough to go
        if st.st_mode & 0o077 and not _tighten(entry.path, st.st_mode & FILE_MODE, tally):
            subfolders = None
    return subfolders


def _tighten(path: str, mode: int, tally: dict) -> bool:
    try:
        os.chmod(path, mode)
    except OSError:
        tally["failed"].append(path)
        return False
    tally["tightened"] += 1
    return True
