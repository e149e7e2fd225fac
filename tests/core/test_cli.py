import json
import tomllib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from herenow import __version__

from conftest import run_cli as run


def test_version_and_help(capsys) -> None:
    assert run(capsys, "--version") == (0, f"herenow {__version__}\n", "")
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("session", "review", "decks", "themes", "config", "paths"):
        assert command in out


def test_decks_list_shows_name_title_count_and_origin(capsys) -> None:
    code, out, err = run(capsys, "decks", "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["NAME", "TITLE", "CUES", "FROM"]
    frame = next(line for line in lines if line.startswith("frame "))
    from herenow.decks.library import load_library

    count = len(load_library().get("frame").deck.cues)
    assert "The frame" in frame and "built-in" in frame and f" {count} " in frame
    assert len([line for line in lines[1:] if "built-in" in line]) == 10
    assert not any(line.startswith("hint:") for line in lines)  # no cue text repeated across the built-in decks


def test_decks_show(capsys) -> None:
    code, out, _ = run(capsys, "decks", "show", "here-and-now", "--details")
    assert code == 0
    assert "What is happening between us right now?" in out and "Reflection prompts:" in out
    # Prompts grouped by stage, in the order what, so what, now what; a linked so-what names its what.
    tail = out[out.index("Reflection prompts:"):]
    assert tail.index("  What?") < tail.index("  So what?") < tail.index("  Now what?")
    assert "(hn-p2, after hn-p1)" in tail
    code, out, _ = run(capsys, "decks", "show", "frame")
    assert "(fr-02)  first session only" in out
    code, _, err = run(capsys, "decks", "show", "nope")
    assert code == 2 and err == "herenow: no deck named 'nope' (see: herenow decks list)\n"


def test_decks_validate_good_and_bad(capsys, tmp_path: Path) -> None:
    from herenow.store.paths import builtin_decks_dir

    code, out, _ = run(capsys, "decks", "validate", *map(str, sorted(builtin_decks_dir().glob("*.toml"))))
    assert code == 0 and out.strip().endswith("10 deck(s) valid.") and "hint:" not in out
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\ntitle = "Bad"\n[[cues]]\ntext = "Fine"\nphase = "later"\n[[cues]]\ntag = 3\n')
    binary = tmp_path / "pic.toml"
    binary.write_bytes(b"\x00\x01\x02")
    code, out, err = run(capsys, "decks", "validate", str(bad), str(binary), str(tmp_path / "missing.toml"))
    assert code == 1
    assert out.splitlines() == [
        f"{tmp_path}/missing.toml: no such file",
        f"{bad}:5: cues[1].phase: should be opening, middle, closing or any",
        f"{bad}:6: cues[2].text: is missing",
        f"{bad}:7: cues[2].tag: is not a known field (check the spelling; known: id, text, detail, phase, weight, "
        "tags, first_session)",
        f"{binary}: is not a text file",
        f"hint: {bad}: prompts: no reflection prompts; the defaults will be used",
    ]
    assert "Traceback" not in out + err


def test_decks_new_from_existing_then_listed_as_user(capsys, herenow_home: Path) -> None:
    code, out, _ = run(capsys, "decks", "new", "my-power", "--from", "power")
    target = herenow_home / "decks" / "my-power.toml"
    assert code == 0 and f"Created {target}" in out and target.exists()
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    code, out, _ = run(capsys, "decks", "list")
    assert any(line.startswith("my-power") and "user" in line for line in out.splitlines())
    code, _, err = run(capsys, "decks", "new", "my-power", "--from", "power")
    assert code == 2 and "already exists" in err
    code, _, err = run(capsys, "decks", "new", "blank-one")
    blank = herenow_home / "decks" / "blank-one.toml"
    assert code == 0 and blank.exists()
    written = tomllib.loads(blank.read_text("utf-8"))
    assert written["schema_version"] == 2
    assert [p["stage"] for p in written["prompts"]] == ["what", "so-what", "now-what"]
    code, out, _ = run(capsys, "decks", "validate", str(blank))
    assert code == 0 and "hint:" not in out  # a new deck repeats no built-in cue


def test_decks_validate_hints_at_a_cue_text_already_in_a_builtin_deck(capsys, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('name = "mine"\ntitle = "Mine"\n[[cues]]\nid = "m-1"\ntext = "Fine?"\n'
                    '[[cues]]\nid = "m-2"\ntext = "what is happening between us, right now"\n')
    code, out, _ = run(capsys, "decks", "validate", str(mine))
    assert code == 0 and out.strip().endswith("1 deck(s) valid.")  # advice, not an error
    assert f"hint: {mine}:8: cues[2].text: the same text as here-and-now hn-03; a session shows it only once" in out


def test_decks_list_reports_a_broken_user_deck_and_exits_non_zero(capsys, herenow_home: Path) -> None:
    (herenow_home / "decks").mkdir(parents=True)
    (herenow_home / "decks" / "oops.toml").write_text("name = \n")
    code, out, err = run(capsys, "decks", "list")
    assert code == 1 and "frame" in out
    assert err.startswith(f"{herenow_home}/decks/oops.toml:1: TOML syntax error")


def test_decks_schema_is_json_schema(capsys) -> None:
    code, out, _ = run(capsys, "decks", "schema")
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "herenow cue deck" and "cues" in schema["properties"]
    prompt = schema["$defs"]["Prompt"]
    assert prompt["properties"]["stage"]["enum"] == ["what", "so-what", "now-what"]
    assert {"id", "stage", "text"} <= set(prompt["required"]) and "follows" in prompt["properties"]
    assert "first_session" in schema["$defs"]["Cue"]["properties"] and "sources" in schema["properties"]


def test_themes_list_marks_the_chosen_theme(capsys) -> None:
    code, out, _ = run(capsys, "themes", "list")
    assert code == 0
    chosen = [line for line in out.splitlines() if line.startswith("*")]
    assert len(chosen) == 1 and "herenow-dusk" in chosen[0]
    assert "herenow-contrast" in out and "21.0:1" in out


def test_config_show_and_path(capsys, herenow_home: Path) -> None:
    code, out, _ = run(capsys, "config", "path")
    assert (code, out) == (0, f"{herenow_home / 'config.toml'}\n")
    code, out, _ = run(capsys, "config", "show")
    assert code == 0 and "session_minutes = 50" in out and "[keys]" in out


def test_paths(capsys, herenow_home: Path) -> None:
    code, out, _ = run(capsys, "paths")
    assert code == 0 and f"reflections      {herenow_home}/reflections" in out and "Portable mode" in out


def test_bad_session_arguments_are_one_line_errors(capsys) -> None:
    assert run(capsys, "session", "--deck", "nope")[:3:2] == (2, "herenow: no deck named 'nope' (see: herenow decks list)\n")
    assert run(capsys, "session", "--until", "25:99")[:3:2] == (2, "herenow: '25:99' is not a time like 14:50\n")
    assert run(capsys, "session", "--minutes", "0")[:3:2] == (2, "herenow: --minutes takes a length from 1 to 600\n")
    assert run(capsys, "--theme", "neon")[:3:2] == (2, "herenow: no theme named 'neon' (see: herenow themes list)\n")


def test_python_dash_m_works() -> None:
    result = subprocess.run([sys.executable, "-m", "herenow", "--version"], capture_output=True, text=True,
                            env=os.environ.copy())
    assert result.returncode == 0 and result.stdout == f"herenow {__version__}\n"


def test_core_and_cli_never_import_textual() -> None:
    # Every module outside herenow.ui, found by walking the package: a new core module is covered without a list.
    code = ("import importlib, pkgutil, sys, herenow\n"
            "for m in pkgutil.walk_packages(herenow.__path__, 'herenow.'):\n"
            "    if not m.name.startswith('herenow.ui') and m.name != 'herenow.__main__': importlib.import_module(m.name)\n"
            "from herenow.cli import main\nmain(['decks', 'list'])\nmain(['config', 'show'])\n"
            "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if m.startswith('textual'))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert result.returncode == 0, result.stderr


def test_tables_line_up_with_wide_characters() -> None:
    from herenow.cli.output import cells as _cells, table as _table

    lines = _table([("✨ 寝る", "x"), ("abc", "y")], ("A", "B")).splitlines()
    columns = [_cells(line[: line.rindex(last)]) for line, last in zip(lines, "Bxy")]
    assert columns == [9, 9, 9]  # the second column starts at the same place on screen in every row


def test_a_deck_name_with_problems_says_so_and_file_problems_do_not_crowd_argument_errors(capsys, herenow_home: Path) -> None:
    decks = herenow_home / "decks"
    decks.mkdir(parents=True)
    (decks / "broken.toml").write_text('name = "broken"\ntitle = "B"\n[[cues]]\ntext = "Fine"\nphase = "later"\n')
    code, _, err = run(capsys, "session", "--deck", "broken")
    assert code == 2
    assert err == (f"herenow: the deck 'broken' has problems and is left out: {decks}/broken.toml:5: cues[1].phase: "
                   "should be opening, middle, closing or any\n")
    code, _, err = run(capsys, "session", "--minutes", "0")
    assert (code, err) == (2, "herenow: --minutes takes a length from 1 to 600\n")


def test_decks_new_with_a_bad_name_is_one_line(capsys) -> None:
    for name in ("Bad_Name", "my cbt", "../evil"):
        code, out, err = run(capsys, "decks", "new", name)
        assert code == 2 and out == ""
        assert err == f"herenow: {name!r} is not a valid deck name: use lowercase letters, digits and hyphens\n"


def test_config_set_changes_one_line_and_keeps_comments(capsys, herenow_home: Path) -> None:
    herenow_home.mkdir()
    path = herenow_home / "config.toml"
    path.write_text("# mine\nsession_minutes = 45  # usual\n")
    for key, value in (("presets", "60,45"), ("show_seconds", "no"), ("theme", "herenow-paper"),
                       ("cue_interval_minutes", "2.5"), ("keys.blank", "z"), ("decks", "frame,power")):
        assert run(capsys, "config", "set", key, value) == (0, "", ""), key
    assert path.read_text().startswith("# mine\nsession_minutes = 45  # usual\n")
    from herenow.config import load_config

    config, problems = load_config()
    assert problems == []
    assert (config.presets, config.show_seconds, config.theme) == ([45, 60], False, "herenow-paper")
    assert (config.cue_interval_minutes, config.keys.blank, config.decks) == (2.5, "z", ["frame", "power"])


@pytest.mark.parametrize(("key", "value", "message"), [
    ("session_minutes", "fifty", "session_minutes: 'fifty' is not a whole number"),
    ("session_minutes", "0", "session_minutes: 0 is not a number of minutes from 1 to 600"),
    ("warnings", "10,-5", "warnings: -5 is not a number of minutes from 1 to 600"),
    ("bell", "loud", "bell: 'loud' is not true or false"),
    ("theme", "flexoki", "theme: no theme named 'flexoki' (see: herenow themes list)"),
    ("decks", "frame,nope", "decks: no deck named 'nope' (see: herenow decks list)"),
    ("keys.end", "q", "keys.end: 'q' is already the key for quit"),
    ("sesion_minutes", "45", "config set: no setting named 'sesion_minutes' (see: herenow config set --help)"),
])
def test_config_set_refuses_a_bad_value_in_one_line_and_leaves_the_file(capsys, herenow_home: Path, key: str,
                                                                        value: str, message: str) -> None:
    herenow_home.mkdir()
    path = herenow_home / "config.toml"
    path.write_text("# mine\nsession_minutes = 45\n")
    assert run(capsys, "config", "set", key, value) == (2, "", f"herenow: {message}\n")
    assert path.read_text() == "# mine\nsession_minutes = 45\n"


def test_config_set_help_lists_every_setting_of_the_model(capsys) -> None:
    from herenow.config import ACTIONS, SETTINGS

    code, out, _ = run(capsys, "config", "set", "--help")
    listed = out.split("keys:\n")[1].split("\n\n")[0].split()
    assert code == 0
    assert sorted(listed) == sorted([*(set(SETTINGS) - {"keys"}), *(f"keys.{k}" for k in ACTIONS)])


def test_building_the_parser_imports_nothing_heavy() -> None:
    # The build hook (completions, man page) runs build_parser() where only the standard library is installed,
    # and every command, a session's start included, builds it first.
    code = ("import sys\nfrom herenow.cli import build_parser\nbuild_parser()\n"
            "heavy = [m for m in ('pydantic', 'sqlite3', 'textual', 'tomlkit', 'rich') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert result.returncode == 0, result.stderr


def test_herenow_session_reads_its_options_exactly_as_the_whole_command_line_does(capsys) -> None:
    """`herenow session ...` builds only its own part of the parser (a faster start): same help, same refusals."""
    from herenow.cli import build_parser

    whole = build_parser()
    for argv in (["session", "--help"], ["session", "--minutes", "fifty"], ["session", "--minutes", "5", "--until",
                                                                          "10:00"]):
        code, out, err = run(capsys, *argv)
        with pytest.raises(SystemExit) as exited:
            whole.parse_args(argv)
        expected = capsys.readouterr()
        assert (code, out, err) == (exited.value.code, expected.out, expected.err), argv
    assert vars(build_parser(only_session=True).parse_args(["session", "--deck", "frame", "--minutes", "30"])) == \
        vars(whole.parse_args(["session", "--deck", "frame", "--minutes", "30"]))
