"""Encryption at rest with the age format (age-encryption.org/v1, through ``pyrage``): no home-made crypto.

Sealing needs only the public recipient; opening needs the identity, which sits on disk wrapped with the user's
passphrase (age's scrypt recipient). Plain Python: no Textual, nothing read from the environment.

Files in the keys folder (mode 0700, files 0600, each written atomically):
- ``identity.age``: the X25519 identity (``AGE-SECRET-KEY-1...``) age-encrypted with the passphrase. The standard
  tool opens any sealed file with it: ``age -d -i identity.age reflection.toml.age`` (asks for the passphrase).
- ``recipient.txt``: the public ``age1...`` recipient, one plain line (``age -R recipient.txt`` accepts it).

Every failure is a ``SealingError`` whose ``str()`` is one calm line naming the file and the problem.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from herenow.store.atomic import atomic_write
from herenow.store.paths import ensure_dir

if TYPE_CHECKING:
    from pyrage import x25519

# pyrage is imported where it is used: a session that never seals (protection off) does without its ~1 MB.


def _scrypt():
    """pyrage's passphrase module (age's scrypt), imported on first use; the test suite may set
    ``age_passphrase`` on this module to a stand-in that remembers answers."""
    return globals().get("age_passphrase") or __getattr__("age_passphrase")


def __getattr__(name: str):
    if name == "age_passphrase":
        from pyrage import passphrase

        return passphrase
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

AGE_MAGIC = b"age-encryption.org/v1\n"
ARMOR_MAGIC = b"-----BEGIN AGE ENCRYPTED FILE-----"
SEALED_SUFFIX = ".age"
IDENTITY_FILE = "identity.age"
RECIPIENT_FILE = "recipient.txt"
NO_PASSPHRASE = "a passphrase is needed: use --passphrase-file"

# SealingError.kind values, for callers that react differently (retry only on WRONG_PASSPHRASE).
WRONG_PASSPHRASE = "wrong-passphrase"
MISSING = "missing"
DAMAGED = "damaged"
NOT_AGE = "not-age"
WRONG_KEY = "wrong-key"
EXISTS = "exists"
PASSPHRASE = "passphrase"  # none available, empty, or the two entries differ


class SealingError(Exception):
    """One calm line: ``<file>: <problem>`` (or just the problem when no file is involved)."""

    def __init__(self, problem: str, *, path: Path | str | None = None, kind: str = DAMAGED) -> None:
        self.problem = problem
        self.path = None if path is None else str(path)
        self.kind = kind
        super().__init__(problem if path is None else f"{path}: {problem}")


class Identity:
    """An unlocked X25519 identity, in process memory only. Its repr never shows the secret."""

    __slots__ = ("_identity", "recipient")

    def __init__(self, identity: x25519.Identity) -> None:
        self._identity = identity
        self.recipient: str = str(identity.to_public())

    @classmethod
    def from_secret(cls, secret: str, *, name: str = "recovery key") -> Identity:
        import pyrage
        from pyrage import x25519

        try:
            return cls(x25519.Identity.from_str(secret.strip()))
        except pyrage.IdentityError:
            raise SealingError("not a valid age identity (AGE-SECRET-KEY-1...)", path=name, kind=DAMAGED) from None

    @classmethod
    def generate(cls) -> Identity:
        from pyrage import x25519

        return cls(x25519.Identity.generate())

    def secret(self) -> str:
        """The ``AGE-SECRET-KEY-1...`` string: shown once as the recovery key, never logged."""
        return str(self._identity)

    def __repr__(self) -> str:
        return f"<Identity for {self.recipient}>"


def parse_recipient(text: str, *, name: str = "recipient") -> x25519.Recipient:
    """An ``age1...`` public key; SealingError naming ``name`` if it is not one."""
    import pyrage
    from pyrage import x25519

    try:
        return x25519.Recipient.from_str(text.strip())
    except pyrage.RecipientError:
        raise SealingError("not a valid age recipient (age1...)", path=name, kind=DAMAGED) from None


def as_recipient(recipient: x25519.Recipient | Identity | str) -> x25519.Recipient:
    """A parsed recipient (parse once and reuse it: parsing a string costs ~40 µs of the ~115 µs of a seal)."""
    from pyrage import x25519

    if isinstance(recipient, x25519.Recipient):
        return recipient
    if isinstance(recipient, Identity):
        return parse_recipient(recipient.recipient)
    return parse_recipient(recipient)


# --- sealed data -------------------------------------------------------------------------------------------------


def is_sealed(data_or_path: bytes | Path) -> bool:
    """True if the bytes (or the file's first bytes) are an age file, binary or armored."""
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        head = bytes(data_or_path[: len(ARMOR_MAGIC)])
    else:
        try:
            with open(data_or_path, "rb") as handle:
                head = handle.read(len(ARMOR_MAGIC))
        except OSError:
            return False
    return head.startswith(AGE_MAGIC) or head.startswith(ARMOR_MAGIC)


def seal(data: bytes, recipient: x25519.Recipient | Identity | str) -> bytes:
    """``data`` encrypted to ``recipient`` (binary age format, +~200 bytes)."""
    import pyrage

    return pyrage.encrypt(bytes(data), [as_recipient(recipient)])


def _decrypt_problem(error: Exception) -> tuple[str, str]:
    """pyrage raises DecryptError with the Rust library's message; turn it into calm words."""
    message = str(error)
    if message == "No matching keys found":
        return "sealed to a different key (not this identity)", WRONG_KEY
    if message == "Decryption failed":  # the scrypt stanza did not unwrap
        return "wrong passphrase", WRONG_PASSPHRASE
    if message in ("decryption error", "failed to fill whole buffer") or "header" in message.lower():
        return "truncated or damaged", DAMAGED
    if message.startswith("Unknown age format"):
        return "damaged, or made by a newer age (unknown format)", DAMAGED
    first = message.splitlines()[0].strip().rstrip(".") if message.strip() else "unknown error"
    return f"cannot be opened ({first})", DAMAGED


def open_sealed(data: bytes, identity: Identity, *, name: str) -> bytes:
    """The plain bytes of an age file; SealingError naming ``name`` if it is not one, damaged or for another key."""
    import pyrage

    if not is_sealed(data):
        raise SealingError("not an age file", path=name, kind=NOT_AGE)
    try:
        return pyrage.decrypt(bytes(data), [identity._identity])
    except pyrage.DecryptError as error:
        problem, kind = _decrypt_problem(error)
        raise SealingError(problem, path=name, kind=kind) from None


def write_sealed(path: Path, data: bytes, recipient: x25519.Recipient | Identity | str) -> bytes:
    """Seal ``data`` and write it atomically (mode 0600): the temporary file only ever holds ciphertext.

    Returns the ciphertext written, so a caller can compare a read-back.
    """
    sealed = seal(data, recipient)
    atomic_write(path, sealed)
    return sealed


def read_sealed(path: Path, identity: Identity) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SealingError("missing", path=path, kind=MISSING) from None
    except OSError as error:
        raise SealingError(f"cannot be read ({error.strerror})", path=path, kind=DAMAGED) from None
    return open_sealed(data, identity, name=str(path))


# --- keys --------------------------------------------------------------------------------------------------------


class Keys:
    """The identity (passphrase-wrapped) and the recipient in one folder chosen by the caller."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.identity_file = self.folder / IDENTITY_FILE
        self.recipient_file = self.folder / RECIPIENT_FILE

    def exists(self) -> bool:
        """Protection is set up (the wrapped identity is there)."""
        return self.identity_file.is_file()

    def recipient(self) -> str:
        """The public ``age1...`` recipient: all that sealing needs. Never asks for a passphrase."""
        try:
            text = self.recipient_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            hint = "missing (unlock once to write it again)" if self.exists() else "missing (protection is not set up)"
            raise SealingError(hint, path=self.recipient_file, kind=MISSING) from None
        except (OSError, UnicodeDecodeError):
            raise SealingError("cannot be read", path=self.recipient_file, kind=DAMAGED) from None
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
        if len(lines) != 1:
            raise SealingError("should hold exactly one age1... line", path=self.recipient_file, kind=DAMAGED)
        return str(parse_recipient(lines[0], name=str(self.recipient_file)))

    def create(self, passphrase: str) -> str:
        """Generate an identity, write both files, return the recovery key (the identity's secret) to show once.

        Refuses to replace existing keys: the files sealed to them would become unreadable.
        """
        if self.exists() or self.recipient_file.exists():
            raise SealingError("already exists; protection is already set up", path=self.identity_file, kind=EXISTS)
        identity = Identity.generate()
        # The identity first: a kill between the two writes leaves a recoverable state (unlock rewrites the
        # recipient), never a recipient whose identity is lost.
        self._write_identity(identity, passphrase)
        self._write_recipient(identity)
        return identity.secret()

    def unlock(self, passphrase: str) -> Identity:
        """The identity, unwrapped with ``passphrase`` (scrypt: about a second or two, by design)."""
        import pyrage
        age_passphrase = _scrypt()

        try:
            wrapped = self.identity_file.read_bytes()
        except FileNotFoundError:
            raise SealingError("missing: nothing can be opened without it", path=self.identity_file,
                               kind=MISSING) from None
        except OSError as error:
            raise SealingError(f"cannot be read ({error.strerror})", path=self.identity_file) from None
        if not is_sealed(wrapped):
            raise SealingError("damaged (not an age file)", path=self.identity_file, kind=NOT_AGE)
        try:
            secret = age_passphrase.decrypt(wrapped, passphrase)
        except pyrage.DecryptError as error:
            problem, kind = _decrypt_problem(error)
            if kind == WRONG_KEY:  # sealed to a key, not to a passphrase
                problem, kind = "damaged (not wrapped with a passphrase)", DAMAGED
            raise SealingError(problem, path=self.identity_file, kind=kind) from None
        try:
            identity = Identity.from_secret(secret.decode("ascii"), name=str(self.identity_file))
        except (UnicodeDecodeError, SealingError):
            raise SealingError("damaged (it does not hold an age identity)", path=self.identity_file) from None
        self._check_recipient(identity)
        return identity

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the identity with ``new`` (atomic: either the old wrap or the new one is on disk)."""
        identity = self.unlock(old)
        self._write_identity(identity, new)

    def unlock_with_recovery_key(self, secret: str, new_passphrase: str) -> Identity:
        """Passphrase forgotten: re-wrap from the recovery key, which must match this folder's recipient."""
        identity = Identity.from_secret(secret)
        if self.recipient_file.exists() and self.recipient() != identity.recipient:
            raise SealingError("this recovery key belongs to other keys", path=self.recipient_file,
                               kind=WRONG_KEY)
        self._write_identity(identity, new_passphrase)
        if not self.recipient_file.exists():
            self._write_recipient(identity)
        return identity

    def _check_recipient(self, identity: Identity) -> None:
        if not self.recipient_file.exists():
            self._write_recipient(identity)  # a kill during create(), or the file was deleted
            return
        if self.recipient() != identity.recipient:
            raise SealingError(
                f"does not match {IDENTITY_FILE}; delete it and unlock again to write it afresh",
                path=self.recipient_file, kind=WRONG_KEY,
            )

    def _write_identity(self, identity: Identity, passphrase: str) -> None:
        age_passphrase = _scrypt()

        if not passphrase:
            raise SealingError("the passphrase is empty", kind=PASSPHRASE)
        ensure_dir(self.folder)
        atomic_write(self.identity_file, age_passphrase.encrypt(identity.secret().encode("ascii"), passphrase))

    def _write_recipient(self, identity: Identity) -> None:
        ensure_dir(self.folder)
        atomic_write(self.recipient_file, identity.recipient + "\n")


# --- passphrase input --------------------------------------------------------------------------------------------


def _has_terminal() -> bool:
    try:
        with open("/dev/tty", "rb"):
            return True
    except OSError:
        return sys.stdin is not None and sys.stdin.isatty()


def read_passphrase(
    source: Path | None,
    *,
    confirm: bool = False,
    prompt: str = "Passphrase: ",
    ask: Callable[[str], str] | None = None,
) -> str:
    """The passphrase from ``--passphrase-file`` (its first line) or typed on the terminal without echo.

    Never from the environment or the command line. ``ask`` replaces getpass (tests); ``confirm`` asks twice.
    """
    if source is not None:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SealingError("missing", path=source, kind=MISSING) from None
        except (OSError, UnicodeDecodeError):
            raise SealingError("cannot be read as text", path=source, kind=PASSPHRASE) from None
        phrase = text.split("\n", 1)[0].removesuffix("\r")
        if not phrase:
            raise SealingError("its first line is empty", path=source, kind=PASSPHRASE)
        return phrase
    if ask is None:
        if not _has_terminal():
            raise SealingError(NO_PASSPHRASE, kind=PASSPHRASE)
        ask = getpass.getpass
    phrase = ask(prompt)
    if not phrase:
        raise SealingError("the passphrase is empty", kind=PASSPHRASE)
    if confirm and ask("Again, to be sure: ") != phrase:
        raise SealingError("the two passphrases differ", kind=PASSPHRASE)
    return phrase


def unlock_interactive(
    keys: Keys,
    passphrase_file: Path | None,
    tries: int = 3,
    *,
    ask: Callable[[str], str] | None = None,
    say: Callable[[str], None] | None = None,
) -> Identity:
    """Unlock once per run: a passphrase file gets one try, the terminal up to ``tries`` with a calm line between."""
    if say is None:
        def say(line: str) -> None:
            print(line, file=sys.stderr)
    attempts = 1 if passphrase_file is not None else max(1, tries)
    for attempt in range(1, attempts + 1):
        phrase = read_passphrase(passphrase_file, ask=ask)
        try:
            return keys.unlock(phrase)
        except SealingError as error:
            if error.kind != WRONG_PASSPHRASE or attempt == attempts:
                raise
            say(f"That passphrase does not open {keys.identity_file.name}; please try again.")
    raise AssertionError("unreachable")
