"""The index at scale and with protection on: fresh without a stat per file, no second copy of the reflections,
encrypted when protected, and exports streamed with the same bytes as before."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from herenow.store import export as export_module
from herenow.store.index import keyed_connect
from herenow.store.index_key import key_path, load_or_create
from herenow.store.indexed import IndexedStore, IndexLocked
from herenow.store.paths import locations
from herenow.store.reflections import Query
from herenow.store.sealing import Identity

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from make_store import make_store  # noqa: E402

CANARY = "xylophonecanary"


def _age_folders(root: Path, seconds: float = 3600) -> None:
    """Make every folder look untouched for a while, as on a store used yesterday."""
    past = time.time() - seconds
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        os.utime(folder, (past, past))


def _generated(home: Path, n: int = 300) -> Path:
    root = locations().reflections_dir
    make_store(n, root, seed=3)
    return root


def _files_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*.toml"))


OTHER_PROCESS = r"""
import sys, os
from pathlib import Path
from herenow.store.reflections import ReflectionStore, parse_reflection
store = ReflectionStore()
what, name = sys.argv[1], sys.argv[2]
path = next(p for p in store.root.rglob("*.toml") if p.name == name)
if what == "edit":
    reflection, _ = parse_reflection(path)
    reflection.note = "Edited by the other window: zorblatferry"
    version = store.load(reflection.id)[1]
    print(store.save(reflection, replacing=version).path)
elif what == "add":
    reflection, _ = parse_reflection(path)
    reflection = reflection.model_copy(update={"id": reflection.id + "-copy", "note": "A new one: quillonhaus"})
    print(store.save(reflection).path)
else:
    os.unlink(path)
"""


def _other_process(what: str, name: str) -> None:
    subprocess.run([sys.executable, "-c", OTHER_PROCESS, what, name], check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})


def test_changes_by_another_process_appear_on_the_next_read_in_a_settled_store(herenow_home: Path) -> None:
    root = _generated(herenow_home, 60)
    store = IndexedStore()
    index = store.index()
    index.refresh()
    _age_folders(root)
    index.refresh(full=True)  # the folders are now settled: the next refreshes list none of them
    assert index.refresh().changed is False
    names = sorted(p.name for p in root.rglob("*.toml"))
    total = index.count()

    _other_process("edit", names[0])
    assert [r.id for r in store.query(Query(text="zorblatferry"))[0]] == [names[0].removesuffix(".toml")]
    _other_process("add", names[1])
    assert len(store.rows()[0]) == total + 1
    assert len(store.query(Query(text="quillonhaus"))[0]) == 1
    _other_process("delete", names[2])
    rows, problems = store.rows()
    assert len(rows) == total and problems == []
    assert names[2].removesuffix(".toml") not in {r.id for r in rows}


def test_a_file_rewritten_in_place_is_found_by_the_full_check(herenow_home: Path) -> None:
    root = _generated(herenow_home, 20)
    store = IndexedStore()
    index = store.index()
    index.refresh()
    _age_folders(root)
    index.refresh(full=True)
    path = sorted(root.rglob("*.toml"))[0]
    text = path.read_text()
    with open(path, "w") as handle:  # an editor that writes in place: the folder's time does not move
        handle.write(text.replace('note = "', 'note = "quokka ', 1))
    _age_folders(root)
    assert index.rows(Query(text="quokka")) == []  # the cheap check trusts the folder
    assert index.refresh(full=True).updated == 1
    assert len(index.rows(Query(text="quokka"))) == 1


def test_the_full_check_waits_between_folders_while_asked_and_still_finds_the_change(herenow_home: Path) -> None:
    """The review screen holds the check of every file while someone types (``between`` waits): it is called
    between folders, the check goes on once it returns, and a file rewritten in place is found all the same."""
    import threading

    root = _generated(herenow_home, 60)
    index = IndexedStore().index()
    index.refresh()
    _age_folders(root)
    path = sorted(root.rglob("*.toml"))[0]
    text = path.read_text()
    with open(path, "w") as handle:  # in place: the folder's time does not move
        handle.write(text.replace('note = "', 'note = "wombatquiet ', 1))
    _age_folders(root)
    quiet = threading.Event()
    waited: list[bool] = []

    def between() -> None:
        waited.append(quiet.is_set())
        quiet.wait(5)

    outcome: list = []
    check = threading.Thread(target=lambda: outcome.append(index.refresh(full=True, between=between)))
    check.start()
    time.sleep(0.3)
    assert not outcome and waited == [False]  # held at the first folder while "typing"
    quiet.set()
    check.join(10)
    folders = {p.parent for p in root.rglob("*.toml")} | {p.parent.parent for p in root.rglob("*.toml")} | {root}
    assert len(waited) == len(folders) and all(waited[1:])
    assert outcome[0].updated == 1 and len(index.rows(Query(text="wombatquiet"))) == 1


def test_the_index_is_at_most_1_2_times_the_files(herenow_home: Path) -> None:
    root = _generated(herenow_home, 300)
    store = IndexedStore()
    store.index().refresh()
    store.index().close()
    cache = locations().cache_dir
    index_bytes = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
    assert index_bytes <= 1.2 * _files_bytes(root), (index_bytes, _files_bytes(root))
    assert not (locations().data_dir / "index.sqlite3").exists()  # the data folder holds only reflections


def test_the_index_lives_in_the_cache_folder_and_an_old_one_in_the_data_folder_goes(herenow_home: Path) -> None:
    _generated(herenow_home, 5)
    old = locations().data_dir / "index.sqlite3"
    old.write_bytes(b"SQLite format 3\x00 an index from before")
    store = IndexedStore()
    assert len(store.rows()[0]) == 5
    assert store.index().db_path == locations().cache_dir / "index.sqlite3" == herenow_home / "cache" / "index.sqlite3"
    assert not old.exists()


def _protection(identity: Identity | None, recipient: str) -> SimpleNamespace:
    return SimpleNamespace(recipient=recipient, identity=identity)


def test_a_protected_index_is_encrypted_and_opens_only_with_its_key(herenow_home: Path) -> None:
    _generated(herenow_home, 30)
    root = locations().reflections_dir
    path = sorted(root.rglob("*.toml"))[0]
    text = path.read_text()
    assert 'note = "' in text
    path.write_text(text.replace('note = "', f'note = "{CANARY} at the door. ', 1))
    identity = Identity.generate()
    recipient = str(identity._identity.to_public())
    store = IndexedStore(protection=_protection(identity, recipient))
    assert [r.id for r in store.rows(Query(text=CANARY))[0]] == [path.name.removesuffix(".toml")]
    store.index().close()

    cache = locations().cache_dir
    for file in cache.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert CANARY.encode() not in data and b"at the door" not in data, file
            assert not data.startswith(b"SQLite format 3"), file  # not a plain database at all
    with pytest.raises(Exception):
        import sqlite3

        sqlite3.connect(cache / "index.sqlite3").execute("SELECT count(*) FROM reflections").fetchone()
    key = load_or_create(cache, recipient, identity)
    db = keyed_connect(key)(cache / "index.sqlite3")
    assert db.execute("SELECT count(*) FROM reflections").fetchone()[0] == 30
    import sqlcipher3.dbapi2 as sqlcipher

    wrong = keyed_connect(os.urandom(32))(cache / "index.sqlite3")
    with pytest.raises(sqlcipher.DatabaseError):
        wrong.execute("SELECT count(*) FROM reflections").fetchone()

    # Another run, unlocked again: the same key, the same index, found again without a rebuild.
    again = IndexedStore(protection=_protection(identity, recipient))
    assert again.index().refresh().rebuilt is False
    assert len(again.rows(Query(text=CANARY))[0]) == 1


def test_a_locked_store_has_no_index_and_a_damaged_key_only_means_a_rebuild(herenow_home: Path) -> None:
    _generated(herenow_home, 10)
    identity = Identity.generate()
    recipient = str(identity._identity.to_public())
    locked = IndexedStore(protection=_protection(None, recipient))
    with pytest.raises(IndexLocked):
        locked.rows()
    assert locked.known_tags() == []
    assert not (locations().cache_dir / "index.sqlite3").exists()

    store = IndexedStore(protection=_protection(identity, recipient))
    assert len(store.rows()[0]) == 10
    store.index().close()
    key_path(locations().cache_dir).write_bytes(b"not an age file")
    fresh = IndexedStore(protection=_protection(identity, recipient))
    rows, problems = fresh.rows()
    assert len(rows) == 10 and problems == []


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_a_streamed_export_writes_the_same_bytes_as_one_built_in_memory(herenow_home: Path, fmt: str) -> None:
    _generated(herenow_home, 40)
    store = IndexedStore()
    query = Query(text="mother")
    everything, _problems = store.query(query)
    assert everything
    expected = export_module.export(everything, fmt, include_client_codes=True)
    out = io.StringIO(newline="")
    count = export_module.export_from_index(store.index(), query, out, fmt, include_client_codes=True)
    assert count == len(everything)
    assert out.getvalue() == expected
    target = herenow_home / f"out.{fmt}"
    export_module.write_export_from_index(store.index(), query, target, fmt, include_client_codes=True)
    assert target.read_bytes() == expected.encode()
    assert target.stat().st_mode & 0o777 == 0o600


def test_an_empty_streamed_export_is_the_same_too(herenow_home: Path) -> None:
    store = IndexedStore()
    for fmt in ("md", "json", "csv"):
        out = io.StringIO(newline="")
        export_module.export_from_index(store.index(), Query(text="nothing"), out, fmt)
        assert out.getvalue() == export_module.export([], fmt)
