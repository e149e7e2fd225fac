"""Issue 10 wired end to end (in-process): sealed writes without a passphrase, reading after unlock, the CLI
(`protect`, `--passphrase-file`, `export --to`, `prune`), interop with the `age` tool, and one-line errors.

Wrapping or unwrapping the identity costs 1-3 s (age's scrypt), so keys are made ONCE per run (conftest.made_keys)
and copied into each test's HERENOW_HOME; passphrases are given by file.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from herenow.store import protection as protection_module
from herenow.store.drafts import DraftStore
from herenow.store.files import list_toml
from herenow.store.records import Moment, SessionRecord, SessionStore
from herenow.store.reflections import Answer, Reflection, ReflectionStore
from herenow.store.sealing import Identity, Keys

from conftest import PASSPHRASE, MadeKeys, age_decrypt_on_a_terminal, install_keys, run_cli

CANARY = "wistful-pelican-7731"
AGE = shutil.which("age")
needs_age = pytest.mark.skipif(AGE is None, reason="Debian's `age` tool is not installed (apt-get install age)")
UTC = dt.timezone.utc


@pytest.fixture(autouse=True)
def fresh_process() -> None:
    """Each test starts as a new herenow process would: nothing unlocked."""
    protection_module._current.clear()


@pytest.fixture
def protected(made_keys: MadeKeys, herenow_home: Path, tmp_path: Path) -> Path:
    """HERENOW_HOME with the run's keys in place; returns the passphrase file."""
    install_keys(made_keys, herenow_home)
    phrase = tmp_path / "passphrase"
    phrase.write_text(PASSPHRASE + "\n")
    return phrase


@pytest.fixture
def ident(made_keys: MadeKeys) -> Identity:
    return Identity.from_secret(made_keys.recovery)


def run(capsys, *args: str) -> tuple[int, str, str]:
    protection_module._current.clear()  # every command is a run of its own
    return run_cli(capsys, *args)


def reflection(rid: str, day: int, text: str, *, year: int = 2026) -> Reflection:
    record = SessionRecord(id=rid, started=dt.datetime(year, 11, day, 14, 0, tzinfo=UTC), planned_minutes=50,
                           elapsed_seconds=45 * 60, decks=["frame"], moments=[Moment(at=1390)])
    return Reflection(id=rid, created=record.started, session=record,
                      answers=[Answer(prompt="What happened?", text=text)], tags=["quiet"])


def hits(folder: Path, needle: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def content_files(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*.toml*") if p.name != "config.toml")


# ---------------------------------------------------------------- writing needs no passphrase
def test_every_content_file_is_sealed_when_written_and_reads_only_after_unlock(protected, herenow_home, ident):
    saved = ReflectionStore().save(reflection("2026-11-17-1400-aaaa", 17, f"She said {CANARY}"))
    draft = DraftStore().save(reflection("2026-11-18-1400-bbbb", 18, f"draft {CANARY}"))
    SessionStore().save(reflection("2026-11-19-1400-cccc", 19, "").session)
    assert protection_module.current().identity is None  # none of that needed the passphrase
    assert content_files(herenow_home) == [
        "drafts/2026-11-18-1400-bbbb.toml.age", "reflections/2026/11/2026-11-17-1400-aaaa.toml.age",
        "sessions/2026-11-19-1400-cccc.toml.age"]
    assert saved.path.name.endswith(".toml.age") and draft.name.endswith(".toml.age")
    assert hits(herenow_home, CANARY) == [] and hits(herenow_home, "What happened") == []
    assert all(os.stat(p).st_mode & 0o777 == 0o600 for p in herenow_home.rglob("*.age"))

    # Locked: a calm problem naming the file, never the content, never a prompt.
    got, problems = ReflectionStore().get("2026-11-17-1400-aaaa")
    assert got is None and [str(p) for p in problems] == [
        f"{saved.path}: is sealed; it opens once you enter your passphrase"]
    assert DraftStore().pending() == ([], [])  # left out while locked, listed by name instead
    assert DraftStore().locked_ids() == ["2026-11-18-1400-bbbb.toml.age"]
    assert SessionStore().locked_ids() == ["2026-11-19-1400-cccc.toml.age"]

    protection_module.current().identity = ident
    got, problems = ReflectionStore().get("2026-11-17-1400-aaaa")
    assert problems == [] and got.answers[0].text == f"She said {CANARY}"
    assert [d.id for d in DraftStore().pending()[0]] == ["2026-11-18-1400-bbbb"]
    assert [r.id for r in SessionStore().pending()[0]] == ["2026-11-19-1400-cccc"]


def test_first_save_and_conflict_copies_work_on_sealed_names(protected, herenow_home, ident):
    store = ReflectionStore()
    first = store.save(reflection("2026-11-17-1400-aaaa", 17, "mine"))
    other = store.save(reflection("2026-11-17-1400-aaaa", 17, "from another window"))
    assert not first.conflict and other.conflict
    assert other.path.name == "2026-11-17-1400-aaaa.conflict-1.toml.age"
    protection_module.current().identity = ident
    reflection_, version, _ = store.load("2026-11-17-1400-aaaa")
    assert reflection_.answers[0].text == "mine"
    reflection_.answers[0].text = "mine, edited"
    edited = store.save(reflection_, replacing=version)
    assert edited.replaced and edited.path == first.path
    assert store.get("2026-11-17-1400-aaaa")[0].answers[0].text == "mine, edited"
    assert sorted(p.name for p in store.files()) == ["2026-11-17-1400-aaaa.conflict-1.toml.age",
                                                     "2026-11-17-1400-aaaa.toml.age"]


def test_a_plain_file_from_before_protection_is_not_replaced_by_a_first_save(herenow_home, protected):
    """Exclusive first save looks at both names: a plain X.toml there means X.toml.age is not created."""
    keys = [herenow_home / n for n in ("identity.age", "recipient.txt")]
    moved = [k.rename(k.with_suffix(".off")) for k in keys]  # not protected for a moment
    ReflectionStore().save(reflection("2026-11-17-1400-aaaa", 17, "plain, from before"))
    for k, m in zip(keys, moved):
        m.rename(k)
    result = ReflectionStore().save(reflection("2026-11-17-1400-aaaa", 17, "sealed, later"))
    assert result.conflict and result.path.name.endswith(".conflict-1.toml.age")
    assert (herenow_home / "reflections/2026/11/2026-11-17-1400-aaaa.toml").read_text().count("plain, from before")


def test_plain_and_sealed_twins_mid_migration_are_listed_once(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "a.toml").write_text("x")
    (folder / "a.toml.age").write_bytes(b"age-encryption.org/v1\n")
    (folder / "b.toml").write_text("y")
    entries, _ = list_toml(folder)
    assert [p.name for p, _st in entries] == ["a.toml.age", "b.toml"]


def test_a_draft_this_process_wrote_goes_after_a_locked_save_but_not_someone_elses(protected, herenow_home):
    drafts = DraftStore()
    path = drafts.save(reflection("2026-11-18-1400-bbbb", 18, "typed"))
    assert drafts.discard("2026-11-18-1400-bbbb") and not path.exists()
    # A sealed draft this process did not write (an earlier run's) stays until it can be read.
    drafts.save(reflection("2026-11-18-1400-cccc", 18, "earlier run"))
    from herenow.store import drafts as drafts_module

    drafts_module._written.clear()
    assert not DraftStore().discard("2026-11-18-1400-cccc")
    assert DraftStore().file("2026-11-18-1400-cccc").exists()


# ---------------------------------------------------------------- the CLI
def test_protect_seals_a_plain_store_and_everything_stays_readable(capsys, herenow_home, tmp_path):
    for n in range(3):
        ReflectionStore().save(reflection(f"2026-11-1{n}-1400-000{n}", 10 + n, f"{CANARY} {n}"))
    DraftStore().save(reflection("2026-11-20-1400-dddd", 20, f"draft {CANARY}"))
    SessionStore().save(reflection("2026-11-21-1400-eeee", 21, "").session)
    phrase = tmp_path / "p"
    phrase.write_text(PASSPHRASE + "\n")
    code, out, err = run(capsys, "protect", "--status")
    assert code == 0 and "Protected: no" in out and "Files with content: 5" in out

    code, out, err = run(capsys, "protect", "--passphrase-file", str(phrase))
    assert code == 0, err
    secret = out.split("recovery key", 1)[1].split("AGE-SECRET-KEY-", 1)[1].split()[0]
    assert "shown this once" in out and "nothing herenow has sealed can be read" in out
    assert "Sealed 5 files that were plain." in out
    assert [p for p in content_files(herenow_home) if not p.endswith(".age")] == []
    assert hits(herenow_home, CANARY) == []
    assert Identity.from_secret("AGE-SECRET-KEY-" + secret).recipient == (
        herenow_home / "recipient.txt").read_text().strip()

    code, out, _ = run(capsys, "protect", "--status")
    assert "Protected: yes" in out and "Files still plain: 0" in out
    code, out, err = run(capsys, "reflections", "list", "--search", CANARY, "--passphrase-file", str(phrase))
    assert code == 0 and err == "" and "3 reflections." in out
    code, out, _ = run(capsys, "reflections", "show", "2026-11-11-1400-0001", "--passphrase-file", str(phrase))
    assert f"{CANARY} 1" in out


def test_reading_without_a_passphrase_or_with_a_wrong_one_is_one_line_and_touches_nothing(
        capsys, protected, herenow_home, tmp_path):
    ReflectionStore().save(reflection("2026-11-17-1400-aaaa", 17, CANARY))

    def files() -> dict:  # all of them, but the note of which folders were found private (paths.secure_tree)
        return {p: p.read_bytes() for p in herenow_home.rglob("*")
                if p.is_file() and p.name != "private-folders.json"}

    before = files()
    wrong = tmp_path / "wrong"
    wrong.write_text("not it\n")
    code, out, err = run(capsys, "reflections", "list", "--passphrase-file", str(wrong))
    assert (code, out, err) == (2, "", f"herenow: {herenow_home / 'identity.age'}: wrong passphrase\n")
    code, out, err = run(capsys, "reflections", "list")  # no terminal here, no file
    assert (code, out, err) == (2, "", "herenow: a passphrase is needed: use --passphrase-file\n")
    assert files() == before


@pytest.mark.parametrize("damage, problem", [
    (lambda f: f.unlink(), "missing: nothing can be opened without it"),
    (lambda f: f.write_bytes(f.read_bytes()[:60]), "truncated or damaged"),
    (lambda f: f.write_bytes(b"garbage"), "damaged (not an age file)"),
], ids=["missing", "truncated", "garbage"])
def test_a_missing_or_corrupted_identity_is_one_line_naming_it(capsys, protected, herenow_home, damage, problem):
    ReflectionStore().save(reflection("2026-11-17-1400-aaaa", 17, CANARY))
    damage(herenow_home / "identity.age")
    code, out, err = run(capsys, "reflections", "list", "--passphrase-file", str(protected))
    assert (code, out, err) == (2, "", f"herenow: {herenow_home / 'identity.age'}: {problem}\n")


def test_a_truncated_sealed_reflection_is_one_line_and_the_rest_are_listed(capsys, protected, herenow_home):
    good = ReflectionStore().save(reflection("2026-11-17-1400-aaaa", 17, "fine"))
    bad = ReflectionStore().save(reflection("2026-11-18-1400-bbbb", 18, "cut"))
    bad.path.write_bytes(bad.path.read_bytes()[:-30])
    code, out, err = run(capsys, "reflections", "list", "--passphrase-file", str(protected))
    assert code == 1 and "1 reflection." in out and good.path.stem.split(".")[0] in out
    assert err == f"{bad.path}: truncated or damaged\n"
    assert len(bad.path.read_bytes()) > 0  # left exactly as it was


def test_export_to_a_supervisor_key_is_sealed_and_a_bad_key_is_one_line(capsys, protected, herenow_home, tmp_path):
    import pyrage

    ReflectionStore().save(reflection("2026-11-17-1400-aaaa", 17, CANARY))
    supervisor = pyrage.x25519.Identity.generate()
    target = tmp_path / "for-supervision.md.age"
    code, out, err = run(capsys, "reflections", "export", "--to", "age1nope", "-o", str(target))
    assert (code, out, err) == (2, "", "herenow: --to: not a valid age recipient (age1...) "
                                       "(a supervisor's age public key)\n")
    code, _, err = run(capsys, "reflections", "export", "--to", str(supervisor.to_public()), "-o", str(target),
                       "--passphrase-file", str(protected))
    assert code == 0 and "sealed to age1" in err and CANARY.encode() not in target.read_bytes()
    text = pyrage.decrypt(target.read_bytes(), [supervisor]).decode()
    assert CANARY in text and "not encrypted" not in text.splitlines()[0]


def test_a_plain_export_from_a_protected_store_asks_first(capsys, protected, herenow_home, tmp_path):
    ReflectionStore().save(reflection("2026-11-17-1400-aaaa", 17, CANARY))
    target = tmp_path / "plain.md"
    code, _, err = run(capsys, "reflections", "export", "-o", str(target), "--passphrase-file", str(protected))
    assert code == 2 and "not writing" in err and "unencrypted" in err and not target.exists()
    code, _, err = run(capsys, "reflections", "export", "-o", str(target), "--plain",
                       "--passphrase-file", str(protected))
    assert code == 0 and "(not encrypted)" in err
    assert target.read_text().startswith("This file is not encrypted.") and CANARY in target.read_text()


def test_prune_lists_what_would_go_asks_and_needs_no_passphrase(capsys, protected, herenow_home, monkeypatch):
    old = ReflectionStore().save(reflection("2015-11-17-1400-aaaa", 17, "old", year=2015))
    new = ReflectionStore().save(reflection("2026-11-17-1400-bbbb", 17, "new"))
    code, out, err = run(capsys, "reflections", "prune", "--older-than", "7y")
    assert code == 2 and "not deleting without a yes" in err and old.path.exists()
    assert "2015-11-17  2015-11-17-1400-aaaa.toml.age" in out and "2026-11-17-1400-bbbb" not in out
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    monkeypatch.setattr("herenow.cli.reflections._interactive", lambda: True)
    code, _, err = run(capsys, "reflections", "prune", "--older-than", "7y")
    assert code == 0 and "Nothing deleted." in err and old.path.exists()
    code, _, err = run(capsys, "reflections", "prune", "--older-than", "7y", "--yes")
    assert code == 0 and "Deleted 1 reflection." in err and not old.path.exists() and new.path.exists()
    assert run(capsys, "reflections", "prune", "--older-than", "7 years")[2] == (
        "herenow: --older-than: '7 years' is not a period like 7y, 6m or 90d\n")


def test_change_passphrase(capsys, protected, herenow_home, tmp_path):
    both = tmp_path / "both"
    both.write_text(f"{PASSPHRASE}\nanother fine passphrase\n")
    code, out, _ = run(capsys, "protect", "--change-passphrase", "--passphrase-file", str(both))
    assert code == 0 and "Passphrase changed." in out
    Keys(herenow_home).unlock("another fine passphrase")


# ---------------------------------------------------------------- the standard age tool
@needs_age
def test_a_file_sealed_by_age_is_read_by_herenow(capsys, protected, herenow_home, tmp_path):
    plain = tmp_path / "by-age.toml"
    ReflectionStore(tmp_path / "elsewhere").save(reflection("2026-11-17-1400-aaaa", 17, CANARY))
    keys = [herenow_home / n for n in ("identity.age", "recipient.txt")]
    written = next((tmp_path / "elsewhere").rglob("*.age"))
    # The same reflection, plain, then sealed by the age tool straight into the store.
    protection_module.current().identity = Identity.from_secret(
        Keys(herenow_home).unlock(PASSPHRASE).secret())
    plain.write_bytes(__import__("herenow.store.files", fromlist=["read_content"]).read_content(written))
    target = herenow_home / "reflections/2026/11/2026-11-17-1400-aaaa.toml.age"
    target.parent.mkdir(parents=True)
    subprocess.run([AGE, "-R", str(keys[1]), "-o", str(target), str(plain)], check=True)
    code, out, _ = run(capsys, "reflections", "show", "2026-11-17-1400-aaaa", "--passphrase-file", str(protected))
    assert code == 0 and CANARY in out


@needs_age
def test_age_opens_a_reflection_herenow_wrote_with_identity_age_and_the_passphrase(protected, herenow_home,
                                                                                   tmp_path):
    saved = ReflectionStore().save(reflection("2026-11-17-1400-aaaa", 17, CANARY))
    out = tmp_path / "out.toml"
    age_decrypt_on_a_terminal(AGE, herenow_home / "identity.age", saved.path, out, PASSPHRASE)
    assert CANARY in out.read_text() and 'prompt = "What happened?"' in out.read_text()


# ---------------------------------------------------------------- the encrypted index (integration with scale)
def test_the_default_indexed_store_follows_this_process_protection(protected, herenow_home, ident):
    """IndexedStore() with no arguments asks protection.current(): no index while locked, a SQLCipher index in
    the cache folder once unlocked, which finds what was saved while locked and holds no word in the clear."""
    from herenow.store.indexed import IndexedStore, IndexLocked
    from herenow.store.paths import locations
    from herenow.store.reflections import Query

    ReflectionStore().save(reflection("2026-11-17-1400-aaaa", 17, f"She said {CANARY}"))
    store = IndexedStore()
    with pytest.raises(IndexLocked):
        store.rows()
    assert store.known_tags() == []

    protection_module.current().identity = ident  # the next unlock
    rows, problems = store.rows(Query(text=CANARY.split()[0]))
    assert problems == [] and [r.id for r in rows] == ["2026-11-17-1400-aaaa"]
    assert store.known_tags() == ["quiet"]
    cache = locations().cache_dir
    assert (cache / "index.key.age").exists()
    assert not store.index_path().read_bytes().startswith(b"SQLite format 3")
    assert hits(cache, CANARY.split()[0]) == [] and hits(cache, "What happened") == []
