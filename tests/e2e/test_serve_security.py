"""`herenow serve` refuses what it must: checked with plain HTTP/websocket clients and one real browser.

Every server here binds 127.0.0.1 and serves a tiny Textual app written into the test's tmp folder.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

aiohttp = pytest.importorskip("aiohttp")
pytest.importorskip("textual_serve")

from herenow.serve.server import COOKIE_NAME, Pairing, ServeServer  # noqa: E402

from conftest import cut_off_after  # noqa: E402

SRC = Path(__file__).resolve().parents[2] / "src"
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT = aiohttp.ClientTimeout(total=8)

TINY_APP = '''\
from textual.app import App
from textual.widgets import Static


class Tiny(App):
    def compose(self):
        yield Static("herenow test card")


Tiny().run()
'''


@pytest.fixture(autouse=True)
def _hang_guard() -> Iterator[None]:
    """No test may hang the run: each is cut off after 30 s."""
    with cut_off_after(30):
        yield


class RunningServer:
    """A ServeServer on its own event loop in a thread, so tests (and sync playwright) can use it freely."""

    def __init__(self, command: list[str]) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = ServeServer(command, port=0)
        self.pairing: Pairing = self._call(self.server.start())

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=15)

    @property
    def origin(self) -> str:
        return self.pairing.origin

    def close(self) -> None:
        try:
            self._call(self.server.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
            self.loop.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[RunningServer]:
    app = tmp_path / "tiny_app.py"
    app.write_text(TINY_APP, encoding="utf-8")
    running = RunningServer([sys.executable, str(app)])
    try:
        yield running
    finally:
        running.close()


async def _pair(served: RunningServer) -> str:
    """Spend the token as a browser would; return the session cookie value."""
    async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
        async with client.get(served.pairing.url, allow_redirects=False) as response:
            assert response.status == 303
            return response.cookies[COOKIE_NAME].value


async def _ws(client, served: RunningServer, cookie: str | None, origin: str | None):
    headers = {}
    if cookie is not None:
        headers["Cookie"] = f"{COOKIE_NAME}={cookie}"
    if origin is not None:
        headers["Origin"] = origin
    return await client.ws_connect(served.origin + "/ws?width=80&height=24", headers=headers, autoping=True)


async def _status(url: str, cookie: str | None = None) -> int:
    headers = {"Cookie": f"{COOKIE_NAME}={cookie}"} if cookie else {}
    async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
        async with client.get(url, headers=headers, allow_redirects=False) as response:
            return response.status


async def _first_frame(ws) -> bytes:
    """Wait for the app's first drawing bytes: the process started and speaks through the websocket."""
    while True:
        message = await asyncio.wait_for(ws.receive(), 10)
        if message.type == aiohttp.WSMsgType.BINARY and len(message.data) > 10:
            return message.data
        assert message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY), message


# ---- pairing ---------------------------------------------------------------------------------------------------


async def test_no_token_is_refused(served: RunningServer) -> None:
    assert await _status(served.origin + "/") == 403


async def test_wrong_token_is_refused(served: RunningServer) -> None:
    assert await _status(served.origin + "/?token=not-the-token") == 403
    assert await _status(served.origin + "/?token=") == 403
    # A wrong guess does not spend the real token.
    assert await _status(served.pairing.url) == 303


async def test_right_token_sets_a_strict_cookie_and_redirects_to_a_clean_url(served: RunningServer) -> None:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
        async with client.get(served.pairing.url, allow_redirects=False) as response:
            assert response.status == 303
            location = response.headers["Location"]
            set_cookie = response.headers["Set-Cookie"]
    assert location == "/"
    assert served.pairing.token not in location
    assert set_cookie.startswith(f"{COOKIE_NAME}=")
    attributes = [part.strip().lower() for part in set_cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes
    cookie_value = set_cookie.split(";", 1)[0].split("=", 1)[1]
    assert cookie_value and cookie_value != served.pairing.token


async def test_token_works_once(served: RunningServer) -> None:
    cookie = await _pair(served)
    assert await _status(served.pairing.url) == 403
    # Even a paired browser cannot spend it again.
    assert await _status(served.pairing.url, cookie) == 403


async def test_page_needs_the_cookie_and_is_local_only(served: RunningServer) -> None:
    cookie = await _pair(served)
    assert await _status(served.origin + "/", "forged-cookie") == 403
    async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
        async with client.get(served.origin + "/", headers={"Cookie": f"{COOKIE_NAME}={cookie}"}) as response:
            assert response.status == 200
            page = await response.text()
            headers = response.headers
    assert re.search(r"<title>herenow</title>", page)
    assert not re.search(r"https?://", page), "the page must reference only relative URLs"
    assert "fonts.googleapis" not in page and "@import" not in page
    for src in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert src.startswith("/static/"), src
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert f"connect-src 'self' ws://{urlsplit(served.origin).netloc}" in csp
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"


async def test_wrong_host_header_is_refused(served: RunningServer) -> None:
    """A DNS-rebinding page reaches the port under a name of its own: refused."""
    cookie = await _pair(served)
    async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
        async with client.get(
            served.origin + "/", headers={"Host": "evil.example:80", "Cookie": f"{COOKIE_NAME}={cookie}"}
        ) as response:
            assert response.status == 403


async def test_static_needs_the_cookie(served: RunningServer) -> None:
    url = served.origin + "/static/js/textual.js"
    assert await _status(url) == 403
    cookie = await _pair(served)
    assert await _status(url, cookie) == 200
    assert await _status(served.origin + "/static/herenow/page.css", cookie) == 200
    assert await _status(served.origin + "/static/fonts/RobotoMono-VariableFont_wght.ttf", cookie) == 404
    assert await _status(served.origin + "/static/../server.py", cookie) in (403, 404)
    assert await _status(served.origin + "/download/anything", cookie) == 404


# ---- the websocket ---------------------------------------------------------------------------------------------


async def test_websocket_without_cookie_is_refused(served: RunningServer) -> None:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await _ws(client, served, cookie=None, origin=served.origin)
    assert refused.value.status == 403


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:1", None, "null"])
async def test_websocket_with_foreign_origin_is_refused(served: RunningServer, origin: str | None) -> None:
    cookie = await _pair(served)
    async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await _ws(client, served, cookie=cookie, origin=origin)
    assert refused.value.status == 403


async def test_one_connection_at_a_time_and_reconnect_after_close(served: RunningServer) -> None:
    cookie = await _pair(served)
    async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
        first = await _ws(client, served, cookie=cookie, origin=served.origin)
        await _first_frame(first)  # the app really started and draws

        with pytest.raises(aiohttp.WSServerHandshakeError) as busy:
            await _ws(client, served, cookie=cookie, origin=served.origin)
        assert busy.value.status == 409

        await first.close()
        # The slot frees once the first app has quit (Textual takes a few hundred ms): then a new one works.
        deadline = time.monotonic() + 8
        while True:
            try:
                second = await _ws(client, served, cookie=cookie, origin=served.origin)
                break
            except aiohttp.WSServerHandshakeError as error:
                assert error.status == 409
                assert time.monotonic() < deadline, "the slot never freed after the first connection closed"
                await asyncio.sleep(0.1)
        await _first_frame(second)
        await second.close()


async def test_app_gets_a_minimal_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Server secrets in the environment do not reach the served app."""
    dump = tmp_path / "env.txt"
    app = tmp_path / "env_app.py"
    app.write_text(
        "import os, pathlib\n"
        f"pathlib.Path({str(dump)!r}).write_text('\\n'.join(sorted(os.environ)))\n" + TINY_APP,
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    running = RunningServer([sys.executable, str(app)])
    try:
        cookie = await _pair(running)
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            ws = await _ws(client, running, cookie=cookie, origin=running.origin)
            await _first_frame(ws)
            await ws.close()
    finally:
        running.close()
    names = set(dump.read_text(encoding="utf-8").split())
    assert "AWS_SECRET_ACCESS_KEY" not in names
    assert {"PATH", "HOME", "HERENOW_HOME", "XDG_CACHE_HOME", "TEXTUAL_DRIVER"} <= names
    allowed = {"PATH", "HOME", "LANG", "LANGUAGE", "TERM", "COLORTERM", "TZ", "HERENOW_HOME", "SYSTEMROOT",
               "TEXTUAL_DRIVER", "TEXTUAL_FPS", "TEXTUAL_COLOR_SYSTEM", "TERM_PROGRAM", "COLUMNS", "ROWS"}
    # Python itself may add a few (LC_CTYPE coercion); everything else must be on the list.
    extra = {n for n in names - allowed if not n.startswith(("LC_", "XDG_"))}
    assert not extra, extra


# ---- run(): what the terminal shows ----------------------------------------------------------------------------


def test_run_binds_loopback_by_default_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """ctrl+c in the terminal (SIGINT to the foreground group) while a browser is connected: a clean stop."""
    app = tmp_path / "tiny_app.py"
    app.write_text(TINY_APP, encoding="utf-8")
    code = (
        "import sys\n"
        "from herenow.serve import run\n"
        f"sys.exit(run(command=[sys.executable, {str(app)!r}]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # its own group, like a shell job: killpg below is the terminal's ctrl+c
    )
    children: list[str] = []
    try:
        first = process.stdout.readline()
        match = re.match(r"herenow serve: open (http://127\.0\.0\.1:\d+)/\?token=[\w-]{32}$", first.strip())
        assert match, first
        pairing_url, origin = first.split()[-1], match.group(1)

        async def connect_then_interrupt() -> None:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
                async with client.get(pairing_url, allow_redirects=False) as response:
                    cookie = response.cookies[COOKIE_NAME].value
                ws = await client.ws_connect(
                    origin + "/ws", headers={"Origin": origin, "Cookie": f"{COOKIE_NAME}={cookie}"}
                )
                await _first_frame(ws)
                children.extend(
                    subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
                )
                os.killpg(process.pid, signal.SIGINT)
                while not ws.closed:  # the server closes the browser's connection as it stops
                    if (await asyncio.wait_for(ws.receive(), 10)).type in (
                        aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR
                    ):
                        break

        asyncio.run(connect_then_interrupt())
        rest, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "herenow serve stopped." in rest
    assert "Traceback" not in rest
    assert process.returncode == 0
    assert children, "the served app was not a child process?"
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


def test_lan_is_never_the_default() -> None:
    import inspect

    from herenow.serve import run

    assert inspect.signature(run).parameters["lan"].default is False
    assert ServeServer.__init__.__kwdefaults__["host"] == "127.0.0.1"


def test_importing_starts_nothing() -> None:
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise SystemExit('network used at import')\n"
        "socket.socket.bind = socket.socket.connect = socket.socket.listen = refuse\n"
        "socket.getaddrinfo = socket.gethostbyname = refuse\n"
        "import herenow.serve\n"
        "assert 'aiohttp' not in sys.modules, 'the web stack is imported only by run()'\n"
        "import herenow.serve.server\n"
        "print('ok')\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=20)
    assert done.stdout.strip() == "ok", done.stderr


# ---- a real browser --------------------------------------------------------------------------------------------


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
def test_real_browser_shows_the_app_and_talks_only_to_the_server(served: RunningServer, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    console: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            page.goto(served.pairing.url, timeout=10_000)
            page.wait_for_selector(".xterm-screen", timeout=10_000)
            # (The page's CSP forbids eval, so wait on a selector, not a JS function.)
            page.wait_for_selector("body.-first-byte", timeout=10_000)
            page.wait_for_timeout(300)
            page.screenshot(path=str(tmp_path / "served.png"))
            assert page.title() == "herenow"
            assert served.pairing.token not in page.url
            assert urlsplit(page.url).path == "/" and not urlsplit(page.url).query
            cookies = page.context.cookies()
        finally:
            browser.close()

    assert (tmp_path / "served.png").stat().st_size > 1000
    own = urlsplit(served.origin).netloc
    assert requests, "the page made no requests at all?"
    foreign = [url for url in requests if urlsplit(url).netloc != own and not url.startswith("data:")]
    assert not foreign, foreign
    assert not [line for line in console if "Content Security Policy" in line], console
    (session,) = [c for c in cookies if c["name"] == COOKIE_NAME]
    assert session["httpOnly"] and session["sameSite"] == "Strict"


def test_qr_code_is_printed_as_text() -> None:
    """What --lan prints under the address (no network: only the rendering is checked here)."""
    import io

    from herenow.serve.server import print_qr

    pytest.importorskip("qrcode")
    out = io.StringIO()
    assert print_qr("http://192.0.2.10:8123/?token=abc", out)
    lines = out.getvalue().splitlines()
    assert len(lines) > 10 and all(len(line) == len(lines[0]) for line in lines)


def test_importing_the_package_is_light() -> None:
    """`herenow.serve` can be imported by the CLI at start-up: no asyncio, aiohttp or textual until run()."""
    code = "import sys, herenow.serve\nprint(sorted(m for m in ('asyncio', 'aiohttp', 'textual', 'textual_serve') if m in sys.modules))\n"
    env = dict(os.environ, PYTHONPATH=str(SRC))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=20)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
