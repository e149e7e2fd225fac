"""A hardened web server for a Textual app, built from textual-serve's pieces.

textual-serve 1.1.3 as shipped has no authentication, no Origin check, no limit on connections, starts every app
process with the server's whole environment and its page loads fonts from an outside host. This module keeps what
is sound in it (the browser terminal `textual.js`, and `AppService`, which speaks the web driver's protocol to the
app process) and puts around it:

- one pairing token, spent on first use, exchanged for an HttpOnly SameSite=Strict session cookie and a 303 to a
  clean `/` (no token left in the address bar, history or title);
- every request needs that cookie and a `Host` header naming this server (DNS rebinding gets nowhere);
- the websocket also needs `Origin` equal to this server's own origin, and only one may be open at a time (409);
- a page of its own (title "herenow", system fonts, only local files) with a strict Content-Security-Policy;
- the app process started with an allow-listed environment and the command as an argument list (no shell);
- no download route, and the app cannot make the browser open URLs.

Nothing here runs at import time and importing it opens no socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import ipaddress
import logging
import os
import secrets
import socket
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService

log = logging.getLogger("herenow.serve")

COOKIE_NAME = "herenow_session"
LOOPBACK = "127.0.0.1"
#: Seconds between websocket pings; a connection that stops answering is closed after 1.5x this, which frees the
#: single slot soon after a tablet goes to sleep.
HEARTBEAT_S = 6.0
#: How long a stopping app gets to quit before it is terminated (SIGTERM), and then how long before it is killed.
APP_STOP_TIMEOUT_S = 5.0
APP_TERMINATE_WAIT_S = 2.0

#: Environment variables passed from the server to the app process, by exact name or prefix. Nothing else is.
ENV_NAMES = ("PATH", "HOME", "LANG", "LANGUAGE", "TERM", "COLORTERM", "TZ", "HERENOW_HOME", "SYSTEMROOT")
ENV_PREFIXES = ("LC_", "XDG_")

_FORBIDDEN_TEXT = {
    "token": "This pairing address is not valid or has been used already.\n"
    "Stop `herenow serve` with ctrl+c in its terminal and start it again for a new address.\n",
    "cookie": "Not paired with this herenow.\n"
    "Open the address that `herenow serve` printed in its terminal (each address works once).\n",
    "host": "Wrong host.\n",
    "origin": "Forbidden.\n",
}


@dataclass(frozen=True)
class Pairing:
    """Where the server listens and the one-time token that pairs a browser with it."""

    host: str
    port: int
    token: str = field(repr=False)

    @property
    def origin(self) -> str:
        """The server's own origin, as a browser sends it in `Origin`."""
        return f"http://{_host_for_url(self.host)}:{self.port}"

    @property
    def url(self) -> str:
        """The address to open once: the origin with the pairing token."""
        return f"{self.origin}/?token={self.token}"


def _host_for_url(host: str) -> str:
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host


def lan_address() -> str | None:
    """The address this machine has on its local network, found without sending anything.

    connect() on a UDP socket only asks the kernel for a route; no packet leaves. The private address used is
    never contacted. Returns None when there is no non-loopback IPv4 address.
    """
    candidates: list[str] = []
    with contextlib.suppress(OSError):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 9))
            candidates.append(probe.getsockname()[0])
    with contextlib.suppress(OSError):
        candidates.append(socket.gethostbyname(socket.gethostname()))
    for candidate in candidates:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if not (address.is_loopback or address.is_unspecified or address.is_link_local):
            return candidate
    return None


def minimal_environment(source: Mapping[str, str] | None = None) -> dict[str, str]:
    """The allow-listed part of `source` (default: os.environ) that an app process may see."""
    source = os.environ if source is None else source
    return {
        name: value
        for name, value in source.items()
        if name in ENV_NAMES or name.startswith(ENV_PREFIXES)
    }


class _ServedApp(AppService):
    """textual-serve's AppService with a minimal environment, no shell, no downloads, no URL opening."""

    def __init__(self, argv: Sequence[str], *, base_env: Mapping[str, str], **kwargs) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = list(argv)
        self.base_env = dict(base_env)

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = dict(self.base_env)
        environment.update(
            TEXTUAL_DRIVER="textual.drivers.web_driver:WebDriver",
            TEXTUAL_FPS="60",
            TEXTUAL_COLOR_SYSTEM="truecolor",
            TERM_PROGRAM="textual",
            COLUMNS=str(width),
            ROWS=str(height),
        )
        environment.setdefault("TERM", "xterm-256color")
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24):
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            # Its own process group: ctrl+c in the terminal reaches the server only, which then asks the app to
            # quit the orderly way (so a session can save) instead of the app dying mid-write.
            start_new_session=(os.name == "posix"),
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def on_meta(self, data: bytes) -> None:
        import json

        meta = json.loads(data)
        if meta.get("type") == "exit":
            await self.remote_close()
        # open_url and file deliveries are dropped on purpose: the page opens nothing and serves no downloads.

    async def on_data(self, payload: bytes) -> None:
        """The app's output, to the browser. Once the browser has gone it is still read, and dropped: textual-serve
        stopped reading at the first write that failed, so an app with more to write (a tick, the last frame) could
        block on its output, and was then killed before it had quit in order and written its session."""
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.remote_write_bytes(payload)

    async def stop_within(self, timeout: float) -> None:
        """Ask the app to quit, and wait for it; if it has not gone within `timeout` seconds, terminate it (its
        SIGTERM handler writes what is on screen), and kill it only if that does not end it either."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            await asyncio.wait_for(self.stop(), timeout)
        except (asyncio.TimeoutError, ConnectionError, RuntimeError, AssertionError):
            pass
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), max(0.0, deadline - loop.time()))
            for ending in (process.terminate, process.kill):
                if process.returncode is not None:
                    break
                with contextlib.suppress(ProcessLookupError):
                    ending()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(process.wait(), APP_TERMINATE_WAIT_S)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
            self._task = None


class ServeServer:
    """Serve one Textual app command to one paired browser at a time.

    Use `await start()` (returns the `Pairing`) and `await stop()` from a running event loop, or `herenow.serve.run`
    for the blocking, terminal-facing version.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        host: str = LOOPBACK,
        port: int = 0,
        environ: Mapping[str, str] | None = None,
        font_size: int = 16,
    ) -> None:
        if not command:
            raise ValueError("command must not be empty")
        self.command = list(command)
        self.host = host
        self.requested_port = port
        self.base_env = minimal_environment(environ)
        self.font_size = int(font_size)
        self.pairing: Pairing | None = None
        self._token_spent = False
        self._session_id: str | None = None
        self._active: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self._assets: dict[str, tuple[bytes, str]] = {}
        self._page_template: string.Template | None = None

    # ---- life cycle -------------------------------------------------------------------------------------------

    async def start(self) -> Pairing:
        """Bind, start serving and return the pairing (address and one-time token)."""
        self._load_assets()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.requested_port))
            sock.listen(8)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        port = sock.getsockname()[1]
        self.pairing = Pairing(self.host, port, secrets.token_urlsafe(24))
        self._runner = web.AppRunner(
            self._make_app(), handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.SockSite(self._runner, sock)
        await site.start()
        return self.pairing

    async def stop(self) -> None:
        """Close the browser connection, stop its app and the server."""
        active = self._active
        if active is not None and not active.closed:
            with contextlib.suppress(Exception):
                await active.close(code=1001, message=b"herenow serve stopped")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---- the aiohttp application ------------------------------------------------------------------------------

    def _load_assets(self) -> None:
        if self._assets:
            return
        import textual_serve

        ts_static = Path(textual_serve.__file__).parent / "static"
        own = files("herenow.serve") / "static"
        self._assets = {
            "/static/js/textual.js": ((ts_static / "js" / "textual.js").read_bytes(), "text/javascript"),
            "/static/css/xterm.css": ((ts_static / "css" / "xterm.css").read_bytes(), "text/css"),
            "/static/herenow/page.css": ((own / "page.css").read_bytes(), "text/css"),
            "/static/herenow/page.js": ((own / "page.js").read_bytes(), "text/javascript"),
        }
        self._page_template = string.Template((own / "page.html").read_text(encoding="utf-8"))

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=64 * 1024)
        app.add_routes(
            [
                web.get("/", self._handle_index, allow_head=False),
                web.get("/ws", self._handle_websocket, allow_head=False),
                web.get("/static/{path:.+}", self._handle_static, allow_head=False),
            ]
        )
        app.on_response_prepare.append(self._security_headers)
        return app

    def _csp(self) -> str:
        assert self.pairing is not None
        ws_self = "ws" + self.pairing.origin[len("http") :]
        return "; ".join(
            [
                "default-src 'none'",
                "script-src 'self'",
                # xterm.js and its style loader insert <style> elements; nothing else is inline.
                "style-src 'self' 'unsafe-inline'",
                "img-src 'self' data:",
                "font-src 'self'",
                f"connect-src 'self' {ws_self}",
                "base-uri 'none'",
                "form-action 'none'",
                "frame-ancestors 'none'",
            ]
        )

    async def _security_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        headers["Content-Security-Policy"] = self._csp()
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cache-Control"] = "no-store"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"

    def _cookie_ok(self, request: web.Request) -> bool:
        presented = request.cookies.get(COOKIE_NAME)
        expected = self._session_id
        return bool(presented and expected) and secrets.compare_digest(presented, expected)

    @web.middleware
    async def _guard(self, request: web.Request, handler) -> web.StreamResponse:
        assert self.pairing is not None
        if request.host != self.pairing.origin.split("//", 1)[1]:
            return _forbidden("host")
        if request.method != "GET":
            return web.Response(status=405, text="Method not allowed.\n", headers={"Allow": "GET"})
        if request.path == "/" and "token" in request.query:
            return self._pair(request)
        if not self._cookie_ok(request):
            return _forbidden("cookie")
        return await handler(request)

    def _pair(self, request: web.Request) -> web.StreamResponse:
        assert self.pairing is not None
        offered = request.query.get("token", "")
        if self._token_spent or not secrets.compare_digest(offered.encode(), self.pairing.token.encode()):
            return _forbidden("token")
        self._token_spent = True
        self._session_id = secrets.token_urlsafe(32)
        response = web.Response(status=303, headers={"Location": "/"})
        response.set_cookie(COOKIE_NAME, self._session_id, path="/", httponly=True, samesite="Strict")
        return response

    async def _handle_index(self, request: web.Request) -> web.StreamResponse:
        if request.query_string:
            # textual.js acts on some query parameters (ping, delay): the page is only ever served clean.
            return web.Response(status=303, headers={"Location": "/"})
        assert self.pairing is not None and self._page_template is not None
        ws_url = "ws" + self.pairing.origin[len("http") :] + "/ws"
        page = self._page_template.substitute(
            websocket_url=html.escape(ws_url, quote=True), font_size=str(self.font_size)
        )
        return web.Response(text=page, content_type="text/html", charset="utf-8")

    async def _handle_static(self, request: web.Request) -> web.StreamResponse:
        asset = self._assets.get(request.path)
        if asset is None:
            return web.Response(status=404, text="Not found.\n")
        body, content_type = asset
        return web.Response(body=body, content_type=content_type)

    async def _handle_websocket(self, request: web.Request) -> web.StreamResponse:
        assert self.pairing is not None
        if request.headers.get("Origin") != self.pairing.origin:
            return _forbidden("origin")
        if self._active is not None and self._active.closed:
            # The last connection has gone and its app is writing the session and quitting (a reload, a larger
            # text size, Wi-Fi back): wait for it, briefly, rather than refuse. Two apps never run at once.
            loop = asyncio.get_running_loop()
            deadline = loop.time() + APP_STOP_TIMEOUT_S + 1.0
            while self._active is not None and loop.time() < deadline:
                await asyncio.sleep(0.05)
        if self._active is not None:
            return web.Response(status=409, text="herenow is already open in another window or device.\n")
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=1024 * 1024)
        self._active = websocket  # taken before any await: a racing second request sees it
        app_service: _ServedApp | None = None
        try:
            await websocket.prepare(request)
            width = _small_int(request.query.get("width"), 80)
            height = _small_int(request.query.get("height"), 24)
            app_service = _ServedApp(
                self.command,
                base_env=self.base_env,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=_NoDownloads(),
            )
            await app_service.start(width, height)
            await self._relay(websocket, app_service)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await websocket.close()
        except Exception:  # a broken client must not take the server down
            log.exception("websocket failed")
        finally:
            try:
                if app_service is not None:
                    await app_service.stop_within(APP_STOP_TIMEOUT_S)
            finally:
                # The slot is freed only once the previous app has gone: two live copies never overlap.
                self._active = None
        return websocket

    async def _relay(self, websocket: web.WebSocketResponse, app_service: _ServedApp) -> None:
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = message.json()
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind = envelope[0]
            arg = envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(arg, str):
                await app_service.send_bytes(arg.encode("utf-8"))
            elif kind == "resize" and isinstance(arg, dict):
                await app_service.set_terminal_size(
                    _small_int(arg.get("width"), 80), _small_int(arg.get("height"), 24)
                )
            elif kind == "ping":
                await websocket.send_json(["pong", str(arg)[:32]])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()


class _NoDownloads:
    """Stands in for textual-serve's DownloadManager: herenow serves no downloads."""

    async def cancel_app_downloads(self, app_service_id: str) -> None:
        return None


def _small_int(value: object, default: int) -> int:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return number if 1 <= number <= 1000 else default


def _forbidden(reason: str) -> web.Response:
    return web.Response(status=403, text=_FORBIDDEN_TEXT[reason])


def print_qr(text: str, out) -> bool:
    """Print `text` as a QR code made of text characters; False if the qrcode package is missing or fails."""
    try:
        import qrcode
    except ImportError:
        return False
    try:
        qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
        qr.add_data(text)
        qr.make(fit=True)
        qr.print_ascii(out=out, invert=True)
    except (UnicodeError, OSError, ValueError):
        return False
    return True


__all__ = ["COOKIE_NAME", "Pairing", "ServeServer", "lan_address", "minimal_environment", "print_qr"]
