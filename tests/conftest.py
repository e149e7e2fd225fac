"""Every test runs with HERENOW_HOME in a fresh temporary folder: nothing touches the real home."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def herenow_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "herenow-home"
    monkeypatch.setenv("HERENOW_HOME", str(home))
    # Keep the platform dirs out of reach too, in case something ignores HERENOW_HOME.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    # A full-colour terminal unless a test says otherwise (TERM=linux: 16 colours), wherever the suite runs.
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield home
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


def screen_text(app) -> str:
    """What a person would read on the terminal right now (the screenshot's text, tags removed)."""
    import html
    import re

    svg = app.export_screenshot()
    body = svg[svg.index("<g class") :] if "<g class" in svg else svg
    return html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\xa0", " ")
