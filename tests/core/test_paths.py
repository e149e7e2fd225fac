import os
import subprocess
import sys
from pathlib import Path

from herenow.store import paths
from herenow.store.files import atomic_write

from conftest import mode


def test_herenow_home_puts_everything_under_one_folder(herenow_home: Path) -> None:
    where = paths.locations()
    assert where.portable
    for _name, path in where.as_rows():
        assert herenow_home in path.parents
    assert where.config_file == herenow_home / "config.toml"
    assert where.decks_dir == herenow_home / "decks"
    assert where.themes_dir == herenow_home / "themes"
    assert where.reflections_dir == herenow_home / "reflections"


def test_platform_dirs_without_herenow_home(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HERENOW_HOME")
    where = paths.locations()
    assert not where.portable
    assert where.config_file == tmp_path / "xdg-config" / "herenow" / "config.toml"
    assert where.reflections_dir == tmp_path / "xdg-data" / "herenow" / "reflections"


def test_nothing_is_created_on_import_or_lookup(herenow_home: Path) -> None:
    subprocess.run([sys.executable, "-c", "import herenow.cli, herenow.store.paths; herenow.store.paths.locations()"],
                   check=True, env=os.environ.copy())
    assert not herenow_home.exists()


def test_written_files_are_private(herenow_home: Path) -> None:
    target = paths.locations().reflections_dir / "2026" / "11" / "x.toml"
    atomic_write(target, "a = 1\n")
    assert target.read_text() == "a = 1\n"
    assert mode(target) == 0o600
    for folder in (target.parent, target.parent.parent, target.parent.parent.parent, herenow_home):
        assert mode(folder) == 0o700, folder


def test_atomic_write_keeps_old_file_when_writing_fails(herenow_home: Path, monkeypatch) -> None:
    target = herenow_home / "config.toml"
    atomic_write(target, "old = true\n")

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    try:
        atomic_write(target, "new = true\n")
    except OSError as exc:
        assert exc.errno == 28
    else:  # pragma: no cover
        raise AssertionError("expected the write to fail")
    assert target.read_text() == "old = true\n"
    assert [p.name for p in herenow_home.iterdir()] == ["config.toml"]  # no temporary file left behind


def test_builtin_data_found() -> None:
    assert len(list(paths.builtin_decks_dir().glob("*.toml"))) >= 6
    assert len(list(paths.builtin_themes_dir().glob("*.toml"))) >= 4


def test_secure_tree_tightens_loose_modes_once_and_removes_old_temporary_files(herenow_home: Path) -> None:
    import time

    from herenow.store.reflections import ReflectionStore
    from test_reflections_store import WHEN, reflection

    path = ReflectionStore().save(reflection("r1", WHEN, text="private")).path
    os.chmod(herenow_home, 0o755)
    os.chmod(herenow_home / "reflections", 0o755)
    os.chmod(path, 0o644)
    old_tmp = path.parent / ".r2.toml.abc123.tmp"
    old_tmp.write_text("half of a reflection")
    os.utime(old_tmp, (time.time() - 7200, time.time() - 7200))
    new_tmp = path.parent / ".r3.toml.def456.tmp"
    new_tmp.write_text("being written right now")
    link = herenow_home / "outside"
    link.symlink_to("/etc/hostname")

    problems = paths.secure_tree()
    assert len(problems) == 1 and "3 file(s) or folder(s) could be read by other users" in str(problems[0])
    assert problems[0].file == str(herenow_home)
    assert mode(herenow_home) == 0o700 and mode(herenow_home / "reflections") == 0o700 and mode(path) == 0o600
    assert not old_tmp.exists() and new_tmp.exists()  # only what is over an hour old
    assert link.is_symlink() and oct(os.stat("/etc/hostname").st_mode & 0o777) != "0o600"  # links untouched
    assert paths.secure_tree() == []  # said once: the next start finds nothing to say


def test_secure_tree_says_when_reflections_is_not_a_folder(herenow_home: Path) -> None:
    herenow_home.mkdir()
    (herenow_home / "reflections").write_text("not a folder")
    problems = paths.secure_tree()
    assert [str(p) for p in problems] == [f"{herenow_home / 'reflections'}: is not a folder, so no reflection "
                                          "can be read or saved"]


def test_the_reader_refuses_what_is_not_a_regular_file_without_blocking(tmp_path: Path) -> None:
    import pytest

    from herenow.store.files import Unreadable, read_bytes_safely

    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "loop.toml").symlink_to("loop.toml")
    (tmp_path / "big.toml").write_bytes(b"x" * 2048)
    (tmp_path / "real.toml").write_text("a = 1")
    (tmp_path / "link.toml").symlink_to("real.toml")
    for name, why in (("pipe.toml", "not a regular file"), ("loop.toml", "loops"), ("missing.toml", "No such file"),
                      ("big.toml", "larger than the 1 KiB allowed"), (".", "is a folder")):
        with pytest.raises(Unreadable, match=why):
            read_bytes_safely(tmp_path / name, max_bytes=1024)
    assert read_bytes_safely(tmp_path / "link.toml") == b"a = 1"  # a link to a regular file is followed


def test_secure_tree_still_finds_a_loose_file_added_to_a_folder_it_found_in_order(herenow_home: Path) -> None:
    # Folders found in order are not listed again at the next start (100,000 files are not stat'ed each time),
    # but a file copied or synced into one changes the folder, so it is found and made private.
    import time

    from herenow.store.reflections import ReflectionStore
    from test_reflections_store import WHEN, reflection

    path = ReflectionStore().save(reflection("r1", WHEN, text="private")).path
    assert paths.secure_tree(now=time.time() + 60) == []  # everything settled and in order: remembered
    copied = path.parent / "copied-in.toml"
    copied.write_text("x = 1\n")
    os.chmod(copied, 0o644)
    problems = paths.secure_tree(now=time.time() + 120)
    assert len(problems) == 1 and "1 file(s) or folder(s) could be read" in str(problems[0])
    assert mode(copied) == 0o600
