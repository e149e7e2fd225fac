"""Every test runs with HERENOW_HOME in a fresh temporary folder: nothing touches the real home."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that compares a snapshot is marked ``snapshot``, so ``-m 'not snapshot'`` leaves them all out."""
    for item in items:
        if "snap_compare" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.snapshot)


class RememberedScrypt:
    """``pyrage.passphrase`` for the suite, remembering what it has already worked out.

    Wrapping or unwrapping with a passphrase runs age's scrypt: ~1.4 s each, by design, and pyrage has no
    work-factor knob (production keeps age's default; nothing here changes it). Unwrapping is a pure function of
    (the wrapped bytes, the passphrase): it gives the same bytes, or fails the same way, every time. So the suite
    keeps each answer: an unwrap already done, or one whose answer is known because this process did the wrap
    (age guarantees that what ``encrypt`` wrapped with a passphrase opens with it). Every wrap still runs the real
    scrypt, every first unwrap of other bytes (a damaged file, a wrong passphrase) too, and a test marked
    ``real_kdf`` bypasses all of this. Subprocesses (the CLI in tmux, the age tool) always run the real thing.
    """

    def __init__(self) -> None:
        from pyrage import passphrase

        self.real = passphrase
        self.known: dict[tuple[bytes, str], tuple[bytes | None, tuple]] = {}

    def encrypt(self, plaintext: bytes, passphrase: str) -> bytes:
        wrapped = self.real.encrypt(plaintext, passphrase)
        self.known[bytes(wrapped), passphrase] = (bytes(plaintext), ())
        return wrapped

    def decrypt(self, wrapped: bytes, passphrase: str) -> bytes:
        import pyrage

        key = (bytes(wrapped), passphrase)
        if key not in self.known:
            try:
                self.known[key] = (self.real.decrypt(wrapped, passphrase), ())
            except pyrage.DecryptError as error:
                self.known[key] = (None, error.args)
        opened, failure = self.known[key]
        if opened is None:
            raise pyrage.DecryptError(*failure)
        return opened


@pytest.fixture(scope="session", autouse=True)
def remembered_scrypt() -> Iterator[RememberedScrypt]:
    """In-process passphrase wraps and unwraps go through ``RememberedScrypt`` (session-wide, so that keys made
    by a module's fixture are known too); a test marked ``real_kdf`` gets pyrage's own (``real_kdf`` below)."""
    remembered = RememberedScrypt()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("herenow.store.sealing.age_passphrase", remembered)
        yield remembered


@pytest.fixture(autouse=True)
def real_kdf(request: pytest.FixtureRequest, remembered_scrypt: RememberedScrypt,
             monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_kdf") is not None:
        monkeypatch.setattr("herenow.store.sealing.age_passphrase", remembered_scrypt.real)


PASSPHRASE = "correct horse battery staple"


@dataclass(frozen=True)
class MadeKeys:
    folder: Path  # identity.age (wrapped with PASSPHRASE) and recipient.txt
    recovery: str  # the identity's secret, as `herenow protect` shows it once


@pytest.fixture(scope="session")
def made_keys(tmp_path_factory: pytest.TempPathFactory) -> MadeKeys:
    """Protection keys made once per run (a wrap is a real scrypt, ~1.4 s). Never changed in place: a test that
    changes or damages keys works on a copy (``install_keys``)."""
    from herenow.store.sealing import Keys

    folder = tmp_path_factory.mktemp("made") / "keys"
    return MadeKeys(folder, Keys(folder).create(PASSPHRASE))


def install_keys(made: MadeKeys, folder: Path) -> Path:
    """A copy of the made keys in ``folder`` (a HERENOW_HOME, or a keys folder of the test's own)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in ("identity.age", "recipient.txt"):
        shutil.copy2(made.folder / name, folder / name)
    return folder


@pytest.fixture(autouse=True)
def herenow_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "herenow-home"
    monkeypatch.setenv("HERENOW_HOME", str(home))
    # Keep the platform dirs out of reach too, in case something ignores HERENOW_HOME.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    # pytest-xdist's workers have COLUMNS=80 and LINES=24 in their environment, and Textual believes them over the
    # real terminal: an app started in tmux would be drawn at 80x24 whatever the window's size.
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    # A full-colour terminal unless a test says otherwise (TERM=linux: 16 colours), wherever the suite runs.
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    # Files the tests write by hand are private, as the app's are (else every start reports tightening them).
    umask = os.umask(0o077)
    yield home
    os.umask(umask)
    monkeypatch.undo()
    time.tzset()


class FakeClock:
    """A wall clock the test moves by hand: a 50-minute session runs in milliseconds."""

    def __init__(self, start: float = 1_795_000_000.0) -> None:  # a fixed moment in November 2026
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


def read_every_file(store) -> tuple[list, list]:
    """Every reflection in ``store``'s folder read from its file (not through the index), newest first, and the
    problems: bad files, and a reflections folder that cannot be read."""
    from herenow.store.files import scan_toml
    from herenow.store.reflections import parse_reflection

    loaded, problems = scan_toml(store.root, parse_reflection, recursive=True)
    found = sorted((reflection for _path, reflection in loaded), key=lambda r: r.date, reverse=True)
    return found, problems


def read_only(monkeypatch: pytest.MonkeyPatch, folder: Path):
    """``folder`` refuses new files (EACCES), as a read-only folder does; for root too, for whom chmod stops
    nothing: then ``os.open`` refuses to create files in it. Returns a function that makes it writable again."""
    import errno

    os.chmod(folder, 0o500)
    state = {"read_only": True}
    if os.access(folder, os.W_OK):  # root
        real_open, where = os.open, folder.resolve()

        def refusing_open(path, flags, *args, **kwargs):
            if (state["read_only"] and flags & os.O_CREAT
                    and Path(os.fsdecode(path)).resolve().is_relative_to(where)):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing_open)

    def writable() -> None:
        state["read_only"] = False
        os.chmod(folder, 0o700)

    return writable


def age_decrypt_on_a_terminal(age: str, identity_file: Path, sealed: Path, out: Path, passphrase: str) -> None:
    """``age -d -i identity_file -o out sealed``, the passphrase typed on a pseudo-terminal (age reads it from
    /dev/tty, as a person would type it)."""
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # child: its controlling terminal is the pty
        os.execv(age, [age, "-d", "-i", str(identity_file), "-o", str(out), str(sealed)])
    seen = b""
    deadline = time.monotonic() + 30
    try:
        while b"passphrase" not in seen.lower() and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                seen += os.read(fd, 1024)
        assert b"passphrase" in seen.lower(), seen
        os.write(fd, passphrase.encode() + b"\n")
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    if not os.read(fd, 1024):
                        break
                except OSError:  # EIO: the child closed the terminal
                    break
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                pid = 0
                break
    finally:
        if pid:
            os.waitpid(pid, 0)
        os.close(fd)


@contextmanager
def cut_off_after(seconds: int) -> Iterator[None]:
    """A hang inside fails the test after ``seconds`` (SIGALRM; pytest-timeout is not a dependency). Does nothing
    off the main thread or where there is no SIGALRM."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum, frame):
        raise TimeoutError(f"hung for {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """``herenow ARGS`` in this process: (exit code, stdout, stderr)."""
    from herenow.cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's --help / --version / usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


async def fill(pilot, text: str) -> None:
    """Put ``text`` in the focused field at its cursor, as typing would, in one edit: pressing each key costs
    ~60 ms (a sentence took seconds). The field reacts as to typing: its Changed message, suggestions, checks.
    Tests about typing itself press the keys."""
    from textual.widgets import Input, TextArea

    await pilot.pause()  # a focus() just asked for has landed
    field = pilot.app.focused
    if isinstance(field, TextArea):
        field.insert(text, maintain_selection_offset=False)
    elif isinstance(field, Input):
        field.insert_text_at_cursor(text)
    else:
        raise AssertionError(f"nothing to type into: {field!r} has the focus")
    await pilot.pause()


def screen_text(app) -> str:
    """What a person would read on the terminal right now (the screenshot's text, tags removed)."""
    import html
    import re

    svg = app.export_screenshot()
    body = svg[svg.index("<g class") :] if "<g class" in svg else svg
    return html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\xa0", " ")
