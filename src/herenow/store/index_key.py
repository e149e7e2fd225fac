"""The search index's key when the store is protected: 32 random bytes, sealed to the recipient.

The index holds content (the words of every reflection, the first words of each), so with protection on it is a
SQLCipher database. Its key is random, not derived from the passphrase: opening the index costs about 0.2 ms
instead of a key derivation, and changing the passphrase leaves it alone. The key sits beside the index as
``index.key.age`` (age, to the same recipient as the reflections), so writing it needs no passphrase and reading it
needs the unlocked identity, like any reflection.

It is a cache's key: a key that is missing, damaged or sealed to another recipient is simply replaced by a new
one, and the index it opened (now unreadable) is rebuilt from the files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

KEY_FILE = "index.key.age"
KEY_BYTES = 32


def key_path(folder: Path) -> Path:
    return Path(folder) / KEY_FILE


def load_or_create(folder: Path, recipient: Any, identity: Any) -> bytes:
    """The index key in ``folder``: read with ``identity``, or made (32 random bytes) and sealed to ``recipient``.

    Two processes making one at once agree: the file is created exclusively, and the loser reads the winner's.
    Raises OSError when the folder cannot be written (the caller keeps the index in memory then).
    """
    from herenow.store.files import Unreadable, atomic_write, create_exclusive, read_bytes_safely
    from herenow.store.sealing import SealingError, open_sealed, seal

    path = key_path(folder)
    for _attempt in range(3):
        if not os.path.lexists(path):
            sealed = None
        else:
            try:
                sealed = read_bytes_safely(path, max_bytes=4096)
            except Unreadable:  # a folder, a pipe, too big: not a key of ours; replaced
                sealed = b""
        if sealed is None:
            key = os.urandom(KEY_BYTES)
            if create_exclusive(path, seal(key, recipient)):
                return key
            continue  # another process made one first: read it
        try:
            key = open_sealed(sealed, identity, name=str(path))
        except SealingError:
            key = b""
        if len(key) == KEY_BYTES:
            return key
        # Damaged, or sealed to another recipient (protection set up again): a new key, a new index.
        key = os.urandom(KEY_BYTES)
        atomic_write(path, seal(key, recipient))
        return key
    raise OSError(f"{path}: the index key could not be made")
