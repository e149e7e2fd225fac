"""`herenow serve` and `herenow session --resume` on the command line (no network here)."""

import subprocess
import sys
from pathlib import Path

from herenow.cli import build_parser, main

SRC = Path(__file__).resolve().parents[2] / "src"


def test_lan_is_never_the_default() -> None:
    args = build_parser().parse_args(["serve"])
    assert args.lan is False and args.port == 0
    assert build_parser().parse_args(["serve", "--lan"]).lan is True


def test_served_is_hidden_and_resume_defaults_to_the_latest() -> None:
    parser = build_parser()
    assert "--served" not in parser._subparsers._group_actions[0].choices["session"].format_help()
    assert parser.parse_args(["session", "--resume"]).resume == "latest"
    assert parser.parse_args(["session"]).resume is None


def test_without_the_extra_serve_says_how_to_install_it(tmp_path: Path) -> None:
    code = ("import importlib.util, sys\n"
            "real = importlib.util.find_spec\n"
            "importlib.util.find_spec = lambda name, *a: None if name == 'aiohttp' else real(name, *a)\n"
            "from herenow.cli import main\nsys.exit(main(['serve']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                          env={"PYTHONPATH": str(SRC), "HERENOW_HOME": str(tmp_path / "home"), "PATH": "/usr/bin"})
    assert done.returncode == 2
    assert done.stderr.strip() == "herenow serve needs more: install it with: pip install 'herenow[serve]'"
    assert done.stdout == ""


def test_resume_with_nothing_to_resume_is_one_line(capsys) -> None:
    assert main(["session", "--resume"]) == 2
    assert capsys.readouterr().err.strip() == "herenow: no session to resume"
    assert main(["session", "--resume", "2026-11-17-1400-3f9a0c21"]) == 2
    assert "no session '2026-11-17-1400-3f9a0c21' to resume" in capsys.readouterr().err


def test_resume_refuses_a_session_running_elsewhere_and_one_that_ended(clock, capsys) -> None:
    from herenow.config import Config
    from herenow.decks.library import load_library
    from herenow.live import LiveSession
    from herenow.store.records import SessionStore

    deck = load_library().get("frame").deck
    running = LiveSession([deck], Config(), records=SessionStore())  # holds its lock, as another window would
    assert main(["session", "--resume", running.record.id]) == 2
    assert capsys.readouterr().err.strip() == f"herenow: the session {running.record.id} is running in another window"
    ended = LiveSession([deck], Config(), records=SessionStore())
    ended.end()
    ended.records.release_all()
    assert main(["session", "--resume", ended.record.id]) == 2
    assert "was ended; its reflection waits on the home screen" in capsys.readouterr().err
    assert main(["session", "--resume", "--minutes", "20"]) == 2
