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


# ---------------------------------------------------------------- closed from outside: kill, hang-up, terminate
PROMPT = "shell-prompt$ "


def _shell(terminal: Terminal) -> None:
    """A plain shell in the pane, so what is left after the app goes is the shell's prompt."""
    terminal.start("bash --norc --noprofile")
    terminal.keys("-l", f"PS1='{PROMPT}'")
    terminal.keys("Enter")
    terminal.wait_for(PROMPT)


def _app_pid(terminal: Terminal, timeout: float = 10) -> int:
    shell = int(terminal.tmux("display-message", "-p", "-t", terminal.name, "#{pane_pid}").strip())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = [stat.parent.name for stat in Path("/proc").glob("[0-9]*/stat")
                    if _parent(stat) == shell]
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError("the app never started")


def _parent(stat: Path) -> int | None:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _reflecting(terminal: Terminal) -> int:
    """The app on the reflection screen, the first answer focused; returns its process id."""
    _shell(terminal)
    terminal.keys(f"{HERENOW} session --deck frame --minutes 45", "Enter")
    terminal.wait_for("space next")
    terminal.keys("e")
    terminal.wait_for("Reflection ·")
    time.sleep(0.3)
    return _app_pid(terminal)


def _type_steadily(terminal: Terminal, seconds: float) -> str:
    """A key every 100 ms (letters only: tmux sends each as it is)."""
    typed = ""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        letter = "abcdefghijklmnopqrstuvwxyz"[len(typed) % 26]
        terminal.keys("-l", letter)
        typed += letter
        time.sleep(max(0.0, start + len(typed) * 0.1 - time.monotonic()))
    return typed


def _kept(herenow_home: Path) -> str:
    import tomllib

    drafts = list((herenow_home / "drafts").glob("*.toml"))
    if not drafts:
        return ""
    return tomllib.loads(drafts[0].read_text())["answers"][0]["text"]


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            break  # exited; the shell has not reaped it yet
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


def test_steady_typing_killed_outright_keeps_all_but_the_last_two_seconds(terminal: Terminal,
                                                                          herenow_home: Path) -> None:
    pid = _reflecting(terminal)
    typed = _type_steadily(terminal, 3.0)
    os.kill(pid, 9)
    _wait_gone(pid)
    kept = _kept(herenow_home)
    assert typed.startswith(kept)
    assert len(kept) >= len(typed) - 20, (kept, typed)  # a key every 100 ms: 2 s is 20 keys


@pytest.mark.parametrize("signum", [1, 15], ids=["SIGHUP", "SIGTERM"])
def test_hang_up_and_terminate_keep_everything_and_give_the_terminal_back(terminal: Terminal, herenow_home: Path,
                                                                          signum: int) -> None:
    import tomllib

    pid = _reflecting(terminal)
    typed = _type_steadily(terminal, 1.0)
    terminal.wait_for(typed[-5:])  # on screen: the app has every key
    os.kill(pid, signum)
    _wait_gone(pid)
    assert _kept(herenow_home) == typed  # every word, not only the last autosave
    record = tomllib.loads(next((herenow_home / "sessions").glob("*.toml")).read_text())
    assert record["ended"] >= record["started"]
    screen = terminal.wait_for(PROMPT)
    fmt = "#{alternate_on} #{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_sgr_flag}"
    flags = terminal.tmux("display-message", "-p", "-t", terminal.name, fmt).split()
    assert flags == ["0", "0000"]  # out of the alternate screen, mouse reporting off
    assert screen.count(PROMPT) >= 2 and "Reflection ·" not in screen  # the shell's own lines are back
    terminal.keys("echo still-$((40+2))", "Enter")
    terminal.wait_for("still-42")  # and the shell reads keys as typed: the terminal is not left raw


def test_closing_the_terminal_window_keeps_every_key(terminal: Terminal, herenow_home: Path) -> None:
    """The real thing, not a signal sent by hand: the pane goes, and with it the terminal."""
    pid = _reflecting(terminal)
    typed = _type_steadily(terminal, 0.8)
    terminal.wait_for(typed[-5:])
    terminal.tmux("kill-pane", "-t", terminal.name)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists()  # gone, not hanging on a terminal that is no longer there
    assert _kept(herenow_home) == typed


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
