"""`herenow serve` stopping an app whose browser has gone: the app is let quit in order (it writes its session as it
quits), not killed while it still has output to write.

The app here is a stand-in that speaks textual-serve's packet protocol (the real app's quit is covered by
tests/e2e/test_serve_session.py and tests/ui/test_served_session.py): it writes output the whole time, like a session
screen's ticks, and on "quit" writes more than a pipe holds before it records that it quit in order.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("aiohttp")
pytest.importorskip("textual_serve")

from herenow.serve.server import _NoDownloads, _ServedApp  # noqa: E402

APP = textwrap.dedent(
    """
    import json, os, sys, threading, time
    out = sys.stdout.buffer
    lock = threading.Lock()
    def packet(kind, payload):
        with lock:
            out.write(kind + len(payload).to_bytes(4, "big") + payload)
            out.flush()
    out.write(b"__GANGLION__\\n"); out.flush()
    quitting = threading.Event()
    def ticks():
        while not quitting.is_set():
            packet(b"D", b"tick " * 20)
            time.sleep(0.01)
    threading.Thread(target=ticks, daemon=True).start()
    stdin = sys.stdin.buffer
    while True:
        kind = stdin.read(1)
        if not kind:
            sys.exit(3)
        payload = stdin.read(int.from_bytes(stdin.read(4), "big"))
        if kind == b"M" and json.loads(payload).get("type") == "quit":
            break
    quitting.set()
    for _ in range(64):  # 256 KB: more than a pipe holds, so it quits only if its output is still read
        packet(b"D", b"x" * 4096)
    open(sys.argv[1], "w").write("quit in order")
    sys.exit(0)
    """
)


async def _gone(*_args) -> None:
    raise ConnectionResetError("Cannot write to closing transport")  # what aiohttp says once the browser has gone


async def _closed() -> None:
    return None


def test_an_app_whose_browser_has_gone_quits_in_order_instead_of_being_killed(tmp_path: Path) -> None:
    marker = tmp_path / "quit"

    async def scenario() -> int | None:
        service = _ServedApp([sys.executable, "-c", APP, str(marker)], base_env={}, write_bytes=_gone,
                             write_str=_gone, close=_closed, download_manager=_NoDownloads())
        await service.start(80, 24)
        await asyncio.sleep(0.3)  # ticks written meanwhile, each to a browser that is no longer there
        await service.stop_within(5.0)
        return service._process.returncode

    returncode = asyncio.run(scenario())
    assert marker.read_text() == "quit in order"
    assert returncode == 0
