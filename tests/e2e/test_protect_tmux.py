"""Issue 10 with the installed app in a real terminal (tmux): writing never asks for a passphrase, and the CANARY:
the whole flow with protection on leaves not one byte of what was typed in the clear anywhere on disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import PASSPHRASE, MadeKeys, install_keys
from test_tmux import HERENOW, HERENOW as _H, PROMPT, Terminal, _app_pid, _shell, _wait_gone  # noqa: F401

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(not TMUX or not HERENOW.exists(), reason="needs tmux and the installed herenow")
CANARY = "quokkaspindle"


@pytest.fixture
def world(made_keys: MadeKeys, tmp_path: Path, herenow_home: Path):
    """A protected HERENOW_HOME, its own cache and temp folders, and a terminal whose app uses them all."""
    install_keys(made_keys, herenow_home)
    folders = {"home": herenow_home, "cache": tmp_path / "cache", "tmp": tmp_path / "tmp"}
    for folder in folders.values():
        folder.mkdir(exist_ok=True, mode=0o700)
    env = {**os.environ, "TMUX_TMPDIR": str(tmp_path), "TERM": "xterm-256color", "HERENOW_HOME": str(herenow_home),
           "XDG_CACHE_HOME": str(folders["cache"]), "TMPDIR": str(folders["tmp"])}
    env.pop("TMUX", None)
    term = Terminal(f"herenow-protect-{os.getpid()}", env)
    phrase = tmp_path / "passphrase"
    phrase.write_text(PASSPHRASE + "\n")
    yield term, folders, phrase, env
    subprocess.run([TMUX, "kill-server"], capture_output=True, env=env)


def _never_asked(term: Terminal, seen: list[str]) -> None:
    seen.append(term.screen())
    assert "passphrase" not in seen[-1].lower(), seen[-1]


def test_session_reflection_save_never_asks_for_a_passphrase(world) -> None:
    term, folders, _phrase, _env = world
    seen: list[str] = []
    _shell(term)
    term.keys(f"{HERENOW} session --deck frame --minutes 45", "Enter")
    term.wait_for("space next")
    _never_asked(term, seen)
    term.keys("m")
    term.wait_for("moment marked")
    term.keys("e")
    term.wait_for("Reflection ·")
    _never_asked(term, seen)
    term.keys("-l", "she looked away")
    term.wait_for("she looked away")
    term.keys("C-s")
    term.wait_for("Reflection saved.")
    _never_asked(term, seen)
    saved = list((folders["home"] / "reflections").rglob("*"))
    assert [p.name.endswith(".toml.age") for p in saved if p.is_file() and p.name != ".lock"] == [True]
    assert not list(folders["home"].rglob("*.toml"))  # no plain content anywhere (config.toml not written)


def test_canary_nothing_typed_reaches_the_disk_in_the_clear(world) -> None:
    term, folders, phrase, env = world
    _shell(term)
    term.keys(f"{HERENOW} session --deck frame --minutes 45", "Enter")
    term.wait_for("space next")
    term.keys("m")
    term.keys("r")
    term.wait_for("rupture marked")
    term.keys("e")
    term.wait_for("Reflection ·")
    time.sleep(0.3)
    pid = _app_pid(term)
    for _ in range(6):  # typing, with pauses long enough for drafts to be written, then killed mid-word
        term.keys("-l", f"{CANARY} ")
        time.sleep(0.6)
    term.keys("-l", "quokk")
    time.sleep(2.5)
    os.kill(pid, 9)
    _wait_gone(pid)
    assert list((folders["home"] / "drafts").glob("*.toml.age")), "a sealed draft was kept"

    # Restart, locked: the waiting session is listed by its date; the passphrase is asked in the app.
    term.keys("clear", "Enter")
    term.keys(str(HERENOW), "Enter")
    term.wait_for("(asks for your passphrase)")
    term.keys("Down", "Down", "Down", "Enter")  # past the three start rows, which stay at the top
    term.wait_for("Enter your passphrase")
    term.keys("-l", PASSPHRASE)
    term.keys("Enter")
    screen = term.wait_for("Reflection ·", timeout=30)
    assert CANARY in screen  # the draft, resumed
    term.keys("C-s")
    term.wait_for("Reflection saved.")
    term.keys("q")
    term.wait_for(PROMPT)

    listed = subprocess.run([str(HERENOW), "reflections", "list", "--search", CANARY, "--passphrase-file",
                             str(phrase)], capture_output=True, text=True, env=env, timeout=60)
    assert listed.returncode == 0 and "1 reflection." in listed.stdout, listed
    review = subprocess.run([str(HERENOW), "reflections", "export", "--passphrase-file", str(phrase)],
                            capture_output=True, text=True, env=env, timeout=60)
    assert CANARY in review.stdout  # readable after unlock

    everywhere = [folders["home"], folders["cache"], folders["tmp"]]
    found = [p for folder in everywhere for p in folder.rglob("*")
             if p.is_file() and (CANARY.encode() in p.read_bytes() or b"quokk" in p.read_bytes())]
    assert found == []
    assert not [p for p in folders["home"].rglob("*.toml")]  # every content file sealed
