"""`herenow serve`: the session in a browser (a tablet beside the chair, or a browser window), safely.

One public face, `run()`. Nothing starts at import time and importing opens no socket; the web pieces (aiohttp,
textual-serve) are imported only when `run()` is called, so they can live in the optional `serve` extra.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

__all__ = ["ServeOptions", "default_command", "run"]

STOPPED_MESSAGE = "herenow serve stopped."


@dataclass(frozen=True)
class ServeOptions:
    """What `run()` was asked for, resolved: the address to bind and the command served to the browser."""

    host: str
    port: int
    command: tuple[str, ...]
    lan: bool


def default_command(lan: bool) -> list[str]:
    """The app each browser connection starts. Over --lan the app is told so: no reflection text may be sent.

    It is this same herenow, from the folder this code runs from (the app's environment is minimal, so a
    PYTHONPATH of the server's would not reach it: the server and the app it serves could differ otherwise). It
    carries on the latest session closed less than a quarter of an hour ago, if any: a reconnect resumes it.
    """
    from pathlib import Path

    here = str(Path(__file__).resolve().parents[2])
    launcher = f"import sys; sys.path.insert(0, {here!r}); from herenow.cli import main; sys.exit(main())"
    return [sys.executable, "-c", launcher, "session", "--served", "lan" if lan else "local"]


def run(
    lan: bool = False,
    port: int = 0,
    command: Sequence[str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Serve herenow to one browser until ctrl+c. Returns a process exit code (0 after a clean stop).

    lan=False (the default) binds 127.0.0.1 only; lan=True binds this machine's local-network address and prints a
    QR code of the pairing address as well. port=0 picks a free port.
    """
    out = sys.stdout if out is None else out
    try:
        from .server import LOOPBACK, ServeServer, lan_address, print_qr
    except ImportError as error:  # the optional extra is not installed
        print(f"herenow serve needs the serve extra: pip install 'herenow[serve]' ({error.name} is missing)",
              file=out)
        return 2

    if lan:
        host = lan_address()
        if host is None:
            print("herenow serve: no local network address found; is Wi-Fi or Ethernet connected?", file=out)
            return 2
    else:
        host = LOOPBACK
    import asyncio

    options = ServeOptions(host, port, tuple(command or default_command(lan)), lan)
    return asyncio.run(_serve(options, out, ServeServer, print_qr))


async def _serve(options: ServeOptions, out: TextIO, server_class, print_qr) -> int:
    import asyncio
    import signal

    server = server_class(options.command, host=options.host, port=options.port)
    try:
        pairing = await server.start()
    except OSError as error:
        print(f"herenow serve: cannot listen on {options.host}:{options.port}: {error.strerror or error}", file=out)
        return 2

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
            pass

    print(f"herenow serve: open {pairing.url}", file=out)
    if options.lan:
        print("On the tablet or phone, scan this code (same Wi-Fi), or type the address above:", file=out)
        if not print_qr(pairing.url, out):
            print("(no QR code: the qrcode package is not installed)", file=out)
        print("Over the local network the page is plain HTTP: the session cues and timer cross it, "
              "reflections never do.", file=out)
    print("The address works once, for one browser. Press ctrl+c here to stop.", file=out)
    out.flush()
    try:
        await stop.wait()
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        await server.stop()
        print(STOPPED_MESSAGE, file=out)
        out.flush()
    return 0
