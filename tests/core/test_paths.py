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
