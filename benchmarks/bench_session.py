"""Start-up, peak memory and idle CPU of `herenow session`, beside bare Textual apps measured in the same run.

    python benchmarks/bench_session.py [--runs 10] [--idle 60]

HERENOW_BIN names the herenow to measure (default: the one beside this Python).

Each app runs in a pseudo-terminal of 100x30. "First frame" is the time from launch until the app has drawn
its first screen (a known text appears in the output). Peak memory is the child's max RSS. Idle CPU is the
CPU time the process used over --idle seconds after start-up, as % of one core. The three idle runs happen
at the same time, so they share the same machine conditions.

References:
- bare: a Textual app with one Static;
- ticking: the same app updating the Static once a second (the cheapest honest timer).

Targets (issue 3): idle CPU <= 2x ticking; first frame <= 1.3x bare; peak memory <= 1.3x bare.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

BARE = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("bare-ready")
Bare().run()
"""

TICKING = """
import time
from textual.app import App
from textual.widgets import Static
class Ticking(App):
    def compose(self):
        yield Static("ticking-ready", id="s")
    def on_mount(self):
        self.set_interval(1, self.tick)
    def tick(self):
        self.query_one("#s", Static).update(f"ticking-ready {time.strftime('%H:%M:%S')}")
Ticking().run()
"""


class Child:
    def __init__(self, argv: list[str], marker: bytes, env: dict[str, str]) -> None:
        self.marker = marker
        self.started = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.buffer = b""
        self.first_frame: float | None = None
        self._stop = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            if self.first_frame is None:
                self.buffer += data
                if self.marker in self.buffer:
                    self.first_frame = time.perf_counter() - self.started
                    self.buffer = b""

    def wait_ready(self, timeout: float = 20) -> float:
        deadline = time.perf_counter() + timeout
        while self.first_frame is None and time.perf_counter() < deadline:
            time.sleep(0.005)
        if self.first_frame is None:
            raise RuntimeError("the app never drew its first frame")
        return self.first_frame

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def quit(self) -> int:
        """Ctrl+Q, then collect the peak RSS (KB) of the child."""
        os.write(self.fd, b"\x11")
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            pid, _status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.02)
        else:
            os.kill(self.pid, 9)
            _pid, _status, usage = os.wait4(self.pid, 0)
        self._stop = True
        self._reader.join(timeout=1)
        os.close(self.fd)
        return usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--idle", type=float, default=60)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="herenow-bench-"))
    (work / "bare.py").write_text(BARE)
    (work / "ticking.py").write_text(TICKING)
    env = {**os.environ, "HERENOW_HOME": str(work / "home"), "TERM": "xterm-256color"}
    herenow = os.environ.get("HERENOW_BIN") or str(Path(sys.executable).with_name("herenow"))
    apps = {
        "herenow session": ([herenow, "session", "--minutes", "50"], b":00 left"),  # the timer, not a cue's word
        "bare Static": ([sys.executable, str(work / "bare.py")], b"bare-ready"),
        "ticking Static": ([sys.executable, str(work / "ticking.py")], b"ticking-ready"),
    }

    frames: dict[str, list[float]] = {name: [] for name in apps}
    memory: dict[str, list[int]] = {name: [] for name in apps}
    for _ in range(args.runs):  # alternate the apps so drift hits all of them alike
        for name, (argv, marker) in apps.items():
            child = Child(argv, marker, env)
            frames[name].append(child.wait_ready())
            time.sleep(0.3)
            memory[name].append(child.quit())

    children = {name: Child(argv, marker, env) for name, (argv, marker) in apps.items()}
    for child in children.values():
        child.wait_ready()
    time.sleep(2)  # let start-up work settle
    before = {name: child.cpu_seconds() for name, child in children.items()}
    time.sleep(args.idle)
    cpu = {name: 100 * (child.cpu_seconds() - before[name]) / args.idle for name, child in children.items()}
    for child in children.values():
        child.quit()

    first = {name: statistics.median(values) for name, values in frames.items()}
    peak = {name: statistics.median(values) / 1024 for name, values in memory.items()}
    print(f"herenow session benchmark: {args.runs} runs, {args.idle:.0f} s idle, Python {sys.version.split()[0]}")
    print(f"{'':18}{'first frame':>14}{'peak memory':>14}{'idle CPU':>12}")
    for name in apps:
        print(f"{name:18}{first[name]:>12.3f} s{peak[name]:>11.1f} MB{cpu[name]:>10.3f} %")
    print()
    ratios = [
        ("first frame / bare", first["herenow session"] / first["bare Static"], 1.3),
        ("peak memory / bare", peak["herenow session"] / peak["bare Static"], 1.3),
        ("idle CPU / ticking", cpu["herenow session"] / max(cpu["ticking Static"], 1e-9), 2.0),
    ]
    for label, value, target in ratios:
        verdict = "ok" if value <= target else "OVER TARGET"
        print(f"{label:22} {value:5.2f}x  (target <= {target}x)  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
