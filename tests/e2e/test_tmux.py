"""The installed `herenow` in a real terminal (tmux): start a session, send keys, read the screen."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
HERENOW = Path(sys.executable).with_name("herenow")
pytestmark = pytest.mark.skipif(not TMUX or not HERENOW.exists(), reason="needs tmux and the installed herenow")


class Terminal:
    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.env = env

    def tmux(self, *args: str) -> str:
        return subprocess.run([TMUX, *args], capture_output=True, text=True, env=self.env).stdout

    def start(self, command: str, width: int = 80, height: int = 24) -> None:
        subprocess.run([TMUX, "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), command],
                       check=True, env=self.env)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, text: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def alive(self) -> bool:
        return subprocess.run([TMUX, "has-session", "-t", self.name], capture_output=True, env=self.env).returncode == 0


@pytest.fixture
def terminal(tmp_path: Path, herenow_home: Path):
    env = {**os.environ, "TMUX_TMPDIR": str(tmp_path), "TERM": "xterm-256color", "HERENOW_HOME": str(herenow_home)}
    env.pop("TMUX", None)
    term = Terminal(f"herenow-test-{os.getpid()}", env)
    yield term
    subprocess.run([TMUX, "kill-server"], capture_output=True, env=env)


def test_installed_session_in_a_real_terminal(terminal: Terminal, herenow_home: Path) -> None:
    terminal.start(f"{HERENOW} session --deck frame --minutes 45")
    screen = terminal.wait_for("space next")
    assert "45:00 left" in screen or "44:59 left" in screen
    terminal.keys("m")
    terminal.wait_for("moment marked at 00:0")
    terminal.keys("b")
    deadline = time.monotonic() + 10
    while "left" in terminal.screen() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert terminal.screen().strip() == ""  # blank: nothing to read at all
    terminal.keys("x")
    terminal.wait_for("left")
    pane_title = terminal.tmux("display-message", "-p", "-t", terminal.name, "#{pane_title}")
    assert pane_title.strip() == "herenow"
    terminal.keys("q")
    terminal.wait_for("Quit now?")
    terminal.keys("Left", "Enter")
    deadline = time.monotonic() + 10
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not terminal.alive()
    records = list((herenow_home / "sessions").glob("*.toml"))
    assert len(records) == 1 and "frame" in records[0].read_text()


def test_installed_app_at_a_small_size(terminal: Terminal) -> None:
    terminal.start(f"{HERENOW} session --deck here-and-now", width=40, height=12)
    screen = terminal.wait_for("left")
    assert "?" in screen  # the cue is there
    terminal.tmux("resize-window", "-t", terminal.name, "-x", "20", "-y", "6")
    terminal.wait_for("too")
    assert "small to show the" in terminal.screen()


def test_compact_runs_inline_in_a_few_lines_and_survives_a_resize(terminal: Terminal) -> None:
    terminal.start(f"sh -c 'echo shell-line-above; {HERENOW} session --compact --minutes 30; echo EXITED; sleep 30'")
    screen = terminal.wait_for("space next")
    lines = screen.splitlines()
    assert "shell-line-above" in screen  # inline: the shell's lines stay above
    timer = next(i for i, line in enumerate(lines) if "30:00 left" in line or "29:59 left" in line)
    footer = next(i for i, line in enumerate(lines) if "space next" in line)
    assert footer - timer <= 3 and len([line for line in lines if line.strip()]) <= 9
    terminal.tmux("resize-window", "-t", terminal.name, "-x", "50", "-y", "16")
    time.sleep(0.5)
    terminal.wait_for(" · ends ")  # the narrow timer line is drawn at the new width
    terminal.keys("m")
    terminal.wait_for("moment marked")
    terminal.keys("q")
    terminal.wait_for("Quit now?")
    terminal.keys("Left", "Enter")
    screen = terminal.wait_for("EXITED")
    assert "Quit now?" not in screen and "space next" not in screen  # inline lines are cleared on exit


def test_on_a_16_colour_terminal_the_bar_drains_in_characters(terminal: Terminal) -> None:
    """TERM=linux: the filled and empty parts of the bar are different characters, not only different colours."""
    terminal.start(f"env TERM=linux COLORTERM= {HERENOW} session --deck frame --minutes 2")
    terminal.wait_for("space next")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # a 2-minute session drains a cell every ~1.6 s at 76 columns
        bar = next((line.strip() for line in terminal.screen().splitlines() if "░" in line), "")
        if "█" in bar:
            break
        time.sleep(0.2)
    filled, empty = bar.count("█"), bar.count("░")
    assert filled > 0 and empty > 0 and set(bar) == {"█", "░"}, bar
    assert bar.startswith("█") and bar.endswith("░")  # full on the left, drained on the right


def test_the_terminal_title_comes_back_after_quitting(terminal: Terminal) -> None:
    terminal.start(f"sh -c \"printf '\\033]2;my shell title\\007'; {HERENOW}; echo EXITED; sleep 30\"")
    terminal.wait_for("Start a")

    def title() -> str:
        return terminal.tmux("display-message", "-p", "-t", terminal.name, "#{pane_title}").strip()

    assert title() == "herenow"  # while it runs: never a cue, a time, a client
    terminal.keys("q")
    terminal.wait_for("EXITED")
    assert title() == "my shell title"
