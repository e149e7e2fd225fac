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


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from herenow.store.migrate import seal_tree
    from herenow.store.sealing import Identity
    identity = Identity.from_secret(Path(sys.argv[2]).read_text()) if sys.argv[3] == "1" else None
    print("ready", flush=True)
    report = seal_tree([Path(sys.argv[1])], identity.recipient if identity else sys.argv[4], identity)
    sys.exit(0 if report.done else 1)
    """
)


def test_migration_killed_at_random_points(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text(WHO.secret())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    rng = random.Random(20261110)

    def start(root: Path, with_identity: bool) -> subprocess.Popen:
        args = [sys.executable, "-c", CHILD, str(root), str(secret), "1" if with_identity else "0", WHO.recipient]
        child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert child.stdout.readline() == b"ready\n"
        return child

    # How long one whole run takes here, to spread the kills over it.
    root = tmp_path / "timing"
    make_store(root, 100, seed=999)
    child = start(root, True)
    began = time.monotonic()
    assert child.wait(60) == 0, child.stderr.read()
    span = time.monotonic() - began

    kills, rounds, seed = 0, 0, 0
    root, originals = None, {}
    while kills < 50:
        rounds += 1
        assert rounds < 400, "kills keep landing after the run ended"
        if root is None or count_plain([root]) == 0:
            seed += 1
            root = tmp_path / f"store{seed}"
            originals = make_store(root, 100, seed=seed)
        child = start(root, with_identity=rounds % 3 != 0)
        time.sleep(rng.uniform(0, span))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            kills += 1
        child.wait(60)
        assert_nothing_lost(originals, all_sealed=False)
    child = start(root, True)
    assert child.wait(60) == 0, child.stderr.read()
    assert_nothing_lost(originals, all_sealed=True)
    assert count_plain([root]) == 0
    leftovers = [p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".toml.age")]
    assert all(p.name.startswith(".") and p.name.endswith(".tmp") for p in leftovers)  # temp files of killed writes
    assert not [p for p in leftovers if b"CANARY" in p.read_bytes() or (p.stat().st_size and not sealing.is_sealed(p))]
    print(f"{kills} kills in {rounds} rounds over {seed} stores; one run of 100 files: {span:.2f} s")
