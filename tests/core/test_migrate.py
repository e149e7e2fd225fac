"""Sealing a plain store in place: every case of a half-done run, and a migration SIGKILLed at random points."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from herenow.store import migrate
from herenow.store import sealing
from herenow.store.migrate import count_plain, seal_tree
from herenow.store.sealing import Identity

# Keys made directly (no passphrase wrap): migration never needs the passphrase, so no scrypt here.
WHO = Identity.generate()


def make_store(root: Path, n: int, seed: int = 0) -> dict[Path, bytes]:
    rng = random.Random(seed)
    originals = {}
    for i in range(n):
        path = root / "reflections" / "2026" / f"{i % 12 + 1:02d}" / f"r{seed}-{i:04d}.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = f"[reflection]\nid = 'r{seed}-{i}'\ntext = '''{'CANARY ' * rng.randint(1, 400)}'''\n".encode()
        path.write_bytes(body)
        originals[path] = body
    return originals


def assert_nothing_lost(originals: dict[Path, bytes], *, all_sealed: bool) -> None:
    for plain, body in originals.items():
        sealed = plain.with_name(plain.name + ".age")
        copies = []
        if plain.exists():
            assert not all_sealed, f"{plain} still plain"
            copies.append(plain.read_bytes())
        if sealed.exists():
            copies.append(sealing.read_sealed(sealed, WHO))
        assert copies and all(c == body for c in copies), plain


def test_seal_tree_seals_checks_and_removes(tmp_path: Path) -> None:
    originals = make_store(tmp_path, 30)
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "d.toml").write_text("draft = 'CANARY'\n")
    (drafts / ".d.toml.123.tmp").write_text("in flight")  # someone else's temp file: not ours to touch
    folders = [tmp_path / "reflections", drafts, tmp_path / "absent"]
    assert count_plain(folders) == 31
    mtime = next(iter(originals)).stat().st_mtime_ns
    report = seal_tree(folders, WHO.recipient, WHO)
    assert report.done and len(report.sealed) == 31 and not report.conflicts
    assert count_plain(folders) == 0
    assert_nothing_lost(originals, all_sealed=True)
    first = next(iter(originals)).with_name(next(iter(originals)).name + ".age")
    assert first.stat().st_mtime_ns == mtime and stat.S_IMODE(first.stat().st_mode) == 0o600
    assert (drafts / ".d.toml.123.tmp").exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and b"CANARY" in p.read_bytes() and "tmp" not in p.name]
    again = seal_tree(folders, WHO.recipient, WHO)
    assert again.done and not (again.sealed or again.finished or again.conflicts)


@pytest.mark.parametrize("with_identity", [True, False], ids=["identity", "recipient-only"])
def test_both_exist_after_a_kill_between_write_and_remove(tmp_path: Path, with_identity: bool) -> None:
    originals = make_store(tmp_path, 3)
    for plain, body in originals.items():
        sealing.write_sealed(plain.with_name(plain.name + ".age"), body, WHO.recipient)
    report = seal_tree([tmp_path], WHO.recipient, WHO if with_identity else None)
    assert len(report.finished) == 3 and not report.sealed and not report.conflicts
    assert_nothing_lost(originals, all_sealed=True)


@pytest.mark.parametrize("with_identity", [True, False], ids=["identity", "recipient-only"])
def test_a_different_sealed_version_is_never_overwritten(tmp_path: Path, with_identity: bool) -> None:
    [(plain, body)] = make_store(tmp_path, 1).items()
    sealed = plain.with_name(plain.name + ".age")
    sealing.write_sealed(sealed, b"newer = 'edited after protect'\n", WHO.recipient)
    report = seal_tree([tmp_path], WHO.recipient, WHO if with_identity else None)
    [side] = report.conflicts
    assert side.name == plain.name + ".before-protect.age" and not plain.exists()
    assert sealing.read_sealed(sealed, WHO) == b"newer = 'edited after protect'\n"
    assert sealing.read_sealed(side, WHO) == body
    assert count_plain([tmp_path]) == 0 and not list(tmp_path.rglob("*.toml.before-protect-2.age"))


def test_a_damaged_sealed_copy_is_replaced_from_the_plain_one(tmp_path: Path) -> None:
    [(plain, body)] = make_store(tmp_path, 1).items()
    sealed = plain.with_name(plain.name + ".age")
    sealed.write_bytes(sealing.seal(body, WHO)[:-10])
    report = seal_tree([tmp_path], WHO.recipient, WHO)
    assert report.sealed == [plain] and sealing.read_sealed(sealed, WHO) == body


def test_a_file_that_cannot_be_sealed_is_reported_and_left(tmp_path: Path, monkeypatch) -> None:
    originals = make_store(tmp_path, 2)
    real = migrate.write_sealed
    broken = sorted(originals)[0]

    def flaky(path, data, recipient):
        if path.name.startswith(broken.name):
            raise OSError(28, "No space left on device")
        return real(path, data, recipient)

    monkeypatch.setattr(migrate, "write_sealed", flaky)
    report = seal_tree([tmp_path], WHO.recipient, WHO)
    assert report.failed == [(broken, "No space left on device")] and not report.done
    assert broken.read_bytes() == originals[broken]
    assert count_plain([tmp_path]) == 1


# Forks one migration run at a time from a warm process: a kill costs milliseconds, not a Python start-up.
ZYGOTE = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from herenow.store.migrate import seal_tree
    from herenow.store.sealing import Identity
    identity = Identity.from_secret(Path(sys.argv[1]).read_text())
    for line in sys.stdin:
        command, arg, *with_identity = line.split()
        if command == "run":
            pid = os.fork()
            if pid == 0:
                code = 3
                try:
                    who = identity if with_identity == ["1"] else None
                    code = 0 if seal_tree([Path(arg)], identity.recipient, who).done else 1
                finally:
                    os._exit(code)
            print("pid", pid, flush=True)
        else:
            print("reaped", os.waitpid(int(arg), 0)[1], flush=True)
    """
)
KILLS = 24
FILES = 40


def test_migration_killed_at_points_spread_over_it(tmp_path: Path) -> None:
    """Killed with SIGKILL once in each of 24 equal slices of a whole run (timed here first, so load stretches the
    slices with the work), shuffled, with and without the identity at hand; a run killed and run again resumes.

    Why 24 are enough: a run seals 40 files, each in four steps (read, write the sealed copy, check it, remove the
    plain one), so a slice spans under two files and the steps are hit at every stage of the run (its start, the
    middle, the last files); the runs that follow a kill start from its half-done state (a sealed copy beside its
    plain file, a temp file), which is exactly what a real second run meets. The 50 uniform kills of runs of 100
    files before this, each with a Python start-up, cost 13-50 s (the fsyncs) and showed nothing these do not."""
    secret = tmp_path / "secret"
    secret.write_text(WHO.secret())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    rng = random.Random(20261110)
    zygote = subprocess.Popen([sys.executable, "-c", ZYGOTE, str(secret)], env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)

    def start(root: Path, with_identity: bool) -> int:
        zygote.stdin.write(f"run {root} {int(with_identity)}\n")
        answer = zygote.stdout.readline().split()
        assert answer[:1] == ["pid"], (answer, zygote.stderr.read() if zygote.poll() is not None else "")
        return int(answer[1])

    def reap(pid: int) -> int:
        zygote.stdin.write(f"reap {pid}\n")
        return int(zygote.stdout.readline().split()[1])

    try:
        # How long one whole run takes here, to spread the kills over it.
        root = tmp_path / "timing"
        make_store(root, FILES, seed=999)
        pid = start(root, True)
        began = time.monotonic()
        assert reap(pid) == 0
        span = time.monotonic() - began

        delays = [(k + rng.random()) * span / KILLS for k in range(KILLS)]
        rng.shuffle(delays)
        kills, rounds, seed = 0, 0, 0
        root, originals = None, {}
        for delay in delays:
            while True:  # until this slice's kill lands: a resumed run can end before it
                rounds += 1
                assert rounds < 8 * KILLS, "kills keep landing after the run ended"
                fresh = root is None or count_plain([root]) == 0
                if fresh:
                    seed += 1
                    root = tmp_path / f"store{seed}"
                    originals = make_store(root, FILES, seed=seed)
                pid = start(root, with_identity=rounds % 3 != 0)
                time.sleep(delay)
                os.kill(pid, signal.SIGKILL)  # a zombie until reaped: killing one that finished does nothing
                status = reap(pid)
                assert_nothing_lost(originals, all_sealed=False)
                if os.WIFSIGNALED(status):
                    kills += 1
                    break
                assert os.WEXITSTATUS(status) == 0, "a run that was not killed did not finish its job"
                if fresh:  # a whole run ended before the kill: runs are quicker now than when timed (less load)
                    delay *= 0.8
        assert reap(start(root, True)) == 0
    finally:
        zygote.stdin.close()
        zygote.wait(10)
    assert_nothing_lost(originals, all_sealed=True)
    assert count_plain([root]) == 0
    leftovers = [p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".toml.age")]
    assert all(p.name.startswith(".") and p.name.endswith(".tmp") for p in leftovers)  # temp files of killed writes
    assert not [p for p in leftovers if b"CANARY" in p.read_bytes() or (p.stat().st_size and not sealing.is_sealed(p))]
    print(f"{kills} kills in {rounds} rounds over {seed} stores; one run of {FILES} files: {span:.2f} s")
