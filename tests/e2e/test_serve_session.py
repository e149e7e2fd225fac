"""The real served session in a real browser (Debian's chromium via playwright), on 127.0.0.1 only.

The server runs the command `herenow serve --lan` would run (the session screen only), but binds loopback: what the
browser does is the same and nothing listens on the network. What the session did is read from its record on disk.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("aiohttp")
pytest.importorskip("textual_serve")

from herenow.serve import default_command  # noqa: E402
from conftest import cut_off_after  # noqa: E402
from test_serve_security import CHROMIUM, SRC, RunningServer  # noqa: E402

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")


def records(home: Path) -> list[dict]:
    folder = home / "sessions"
    return [tomllib.loads(p.read_text()) for p in sorted(folder.glob("*.toml"))] if folder.exists() else []


def wait_for(condition, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(autouse=True)
def _hang_guard():
    """No test may hang the run: cut off after 120 s."""
    with cut_off_after(120):
        yield


def watch_size(page, sizes: list[tuple[int, int]]) -> None:
    """The terminal's size in cells, as the page tells the server (the websocket address, then "resize")."""
    import json
    from urllib.parse import parse_qs

    def on_frame(payload) -> None:
        try:
            kind, arg = json.loads(payload)[:2]
        except (ValueError, TypeError):
            return
        if kind == "resize":
            sizes.append((arg["width"], arg["height"]))

    def on_websocket(ws) -> None:
        query = parse_qs(urlsplit(ws.url).query)
        sizes.append((int(query["width"][0]), int(query["height"][0])))
        ws.on("framesent", on_frame)

    page.on("websocket", on_websocket)


class Terminal:
    """Where things are on the page: xterm draws a grid of cells inside .xterm-screen."""

    def __init__(self, page, size: tuple[int, int]) -> None:
        self.page, self.box = page, page.locator(".xterm-screen").bounding_box()
        self.cols, self.rows = size

    def tap(self, col: float, row: float) -> None:
        x = self.box["x"] + (col + 0.5) * self.box["width"] / self.cols
        y = self.box["y"] + (row + 0.5) * self.box["height"] / self.rows
        self.page.mouse.click(x, y)

    def tap_card(self) -> None:
        # The card sits in the middle of what is above the status, timer, bar and the row of buttons.
        self.tap(self.cols / 2, (self.rows - 8) / 2)

    def tap_button(self, index: int) -> None:
        """next, mark, blank, pause, end: five equal cells across, two columns of padding, gutters of two."""
        width = (self.cols - 4 - 8) / 5
        self.tap(2 + index * (width + 2) + width / 2, self.rows - 3)


def launch(playwright):
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run"],
    )


def test_the_served_session_on_a_tablet(herenow_home: Path, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    served = RunningServer(default_command(lan=True))  # the --lan app, on loopback
    requests: list[str] = []
    shots = tmp_path / "shots"
    shots.mkdir()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                context = browser.new_context(viewport={"width": 1000, "height": 700})
                context.on("request", lambda request: requests.append(request.url))
                page = context.new_page()
                sizes: list[tuple[int, int]] = []
                watch_size(page, sizes)
                page.goto(served.pairing.url, timeout=10_000)
                page.wait_for_selector("body.-first-byte", timeout=15_000)
                (record,) = wait_for(lambda: records(herenow_home), "the session record")
                record_id = record["id"]
                assert len(record["cues_shown"]) == 1
                page.wait_for_timeout(500)
                page.screenshot(path=str(shots / "1-session.png"))
                terminal = Terminal(page, sizes[-1])

                terminal.tap_card()
                wait_for(lambda: len(records(herenow_home)[0]["cues_shown"]) == 2, "a second cue after a tap")
                terminal.tap_button(1)  # mark
                wait_for(lambda: len(records(herenow_home)[0]["moments"]) == 1, "a mark")

                terminal.tap_button(2)  # blank: nothing but the background
                page.wait_for_timeout(600)
                page.screenshot(path=str(shots / "2-blank.png"))
                terminal.tap(5, 5)  # any tap brings the session back
                page.wait_for_timeout(600)
                page.screenshot(path=str(shots / "3-back.png"))
                session_size = (shots / "1-session.png").stat().st_size
                assert (shots / "2-blank.png").stat().st_size < session_size * 0.4, "the blank screen shows something"
                assert (shots / "3-back.png").stat().st_size > session_size / 2, "the session did not come back"

                # The page closes mid-session (a tablet locked, a tab closed): the session is not over.
                time.sleep(1.5)
                page.close()
                (closed,) = wait_for(lambda: [r for r in records(herenow_home) if r.get("interrupted")],
                                     "the record marked interrupted")
                assert closed["id"] == record_id and len(closed["moments"]) == 1
                time.sleep(2.0)  # two seconds away: they count as session time

                page = context.new_page()  # the same browser comes back (its cookie still pairs it)
                watch_size(page, sizes)
                page.goto(served.origin + "/", timeout=10_000)
                page.wait_for_selector("body.-first-byte", timeout=15_000)
                resumed = wait_for(lambda: [r for r in records(herenow_home) if not r.get("interrupted")],
                                   "the resumed record")
                assert [r["id"] for r in records(herenow_home)] == [record_id], "a new session instead of the old"
                started = resumed[0]["started"].timestamp()
                # Its time went on: the wall time since it started, within the second the record rounds to.
                assert abs(resumed[0]["elapsed_seconds"] - (time.time() - started)) <= 2.5
                assert resumed[0]["elapsed_seconds"] >= closed["elapsed_seconds"] + 2
                assert [c["id"] for c in resumed[0]["cues_shown"]] == [c["id"] for c in closed["cues_shown"]]
                page.wait_for_timeout(500)
                page.screenshot(path=str(shots / "4-resumed.png"))

                # A+ makes the text larger: the page reloads, the session carries on.
                size = int(page.locator("#terminal").get_attribute("data-font-size"))
                page.click("#larger")
                page.wait_for_selector(f'#terminal[data-font-size="{size + 2}"]', timeout=10_000)
                page.wait_for_selector("body.-first-byte", timeout=15_000)
                wait_for(lambda: records(herenow_home) and not records(herenow_home)[0].get("interrupted")
                         and records(herenow_home)[0]["elapsed_seconds"] > resumed[0]["elapsed_seconds"],
                         "the session carried on after the reload")
                assert [r["id"] for r in records(herenow_home)] == [record_id]
                page.wait_for_timeout(500)
                terminal = Terminal(page, sizes[-1])
                page.screenshot(path=str(shots / "5-larger.png"))

                terminal.tap_button(4)  # end
                ended = wait_for(lambda: [r for r in records(herenow_home) if "ended" in r and not r.get("interrupted")],
                                 "the ended record")
                assert ended[0]["id"] == record_id
                page.wait_for_timeout(500)
                page.screenshot(path=str(shots / "6-kept.png"))
            finally:
                browser.close()
    finally:
        served.close()

    # The reflection waits on the computer: no draft, no reflection was made through the browser.
    assert not list(herenow_home.glob("drafts/*.toml")) and not list(herenow_home.glob("reflections/**/*.toml"))
    assert records(herenow_home)[0].get("interrupted") is None, "closing after end must not reopen the session"
    own = urlsplit(served.origin).netloc
    foreign = [url for url in requests if urlsplit(url).netloc != own and not url.startswith("data:")]
    assert requests and not foreign, foreign


def test_herenow_serve_from_the_command_line_listens_on_loopback_and_serves_the_session(herenow_home: Path) -> None:
    """`herenow serve` (no --lan): 127.0.0.1, a free port, the address with its token; ctrl+c stops it."""
    import asyncio
    import signal

    import aiohttp

    env = dict(os.environ, PYTHONPATH=str(SRC), PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "herenow", "serve"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    try:
        first = process.stdout.readline().strip()
        match = re.match(r"herenow serve: open (http://127\.0\.0\.1:\d+)/\?token=[\w-]+$", first)
        assert match, first

        async def connect() -> None:
            origin = match.group(1)
            async with aiohttp.ClientSession() as client:
                async with client.get(first.split()[-1], allow_redirects=False) as response:
                    cookie = response.cookies["herenow_session"].value
                ws = await client.ws_connect(origin + "/ws?width=100&height=30",
                                             headers={"Origin": origin, "Cookie": f"herenow_session={cookie}"})

                async def read() -> None:  # as a browser does: take what the app draws
                    async for _message in ws:
                        pass

                reading = asyncio.create_task(read())
                await asyncio.to_thread(wait_for, lambda: records(herenow_home), "the served session's record", 15)
                await asyncio.sleep(1.0)  # the app drawn and idle, as a person would find it
                await ws.close()
                await reading

        asyncio.run(connect())
        (record,) = wait_for(lambda: [r for r in records(herenow_home) if r.get("interrupted")],
                             "the session written as interrupted when the connection closed", 20)
        assert "ended" in record
        os.killpg(process.pid, signal.SIGINT)
        rest, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "herenow serve stopped." in rest and "Traceback" not in rest
    assert process.returncode == 0
