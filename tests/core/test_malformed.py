"""Malformed input of every kind, to every reader and to the CLI: a one-line problem naming the file, the file
untouched, everything else still there; never a traceback, never a hang.

Kinds: nesting 600 deep, a named pipe called *.toml, a link that loops, a link to nothing, a folder called
*.toml, integers too large to store, nan and inf, a date and time without a time zone, invalid UTF-8, a 10 MB
file, binary. Places: a deck, a theme, config.toml, a reflection, a draft, a session record.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import cut_off_after, read_every_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herenow.cli import main
from herenow.store.drafts import DraftStore
from herenow.store.records import SessionRecord, SessionStore
from herenow.store.reflections import Answer, Reflection, parse_reflection, reflection_to_toml
from herenow.store.indexed import IndexedStore

UTC = dt.timezone.utc
GOOD_ID = "2026-11-17-1400-600dc0de"
MiB = 1024 * 1024


def good_reflection(rid: str = GOOD_ID) -> Reflection:
    when = dt.datetime(2026, 11, 17, 14, tzinfo=UTC)
    record = SessionRecord(id=rid, started=when, planned_minutes=50, elapsed_seconds=3000, decks=["frame"])
    return Reflection(id=rid, created=when, session=record, answers=[Answer(prompt="What happened?",
                                                                            text="A good, readable reflection.")])


def _write(text: str | bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(text.encode() if isinstance(text, str) else text)
    return make


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _loop(path: Path) -> None:
    os.symlink(path.name, path)  # points at itself


def _dangling(path: Path) -> None:
    os.symlink(path.parent / "nothing-here.toml.gone", path)


def _folder(path: Path) -> None:
    path.mkdir()


VALID_REFLECTION = reflection_to_toml(good_reflection("2026-11-17-1500-0000bad0"))


def _spoil(old: str, new: str) -> Callable[[Path], None]:
    assert old in VALID_REFLECTION
    return _write(VALID_REFLECTION.replace(old, new))

KINDS: dict[str, tuple[Callable[[Path], None], str]] = {
    "nested-arrays": (_write("x = " + "[" * 600 + "]" * 600 + "\n"), "nested too deeply"),
    "nested-tables": (_write("x = " + "{a = " * 600 + "1" + "}" * 600 + "\n"), "nested too deeply"),
    "fifo": (_fifo, "not a regular file"),
    "link-loop": (_loop, "loops"),
    "dangling-link": (_dangling, "does not exist"),
    "folder": (_folder, "is a folder"),
    "huge-int": (_write("schema_version = 9223372036854775808\n"), "too large"),
    "nan": (_write("schema_version = nan\n"), "nan"),
    "inf": (_write("schema_version = -inf\n"), "inf"),
    "naive-datetime": (_write("created = 2026-11-17 14:00:00\n"), "without a time zone"),
    "latin-1": (_write("note = 'caf\xe9'\n".encode("latin-1")), "not UTF-8"),
    "ten-mb": (_write(b"# " + b"x" * (10 * MiB) + b"\n"), "larger than"),
    "binary": (_write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"), "not a text file"),
    # The reflection fields that used to break list, export and the review screen on every run.
    "elapsed-huge": (_spoil("elapsed_seconds = 3000", "elapsed_seconds = 9223372036854775808"), "too large"),
    "elapsed-big": (_spoil("elapsed_seconds = 3000", "elapsed_seconds = 922337203685477580"), "a number from"),
    "planned-nan": (_spoil("planned_minutes = 50.0", "planned_minutes = nan"), "nan"),
    "started-naive": (_spoil("started = 2026-11-17 14:00:00+00:00", "started = 2026-11-17 14:00:00"), "time zone"),
}

REFLECTION_ONLY = {"elapsed-huge", "elapsed-big", "planned-nan", "started-naive"}


def place(home: Path, where: str, name: str) -> Path:
    folder = {"deck": home / "decks", "theme": home / "themes", "reflection": home / "reflections" / "2026" / "11",
              "draft": home / "drafts", "record": home / "sessions", "config": home}[where]
    folder.mkdir(parents=True, exist_ok=True)
    return folder / ("config.toml" if where == "config" else f"{name}.toml")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with cut_off_after(20):
        code = main(list(argv))  # any exception here is a traceback the user would see: the test fails
    out, err = capsys.readouterr()
    return code, out, err


def fingerprint(path: Path):
    st = os.lstat(path)
    return st.st_mode, st.st_size, st.st_mtime_ns, (path.read_bytes() if path.is_file() and not path.is_symlink()
                                                     and st.st_size < MiB else None)


def seed_good_data(home: Path) -> None:
    IndexedStore().save(good_reflection())
    DraftStore().save(good_reflection("2026-11-17-1600-d4af7000"))
    SessionStore().save(good_reflection("2026-11-17-1700-5e5510b0").session)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_reader_and_command_carries_on(herenow_home: Path, capsys, kind: str) -> None:
    make, why = KINDS[kind]
    seed_good_data(herenow_home)
    bad = {where: place(herenow_home, where, f"bad-{kind}") for where in
           ("deck", "theme", "config", "reflection", "draft", "record")}
    for path in bad.values():
        make(path)
    before = {path: fingerprint(path) for path in bad.values()}

    def named(err: str, where: str) -> None:
        lines = [line for line in err.splitlines() if str(bad[where]) in line]
        assert lines, f"{where}: {bad[where]} not named in:\n{err}"
        if kind not in REFLECTION_ONLY or where in ("reflection", "draft"):  # elsewhere: simply not valid
            assert any(why in line for line in lines), (why, lines)

    code, out, err = run(capsys, "decks", "list")
    assert code == 1 and "here-and-now" in out and "Traceback" not in err
    named(err, "deck")
    code, out, err = run(capsys, "themes", "list")
    assert code == 1 and "herenow-dusk" in out
    named(err, "theme")
    code, out, err = run(capsys, "config", "show")
    assert code == 1 and "session_minutes = 50" in out
    if kind not in ("huge-int", "nan", "inf", "naive-datetime"):  # those drop one key; the rest stays in use
        named(err, "config")
    code, out, err = run(capsys, "reflections", "list")
    assert code == 1 and GOOD_ID in out
    named(err, "reflection")
    code, out, err = run(capsys, "reflections", "export", "--format", "json")
    assert code == 1 and "A good, readable reflection." in out
    named(err, "reflection")
    code, out, err = run(capsys, "reflections", "export", "--format", "csv")
    assert code == 1 and GOOD_ID in out
    code, out, err = run(capsys, "reflections", "show", GOOD_ID)
    assert code == 0 and "A good, readable reflection." in out
    with cut_off_after(20):
        drafts, draft_problems = DraftStore().pending()
        records, record_problems = SessionStore().pending()
        rows, row_problems = IndexedStore().rows()
        tags = IndexedStore().known_tags()
    assert [d.id for d in drafts] == ["2026-11-17-1600-d4af7000"]
    assert [r.id for r in records] == ["2026-11-17-1700-5e5510b0"]
    assert [r.id for r in rows] == [GOOD_ID] and tags == []
    named("\n".join(map(str, draft_problems)), "draft")
    named("\n".join(map(str, record_problems)), "record")
    assert all("\n" not in str(p) for p in draft_problems + record_problems + row_problems)
    for path, print_ in before.items():
        assert fingerprint(path) == print_, f"{path} was changed"


def test_commands_in_a_real_process_never_hang_or_trace(herenow_home: Path) -> None:
    seed_good_data(herenow_home)
    for kind in ("fifo", "nested-arrays", "link-loop", "elapsed-huge", "binary"):
        for where in ("deck", "reflection"):
            KINDS[kind][0](place(herenow_home, where, f"bad-{kind}"))
    env = {**os.environ, "HERENOW_HOME": str(herenow_home)}
    for argv, expect in ((["reflections", "list"], GOOD_ID), (["decks", "list"], "here-and-now")):
        done = subprocess.run([sys.executable, "-m", "herenow", *argv], env=env, capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 1 and expect in done.stdout, done
        assert "Traceback" not in done.stderr and done.stderr.count("bad-") == 5, done.stderr


def test_a_reflections_path_that_is_not_a_folder_is_an_error_not_an_empty_store(herenow_home: Path,
                                                                                  capsys) -> None:
    herenow_home.mkdir(parents=True)
    (herenow_home / "reflections").write_text("oops")
    code, out, err = run(capsys, "reflections", "list")
    assert code == 1 and "No reflections yet" not in out
    assert f"{herenow_home / 'reflections'}: is not a folder" in err
    found, problems = read_every_file(IndexedStore())
    assert found == [] and "is not a folder" in str(problems[0])


def test_escape_codes_in_user_text_never_reach_the_terminal(herenow_home: Path, capsys) -> None:
    (herenow_home / "decks").mkdir(parents=True)
    (herenow_home / "decks" / "sly.toml").write_text(
        'name = "sly"\ntitle = "Sly \\u001b]0;pwned\\u0007\\u001b[2J title"\n'
        '[[cues]]\ntext = "Cue \\u001b[31mred\\u009b"\n', "utf-8")
    evil = good_reflection()
    evil.answers[0].text = "line one\nline two \x1b]0;title\x07 \u202egnp.exe"
    IndexedStore().save(evil)
    outputs = []
    for argv in (["decks", "list"], ["decks", "show", "sly"], ["reflections", "list"],
                 ["reflections", "show", GOOD_ID]):
        code, out, err = run(capsys, *argv)
        outputs.append(out + err)
    code, out, err = run(capsys, "reflections", "export", "--format", "md")
    assert "line two \x1b]0;title\x07" in out  # piped, not a terminal: the export is the data, as written
    text = "\n".join(outputs)
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\u202e" not in text
    assert "\\x1b]0;pwned\\x07" in outputs[0] and "\\x1b[31mred\\x9b" in outputs[1]
    assert "line one\nline two \\x1b]0;title\\x07 \\u202egnp.exe" in outputs[3]  # lines kept, codes shown


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(str.encode),
    st.tuples(st.integers(0, len(VALID_REFLECTION)), st.integers(0, 60), st.text(max_size=30)).map(
        lambda t: (VALID_REFLECTION[: t[0]] + t[2] + VALID_REFLECTION[t[0] + t[1]:]).encode("utf-8", "replace")),
))
def test_any_bytes_in_a_reflection_file_are_a_reflection_or_a_named_problem(herenow_home: Path, data) -> None:
    folder = herenow_home / "fuzz" / "reflections" / "2026" / "11"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fuzzed.toml"
    path.write_bytes(data)
    reflection, problems = parse_reflection(path)
    assert (reflection is None) == bool(problems)
    assert all(p.file == str(path) and "\n" not in p.message for p in problems)
    store = IndexedStore(herenow_home / "fuzz" / "reflections")
    rows, index_problems = store.rows()
    assert len(rows) == (reflection is not None)
    assert [p.file for p in index_problems] == [str(path)] * len(index_problems)
    if reflection is not None:
        from herenow.store.export import export

        for fmt in ("md", "json", "csv"):
            export([reflection], fmt)
    store.index().close()
