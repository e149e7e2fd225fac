"""Whether the store is protected (issue 10), and the unlocked identity of this process.

- ``recipient`` (the public key, from ``recipient.txt`` in the data folder) is all that writing needs: it never
  asks for a passphrase. ``None``: not protected, files are written plain as before.
- ``identity`` is ``None`` until ``unlock``: then sealed files can be read. It lives in this process's memory only.

One ``Protection`` per process and data folder: ``current()``. Plain Python, no Textual.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from herenow.store.sealing import Identity

# herenow.store.sealing (and pyrage) is imported on first use: a session's first frame does without it.

LOCKED_MESSAGE = "is sealed; it opens once you enter your passphrase"


class Protection:
    def __init__(self, folder: Path) -> None:
        from herenow.store.sealing import Keys

        self.keys = Keys(folder)
        self.identity: Identity | None = None
        self._recipient: tuple[tuple[int, int, int], object] | None = None

    @property
    def protected(self) -> bool:
        """Keys are set up (the wrapped identity or the recipient is there)."""
        return self.keys.identity_file.exists() or self.keys.recipient_file.exists()

    @property
    def locked(self) -> bool:
        return self.identity is None and self.protected

    @property
    def recipient(self):
        """The parsed recipient to seal to, or None when not protected. Re-read when ``recipient.txt`` changes
        (protection set up by another herenow meanwhile takes effect at the next write).

        Raises SealingError (one line naming the file) when protection is set up but the recipient cannot be
        used: nothing is then written in the clear.
        """
        from herenow.store.sealing import as_recipient

        try:
            st = os.stat(self.keys.recipient_file)
        except FileNotFoundError:
            if not self.keys.identity_file.exists():
                return None
            if self.identity is not None:
                return as_recipient(self.identity)
            self.keys.recipient()  # raises: missing (unlock once to write it again)
            raise AssertionError("unreachable")
        signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        if self._recipient is None or self._recipient[0] != signature:
            self._recipient = (signature, as_recipient(self.keys.recipient()))
        return self._recipient[1]

    def unlock(self, passphrase: str) -> Identity:
        self.identity = self.keys.unlock(passphrase)
        return self.identity

    def unlock_interactive(self, passphrase_file: Path | None, tries: int = 3, *,
                           ask: Callable[[str], str] | None = None,
                           say: Callable[[str], None] | None = None) -> Identity | None:
        """Unlock once per run (a passphrase file, or the terminal: ``tries`` tries). None when not protected."""
        if not self.protected:
            return None
        if self.identity is None:
            from herenow.store.sealing import unlock_interactive

            self.identity = unlock_interactive(self.keys, passphrase_file, tries, ask=ask, say=say)
        return self.identity

    def lock(self) -> None:
        self.identity = None


_current: dict[str, Protection] = {}


def current() -> Protection:
    """The protection of the data folder in use (``HERENOW_HOME`` or the platform folder), one per process."""
    from herenow.store.paths import locations

    folder = locations().data_dir
    key = str(folder)
    found = _current.get(key)
    if found is None:
        found = _current[key] = Protection(folder)
    return found


__all__ = ["LOCKED_MESSAGE", "Protection", "current"]


class ProtectedStore:
    """What the three stores of content (reflections, drafts, session records) share: the protection they seal
    with and read through, given to the store (tests) or this process's own."""

    _protection: Protection | None = None

    @property
    def protection(self) -> Protection:
        return self._protection if self._protection is not None else current()
