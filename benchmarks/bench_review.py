"""Review at ten years' scale: how long things take with 1,000 and 10,000 reflections, and jrnl side by side.

    /work/venv/bin/python benchmarks/bench_review.py            # N = 1,000 and 10,000, jrnl at 10,000
    /work/venv/bin/python benchmarks/bench_review.py --n 1000 --runs 3 --no-jrnl

Everything happens in throwaway folders under /tmp (HERENOW_HOME, jrnl's config via XDG_CONFIG_HOME, its
journal); your own store and config are never touched. jrnl is installed with pip into its own venv under /tmp
the first time (it is not a herenow dependency). Whole-process figures are medians of --runs runs, herenow and jrnl
alternated; memory is the peak resident size of the process (ru_maxrss).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
HERENOW = str(VENV_BIN / "herenow")
JRNL_VENV = Path(tempfile.gettempdir()) / "herenow-bench-jrnl-venv"
WORD = "letter"  # in about one reflection in ten (a note: "They brought a letter to read.")


# ---------------------------------------------------------------------------- child: the screen, headless
async def _screen_figures(width: int, height: int) -> dict:
    from herenow.context import AppContext
    from herenow.store.reflections import Query
    from herenow.ui.app import HerenowApp
    from herenow.ui.screens.reflection_view import ReflectionViewScreen
    from herenow.ui.screens.review import ReviewScreen

    out: dict = {}
    app = HerenowApp(AppContext.load(), start="home")
    async with app.run_test(size=(width, height)) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        app.push_screen(ReviewScreen())
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        filled = time.perf_counter()
        await app.workers.wait_for_complete()  # the background check of the files
        await pilot.pause()
        out["ready_s"] = filled - start
        out["ready_with_file_check_s"] = time.perf_counter() - start
        out["rows_in_table"] = screen.table.row_count
        out["matches"] = len(screen.rids)

        # Filter keystrokes: the work that runs once the typing pauses (query + table refill + repaint).
        search = screen.query_one("#review-search")
        search.focus()
        times = []
        typed = WORD + " read"
        for end in list(range(1, len(typed) + 1)) + list(range(len(typed) - 1, -1, -1)):
            search.value = typed[:end]
            await pilot.pause()
            if screen._debounce is not None:
                screen._debounce.stop()
            t = time.perf_counter()
            screen.apply_filter()
            await pilot.pause()
            times.append(time.perf_counter() - t)
        out["keystroke_median_ms"] = statistics.median(times) * 1000
        out["keystroke_max_ms"] = max(times) * 1000
        out["keystroke_all_ms"] = [round(t * 1000) for t in times]

        # End to end for one key, the 150 ms pause included.
        t = time.perf_counter()
        await pilot.press("l")
        while not screen.rids or screen.query_now.text != "l":
            await asyncio.sleep(0.005)
        await pilot.pause()
        out["keystroke_end_to_end_ms"] = (time.perf_counter() - t) * 1000
        search.value = ""
        await pilot.pause(0.3)

        # Open one reflection, then the next few.
        screen.table.focus()
        t = time.perf_counter()
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, ReflectionViewScreen)
        out["open_one_s"] = time.perf_counter() - t
        steps = []
        for _ in range(5):
            t = time.perf_counter()
            await pilot.press("n")
            await pilot.pause()
            steps.append(time.perf_counter() - t)
        out["next_one_median_s"] = statistics.median(steps)
        await pilot.press("escape")
        await pilot.pause()

        # Trends of everything.
        t = time.perf_counter()
        await pilot.press("t")
        await pilot.pause()
        out["trends_s"] = time.perf_counter() - t
        await pilot.press("escape")
        await pilot.pause()

        # Export of all, as the screen does it (in its worker thread).
        target = Path(os.environ["HERENOW_HOME"]) / "export-from-screen.md"
        t = time.perf_counter()
        screen.query_now = Query()
        screen.export(target)
        await app.workers.wait_for_complete()
        out["export_all_in_app_s"] = time.perf_counter() - t
        out["export_bytes"] = target.stat().st_size
    import resource

    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def child_screen(width: int, height: int) -> None:
    print(json.dumps(asyncio.run(_screen_figures(width, height))))


# ---------------------------------------------------------------------------- whole processes
def run(cmd: list[str], env: dict) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of one whole process, output thrown away.

    Peak memory comes from GNU time when it is there: a forked child's own ru_maxrss starts from its parent's.
    """
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        full = [gnu_time, "-f", "%M", "-o", report.name, *cmd] if gnu_time else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(full, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        peak_kb = usage.ru_maxrss
        if gnu_time:
            text = report.read().strip().splitlines()
            peak_kb = int(text[-1]) if text and text[-1].isdigit() else peak_kb
    return elapsed, peak_kb / 1024, os.waitstatus_to_exitcode(status)


def median_runs(commands: dict[str, tuple[list[str], dict]], runs: int) -> dict[str, tuple[float, float]]:
    """Run the commands alternately ``runs`` times each: name -> (median seconds, max peak MB)."""
    times: dict[str, list[float]] = {k: [] for k in commands}
    peaks: dict[str, float] = {k: 0.0 for k in commands}
    for name, (cmd, env) in commands.items():  # one warm-up each
        _t, _m, code = run(cmd, env)
        if code != 0:
            raise SystemExit(f"{name}: {' '.join(cmd)} exited with {code}")
    for _ in range(runs):
        for name, (cmd, env) in commands.items():
            t, mb, _code = run(cmd, env)
            times[name].append(t)
            peaks[name] = max(peaks[name], mb)
    return {k: (statistics.median(v), peaks[k]) for k, v in times.items()}


def herenow_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERENOW_", "XDG_"))}
    env["HERENOW_HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / "xdg-config")
    env["XDG_DATA_HOME"] = str(home / "xdg-data")
    return env


# ---------------------------------------------------------------------------- jrnl
def ensure_jrnl() -> Path:
    jrnl = JRNL_VENV / "bin" / "jrnl"
    if not jrnl.exists():
        print(f"installing jrnl into {JRNL_VENV} (once)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(JRNL_VENV)], check=True)
        subprocess.run([str(JRNL_VENV / "bin" / "pip"), "install", "-q", "jrnl"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return jrnl


def write_jrnl_journal(home: Path, work: Path) -> dict:
    """The same reflections as a jrnl plain-text journal, and a throwaway jrnl config. Returns jrnl's env."""
    from herenow.store.reflections import ReflectionStore

    store = ReflectionStore(home / "reflections")
    reflections, _ = store.scan()
    reflections.sort(key=lambda r: r.date)
    journal = work / "journal.txt"
    with journal.open("w", encoding="utf-8") as out:
        for r in reflections:
            answers = [a.text for a in r.answers if a.text.strip()]
            title = (answers[0].split(".")[0] if answers else "Session") + "."
            body = "\n\n".join(answers + ([r.note] if r.note else []))
            tags = " ".join(f"@{t}" for t in r.tags)
            out.write(f"[{r.date:%Y-%m-%d %H:%M}] {title}\n{body}\n{tags}\n\n")
    config_home = work / "xdg-config"
    (config_home / "jrnl").mkdir(parents=True, exist_ok=True)
    version = subprocess.run([str(JRNL_VENV / "bin" / "jrnl"), "--version"], capture_output=True, text=True,
                             env={"XDG_CONFIG_HOME": str(config_home), "PATH": os.environ.get("PATH", "")},
                             stdin=subprocess.DEVNULL).stdout.split()[1:2] or ["v4.6"]
    (config_home / "jrnl" / "jrnl.yaml").write_text(
        "colors: {body: none, date: none, tags: none, title: none}\n"
        "default_hour: 9\ndefault_minute: 0\neditor: ''\nencrypt: false\nhighlight: false\n"
        "indent_character: '|'\n"
        f"journals:\n  default:\n    journal: {journal}\n"
        "linewrap: 79\ntagsymbols: '#@'\ntemplate: false\ntimeformat: '%Y-%m-%d %H:%M'\n"
        f"version: {version[0]}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["XDG_CONFIG_HOME"] = str(config_home)
    env["XDG_DATA_HOME"] = str(work / "xdg-data")
    env["HOME"] = str(work)
    return env


# ---------------------------------------------------------------------------- the report
def bench(n: int, runs: int, with_jrnl: bool, width: int, height: int) -> list[str]:
    sys.path.insert(0, str(HERE))
    from make_store import make_store

    work = Path(tempfile.mkdtemp(prefix=f"herenow-bench-{n}-"))
    home = work / "home"
    lines: list[str] = []
    try:
        t = time.perf_counter()
        make_store(n, home / "reflections")
        made = time.perf_counter() - t
        env = herenow_env(home)
        files = sum(1 for _ in (home / "reflections").rglob("*.toml"))
        size = sum(p.stat().st_size for p in (home / "reflections").rglob("*.toml")) / 1e6

        build_cmd = [sys.executable, "-c", "from herenow.store.reflections import ReflectionStore as S; "
                     "S().index().refresh()"]
        build_s, build_mb, _ = run(build_cmd, env)
        index_mb = (home / "index.sqlite3").stat().st_size / 1e6
        warm_s, _mb, _ = run(build_cmd, env)

        child = subprocess.run([sys.executable, __file__, "--child-screen", f"{width}x{height}"], env=env,
                               capture_output=True, text=True)
        if child.returncode != 0:
            raise SystemExit(child.stderr)
        screen = json.loads(child.stdout.strip().splitlines()[-1])

        export_cmd = [HERENOW, "reflections", "export", "-o", str(work / "export.md")]
        commands = {
            "herenow reflections list": ([HERENOW, "reflections", "list"], env),
            "herenow reflections list -n 10": ([HERENOW, "reflections", "list", "-n", "10"], env),
            f"herenow reflections list --search {WORD}": ([HERENOW, "reflections", "list", "--search", WORD], env),
            "herenow reflections export (all, md)": (export_cmd, env),
        }
        jrnl_env = None
        if with_jrnl and n >= 10_000:
            jrnl = str(ensure_jrnl())
            jrnl_env = write_jrnl_journal(home, work)
            commands["jrnl -n 10"] = ([jrnl, "-n", "10"], jrnl_env)
            commands[f"jrnl -contains {WORD}"] = ([jrnl, "-contains", WORD], jrnl_env)
        whole = median_runs(commands, runs)

        lines.append(f"## N = {n:,} ({files:,} files, {size:.1f} MB of TOML; generated in {made:.1f} s)")
        lines.append("")
        lines.append("| what | figure |")
        lines.append("|---|---|")
        lines.append(f"| first index build from the files (once; whole process) | {build_s:.2f} s, "
                     f"{build_mb:.0f} MB peak; index {index_mb:.1f} MB |")
        lines.append(f"| index check when nothing changed (whole process) | {warm_s:.2f} s |")
        lines.append(f"| review screen ready, table filled ({width}x{height}, headless) | "
                     f"{screen['ready_s'] * 1000:.0f} ms ({screen['rows_in_table']} rows shown of "
                     f"{screen['matches']:,}); with the background file check done: "
                     f"{screen['ready_with_file_check_s'] * 1000:.0f} ms |")
        lines.append(f"| filter keystroke (query + table refill + repaint) | median "
                     f"{screen['keystroke_median_ms']:.0f} ms, worst {screen['keystroke_max_ms']:.0f} ms; "
                     f"key to table, 150 ms pause included: {screen['keystroke_end_to_end_ms']:.0f} ms |")
        lines.append(f"| open one reflection | {screen['open_one_s'] * 1000:.0f} ms; next/previous "
                     f"{screen['next_one_median_s'] * 1000:.0f} ms |")
        lines.append(f"| trends of all | {screen['trends_s'] * 1000:.0f} ms |")
        lines.append(f"| export of all from the screen (md, {screen['export_bytes'] / 1e6:.1f} MB) | "
                     f"{screen['export_all_in_app_s']:.2f} s |")
        lines.append(f"| peak memory, app process (screen, filter, open, trends, export) | "
                     f"{screen['peak_mb']:.0f} MB |")
        for name, (secs, mb) in whole.items():
            lines.append(f"| `{name}` (whole process, median of {runs}) | {secs:.3f} s, {mb:.0f} MB |")
        if jrnl_env is not None:
            ratio_list = whole["herenow reflections list -n 10"][0] / whole["jrnl -n 10"][0]
            ratio_search = whole[f"herenow reflections list --search {WORD}"][0] / whole[f"jrnl -contains {WORD}"][0]
            lines.append(f"| ratio `list -n 10` / `jrnl -n 10` | {ratio_list:.2f} |")
            lines.append(f"| ratio `list --search {WORD}` / `jrnl -contains {WORD}` (target at most 0.5) | "
                         f"{ratio_search:.2f} |")
        lines.append("")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="store size (repeat); default 1000 and 10000")
    parser.add_argument("--runs", type=int, default=5, help="runs per whole-process figure (median)")
    parser.add_argument("--no-jrnl", action="store_true", help="leave jrnl out")
    parser.add_argument("--size", default="120x40", help="terminal size for the headless screen")
    parser.add_argument("--child-screen", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_screen:
        width, height = (int(v) for v in args.child_screen.split("x"))
        child_screen(width, height)
        return 0
    width, height = (int(v) for v in args.size.split("x"))
    import platform

    import textual

    print(f"# herenow review benchmark, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"Python {platform.python_version()}, Textual {textual.__version__}, SQLite "
          f"{__import__('sqlite3').sqlite_version}, {os.cpu_count()} cores; search word: {WORD!r}\n")
    for n in args.n or [1000, 10_000]:
        for line in bench(n, args.runs, not args.no_jrnl, width, height):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
