"""herenow never opens an internet connection: a whole session, reflection and review, watched by an audit hook.

The hook sees every ``socket.connect``, ``socket.bind`` and name lookup in the process; anything but a local
(AF_UNIX) socket is recorded and fails the test. A real ``herenow reflections list`` process is watched too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

WATCHED = {"socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto"}
_seen: list[str] = []
_watching = False


def _hook(event: str, args: tuple) -> None:
    if not _watching or event not in WATCHED:
        return
    if event in ("socket.connect", "socket.bind", "socket.sendto"):
        sock = args[0]
        if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", None):
            return
    _seen.append(f"{event} {args[1:]!r}")


sys.addaudithook(_hook)  # audit hooks cannot be removed: this one only records while a test watches


@pytest.fixture
def watch():
    global _watching
    _seen.clear()
    _watching = True
    try:
        yield _seen
    finally:
        _watching = False


def test_the_hook_would_see_a_connection(watch) -> None:
    """The test below can fail: a connection attempt (refused at once, nothing listens there) is recorded."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        try:
            sock.connect(("127.0.0.1", 9))
        except OSError:
            pass
    assert watch and watch[0].startswith("socket.connect")


def test_a_whole_session_reflection_and_review_opens_no_internet_socket(watch, herenow_home: Path, clock,
                                                                       capsys) -> None:
    from herenow.cli import main
    from herenow.config import load_config
    from herenow.context import AppContext
    from herenow.live import LiveSession
    from herenow.store.drafts import DraftStore, tidy_leftovers
    from herenow.store.export import export
    from herenow.store.reflections import Query, new_reflection, prompts_for
    from herenow.store.paths import secure_tree

    assert secure_tree() == []
    ctx = AppContext.load(now=clock, seed=3)
    config, _ = load_config()
    live = LiveSession(ctx.default_decks(), config, now=clock, seed=3)
    for minute in range(50):
        clock.advance(60)
        live.tick()
        if minute in (10, 30):
            live.mark("rupture" if minute == 10 else "repair")
            live.act_on()
    record = live.end()
    plan = prompts_for([(d.name, d.prompts) for d in ctx.default_decks()], seed=record.id)
    reflection = new_reflection(record, plan.shown)
    reflection.answers[0].text = "We found our way back after the rupture."
    reflection.tags = ["rupture"]
    DraftStore().save(reflection)
    store = ctx.store
    assert not store.save(reflection).conflict
    assert tidy_leftovers(store).drafts == [record.id]
    found, problems = store.query(Query(text="rupture"))
    assert [r.id for r in found] == [record.id] and problems == []
    assert store.known_tags() == ["rupture"] and len(store.rows()[0]) == 1
    for fmt in ("md", "json", "csv"):
        export(found, fmt)
    assert main(["reflections", "list"]) == 0 and main(["reflections", "export", "--format", "json"]) == 0
    assert record.id in capsys.readouterr().out
    assert watch == []

    hook = ("import socket, sys\n"
            "def hook(event, args):\n"
            "    if event in ('socket.connect', 'socket.bind', 'socket.getaddrinfo', 'socket.gethostbyname'):\n"
            "        if event.startswith('socket.get') or args[0].family != socket.AF_UNIX:\n"
            "            print('NETWORK', event, args[1:], file=sys.stderr); sys.stderr.flush()\n"
            "sys.addaudithook(hook)\n"
            "from herenow.cli import main\n"
            "raise SystemExit(main(sys.argv[1:]))\n")
    done = subprocess.run([sys.executable, "-c", hook, "reflections", "list"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "HERENOW_HOME": str(herenow_home)})
    assert done.returncode == 0 and record.id in done.stdout, done
    assert "NETWORK" not in done.stderr, done.stderr
