"""``herenow reflections``: list, show, export, delete. Never a traceback for a user's mistake."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from herenow.store.records import Moment, SessionRecord
from herenow.store.reflections import Answer, Reflection, ReflectionStore

from conftest import mode, run_cli as run

UTC = dt.timezone.utc


def add(rid: str, day: int, *, text: str = "", tags=(), decks=("frame",), ratings=None, client_code="") -> None:
    record = SessionRecord(id=rid, started=dt.datetime(2026, 11, day, 14, 0, tzinfo=UTC), planned_minutes=50,
                           elapsed_seconds=45 * 60, decks=list(decks), moments=[Moment(at=1390)])
    ReflectionStore().save(Reflection(id=rid, created=record.started, session=record,
                                      answers=[Answer(prompt="What happened?", text=text)], tags=list(tags),
                                      ratings=ratings or {}, client_code=client_code))


@pytest.fixture
def some(herenow_home: Path) -> None:
    add("2026-11-03-1400-aaaa", 3, text="A long first answer that goes on well past the width of the column",
        tags=["rupture"], decks=("rupture-repair", "frame"), ratings={"connection": 4, "direction": 3, "choice": 5})
    add("2026-11-10-1400-bbbb", 10, text="Quiet. Ça va ✨", tags=["quiet"], client_code="Robin")
    add("2026-11-17-1400-cccc", 17, text="", tags=[])


def test_list_is_a_readable_table(capsys, some) -> None:
    code, out, err = run(capsys, "reflections", "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["DATE", "LENGTH", "DECKS", "RATINGS", "TAGS", "FIRST", "WORDS", "ID"]
    assert lines[1].startswith("2026-11-17 14:00  45 min")  # newest first
    oldest = lines[3]
    assert "rupture-repair, frame" in oldest and "4 3 5" in oldest and "rupture" in oldest
    assert "A long first answer that goes …" in oldest and oldest.endswith("2026-11-03-1400-aaaa")
    assert "Quiet. Ça va ✨" in lines[2]
    assert "3 reflections." in out and "your own perception" in out


def test_list_filters(capsys, some) -> None:
    def ids(*args: str) -> list[str]:
        code, out, _ = run(capsys, "reflections", "list", *args)
        assert code == 0
        return [line.split()[-1] for line in out.splitlines()[1:] if line[:4].isdigit()]

    assert ids("--since", "2026-11-10") == ["2026-11-17-1400-cccc", "2026-11-10-1400-bbbb"]
    assert ids("--until", "2026-11-10") == ["2026-11-10-1400-bbbb", "2026-11-03-1400-aaaa"]
    assert ids("--tag", "QUIET") == ["2026-11-10-1400-bbbb"]
    assert ids("--deck", "rupture-repair") == ["2026-11-03-1400-aaaa"]
    assert ids("--search", "ça va") == ["2026-11-10-1400-bbbb"]
    code, out, _ = run(capsys, "reflections", "list", "--tag", "nothing-like-this")
    assert code == 0 and out == "No reflections match.\n"
    assert ids("-n", "2") == ["2026-11-17-1400-cccc", "2026-11-10-1400-bbbb"]  # the newest two
    assert ids("--limit", "1", "--until", "2026-11-10") == ["2026-11-10-1400-bbbb"]
    code, _, err = run(capsys, "reflections", "list", "-n", "0")
    assert code == 2 and "'0' is not a whole number of 1 or more" in err


def test_list_empty_store(capsys) -> None:
    assert run(capsys, "reflections", "list") == (0, "No reflections yet.\n", "")


@pytest.mark.parametrize("args, message", [
    (["--since", "17/11/2026"], "herenow: --since '17/11/2026' is not a date like 2026-11-17\n"),
    (["--until", "2026-02-30"], "herenow: --until '2026-02-30' is not a date like 2026-11-17\n"),
    (["--since", "2026-11-10", "--until", "2026-11-01"], "herenow: --since 2026-11-10 is after --until 2026-11-01\n"),
])
def test_bad_dates_are_one_clear_line(capsys, args, message) -> None:
    assert run(capsys, "reflections", "list", *args) == (2, "", message)
    assert run(capsys, "reflections", "export", *args)[2] == message


def test_bad_files_are_reported_and_the_rest_listed(capsys, some, herenow_home: Path) -> None:
    folder = herenow_home / "reflections" / "2026" / "11"
    (folder / "broken.toml").write_bytes(b"id = [")
    (folder / "binary.toml").write_bytes(b"\x00\xff")
    code, out, err = run(capsys, "reflections", "list")
    assert code == 1
    assert "3 reflections." in out
    err_lines = err.splitlines()
    assert len(err_lines) == 2 and all(str(folder) in line for line in err_lines)
    assert "Traceback" not in err
    assert (folder / "broken.toml").read_bytes() == b"id = ["


def test_show(capsys, some) -> None:
    code, out, err = run(capsys, "reflections", "show", "2026-11-10-1400-bbbb")
    assert code == 0 and err == ""
    assert out.startswith("# Tue 10 Nov 2026, 14:00 (45 min)")
    assert "Quiet. Ça va ✨" in out and "23:10 moment" in out and "Client code: Robin" in out
    assert out.rstrip().endswith("2026-11-10-1400-bbbb.toml")
    code, out, err = run(capsys, "reflections", "show", "nope")
    assert (code, out) == (2, "") and err == "herenow: no reflection with the id 'nope' (see: herenow reflections list)\n"


def test_export_to_stdout_and_to_a_private_file(capsys, some, tmp_path: Path) -> None:
    code, out, err = run(capsys, "reflections", "export", "--format", "md")
    assert code == 0 and err == ""
    assert out.splitlines()[0].startswith("This file is not encrypted.")
    assert out.count("\n## ") == 3 and "Robin" not in out
    target = tmp_path / "out" / "for-supervision.md"
    code, out, err = run(capsys, "reflections", "export", "--tag", "quiet", "--include-client-codes",
                         "-o", str(target))
    assert code == 0 and out == ""
    assert err == f"Exported 1 reflection to {target} (not encrypted).\n"
    assert mode(target) == 0o600
    text = target.read_text("utf-8")
    assert "Client code: Robin" in text and text.count("\n## ") == 1
    code, out, _ = run(capsys, "reflections", "export", "--format", "json")
    assert [r["id"] for r in json.loads(out)["reflections"]] == [
        "2026-11-03-1400-aaaa", "2026-11-10-1400-bbbb", "2026-11-17-1400-cccc"]
    code, out, _ = run(capsys, "reflections", "export", "--format", "csv", "--deck", "rupture-repair")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [r["id"] for r in rows] == ["2026-11-03-1400-aaaa"] and "client_code" not in rows[0]


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_export_of_an_empty_store(capsys, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"empty.{fmt}"
    code, out, err = run(capsys, "reflections", "export", "--format", fmt, "-o", str(target))
    assert code == 0 and err == f"Exported 0 reflections to {target} (not encrypted).\n"
    assert target.exists() and mode(target) == 0o600


def test_export_errors(capsys, some, tmp_path: Path) -> None:
    code, _, err = run(capsys, "reflections", "export", "-o", str(tmp_path))
    assert code == 2 and err == f"herenow: {tmp_path} is a folder; give a file name\n"
    code, _, err = run(capsys, "reflections", "export", "--format", "xml")
    assert code == 2 and "invalid choice: 'xml'" in err


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_delete_asks_first(capsys, some, monkeypatch) -> None:
    path = ReflectionStore().find("2026-11-10-1400-bbbb")
    monkeypatch.setattr(sys, "stdin", FakeTty("n\n"))
    code, _, err = run(capsys, "reflections", "delete", "2026-11-10-1400-bbbb")
    assert code == 0 and path.exists()
    assert "Delete the reflection on the session from Tue 10 Nov 2026, 14:00? This cannot be undone. [y/N]" in err
    assert err.endswith("Nothing deleted.\n")
    monkeypatch.setattr(sys, "stdin", FakeTty(""))  # end of input: no
    assert run(capsys, "reflections", "delete", "2026-11-10-1400-bbbb")[0] == 0 and path.exists()
    monkeypatch.setattr(sys, "stdin", FakeTty("y\n"))
    code, _, err = run(capsys, "reflections", "delete", "2026-11-10-1400-bbbb")
    assert code == 0 and not path.exists() and err.endswith(f"Deleted {path}.\n")


def test_export_asks_before_replacing_a_file(capsys, some, monkeypatch, tmp_path: Path) -> None:
    target = tmp_path / "for-supervision.md"
    target.write_text("mine, from before\n")
    question = f"{target} already exists. Replace it? [y/N]"
    monkeypatch.setattr(sys, "stdin", FakeTty("n\n"))
    code, out, err = run(capsys, "reflections", "export", "-o", str(target))
    assert code == 0 and out == "" and target.read_text() == "mine, from before\n"
    assert err == f"{question} Not exported; the file is left as it was.\n"
    monkeypatch.setattr(sys, "stdin", FakeTty(""))  # end of input: no
    assert run(capsys, "reflections", "export", "-o", str(target))[0] == 0
    assert target.read_text() == "mine, from before\n"
    monkeypatch.setattr(sys, "stdin", FakeTty("y\n"))
    code, _, err = run(capsys, "reflections", "export", "-o", str(target))
    assert code == 0 and err.startswith(question) and err.endswith(f"Exported 3 reflections to {target} "
                                                                   "(not encrypted).\n")
    assert "not encrypted" in target.read_text() and mode(target) == 0o600


def test_export_without_a_terminal_replaces_a_file_only_with_force(capsys, some, monkeypatch,
                                                                     tmp_path: Path) -> None:
    target = tmp_path / "for-supervision.md"
    target.write_text("mine, from before\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # piped: not a terminal
    code, out, err = run(capsys, "reflections", "export", "-o", str(target))
    assert (code, out) == (2, "") and target.read_text() == "mine, from before\n"
    assert err == (f"herenow: {target} already exists; not replacing it without a terminal to ask in "
                   "(add --force to replace it)\n")
    code, _, err = run(capsys, "reflections", "export", "-o", str(target), "--force")
    assert code == 0 and err == f"Exported 3 reflections to {target} (not encrypted).\n"
    assert "not encrypted" in target.read_text()


def test_delete_without_a_terminal_needs_yes(capsys, some, monkeypatch) -> None:
    path = ReflectionStore().find("2026-11-03-1400-aaaa")
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # piped: not a terminal
    code, _, err = run(capsys, "reflections", "delete", "2026-11-03-1400-aaaa")
    assert code == 2 and path.exists()
    assert err == "herenow: not deleting without a yes: run it in a terminal, or add --yes\n"
    code, _, err = run(capsys, "reflections", "delete", "2026-11-03-1400-aaaa", "--yes")
    assert code == 0 and not path.exists()
    code, _, err = run(capsys, "reflections", "delete", "2026-11-03-1400-aaaa", "--yes")
    assert code == 2 and "no reflection with the id" in err


def test_the_command_never_loads_textual(herenow_home: Path) -> None:
    code = ("import sys; from herenow.cli import main; main(['reflections', 'list']); "
            "assert 'textual' not in sys.modules, 'textual imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={"HERENOW_HOME": str(herenow_home), "PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "No reflections yet.\n"
