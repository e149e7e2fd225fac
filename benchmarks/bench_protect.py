"""Issue 10's costs, side by side in one run: one save and one draft write plain vs sealed, the KDF (unlock) apart,
reading a reflection plain vs sealed, and sealing (migrating) a plain store of N reflections.

    python benchmarks/bench_protect.py            # 10,000 reflections for the migration
    python benchmarks/bench_protect.py --n 1000   # quicker

Writes nothing outside a temporary folder. Figures go into benchmarks/RESULTS-protect.md by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

PASSPHRASE = "correct horse battery staple"


def _reflection(i: int, words: int = 300):
    from herenow.store.records import Moment, SessionRecord
    from herenow.store.reflections import Answer, Reflection

    started = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.timezone.utc) + dt.timedelta(hours=i)
    rid = f"{started:%Y-%m-%d-%H%M}-{i:08x}"
    record = SessionRecord(id=rid, started=started, planned_minutes=50, elapsed_seconds=3000, decks=["frame"],
                           moments=[Moment(at=60 * k) for k in range(5)])
    text = " ".join(["what happened between us stays with me"] * (words // 7))
    return Reflection(id=rid, created=started, session=record,
                      answers=[Answer(prompt=f"Prompt {k}", text=text) for k in range(3)], tags=["ending"])


def _median_ms(fn, repeat: int) -> float:
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000, help="reflections in the store to migrate")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HERENOW_HOME"] = str(Path(tmp) / "home")
        from herenow.store import protection
        from herenow.store.drafts import DraftStore
        from herenow.store.migrate import seal_tree
        from herenow.store.reflections import ReflectionStore
        from herenow.store.sealing import Keys

        rows: list[tuple[str, str]] = []
        items = [_reflection(i) for i in range(args.repeat * 2)]
        size = len(__import__("herenow.store.reflections", fromlist=["x"]).reflection_to_toml(items[0]))

        plain_save = _median_ms(lambda i: ReflectionStore().save(items[i]), args.repeat)
        plain_draft = _median_ms(lambda i: DraftStore().save(items[i]), args.repeat)
        plain_read = _median_ms(lambda i: ReflectionStore().get(items[i].id), args.repeat)

        home = Path(os.environ["HERENOW_HOME"])
        start = time.perf_counter()
        Keys(home).create(PASSPHRASE)
        create_s = time.perf_counter() - start
        protection._current.clear()
        start = time.perf_counter()
        protection.current().unlock(PASSPHRASE)
        unlock_s = time.perf_counter() - start
        identity = protection.current().identity
        protection.current().identity = None  # writes happen locked, as in a session

        sealed_save = _median_ms(lambda i: ReflectionStore().save(items[args.repeat + i]), args.repeat)
        sealed_draft = _median_ms(lambda i: DraftStore().save(items[args.repeat + i]), args.repeat)
        protection.current().identity = identity
        sealed_read = _median_ms(lambda i: ReflectionStore().get(items[args.repeat + i].id), args.repeat)

        rows += [
            ("reflection file", f"{size:,} bytes (3 answers of ~300 words)"),
            ("save a reflection (first save), plain", f"{plain_save:.2f} ms"),
            ("save a reflection (first save), sealed", f"{sealed_save:.2f} ms (+{sealed_save - plain_save:.2f} ms)"),
            ("write a draft, plain", f"{plain_draft:.2f} ms"),
            ("write a draft, sealed", f"{sealed_draft:.2f} ms (+{sealed_draft - plain_draft:.2f} ms)"),
            ("read and validate one reflection, plain", f"{plain_read:.2f} ms"),
            ("read and validate one reflection, sealed", f"{sealed_read:.2f} ms (+{sealed_read - plain_read:.2f} ms)"),
            ("create keys (scrypt wrap)", f"{create_s:.2f} s"),
            ("unlock (scrypt unwrap, the KDF)", f"{unlock_s:.2f} s"),
        ]

        from make_store import make_store

        store = Path(tmp) / "migrate" / "reflections"
        made = make_store(args.n, store)
        start = time.perf_counter()
        report = seal_tree([store], identity.recipient, identity)
        migrate_s = time.perf_counter() - start
        assert report.done and len(report.sealed) == args.n, report.failed[:3]
        start = time.perf_counter()
        report = seal_tree([store], identity.recipient, None)
        rows += [
            (f"migrate {args.n:,} plain reflections ({made['bytes'] / 1e6:.1f} MB), verified by decrypting",
             f"{migrate_s:.1f} s ({migrate_s / args.n * 1000:.2f} ms each)"),
            ("run protect again on the sealed store (nothing left)", f"{time.perf_counter() - start:.2f} s"),
        ]
    width = max(len(k) for k, _ in rows)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
