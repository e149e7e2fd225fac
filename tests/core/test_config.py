from pathlib import Path

from herenow.config import Config, load_config, save_setting


def test_missing_file_means_defaults() -> None:
    config, problems = load_config()
    assert problems == []
    assert config.session_minutes == 50 and config.presets == [45, 50, 60]
    assert config.warnings == [15, 10, 5] and config.cue_interval_minutes == 4
    assert config.show_seconds and not config.bell and not config.client_code
    assert config.theme == "herenow-dusk"


def test_every_key_is_optional_and_bad_values_name_the_key(herenow_home: Path) -> None:
    herenow_home.mkdir()
    (herenow_home / "config.toml").write_text(
        'session_minutes = "fifty"\nshow_seconds = false\nwarnings = [10, -5]\n[keys]\nblank = 3\npause = "x"\n'
    )
    config, problems = load_config()
    lines = [str(p).replace(str(herenow_home) + "/", "") for p in problems]
    assert lines == [
        "config.toml:1: session_minutes: Input should be a valid integer, unable to parse string as an integer",
        "config.toml:3: warnings: -5 is not a number of minutes from 1 to 600",
        "config.toml:5: keys.blank: Input should be a valid string",
    ]
    # The good values are kept, the bad ones fall back to defaults.
    assert config.show_seconds is False
    assert config.session_minutes == 50 and config.warnings == [15, 10, 5]
    assert config.keys.pause == "x" and config.keys.blank == "b"


def test_unknown_key_and_broken_file(herenow_home: Path) -> None:
    herenow_home.mkdir()
    path = herenow_home / "config.toml"
    path.write_text("sesion_minutes = 45\n")
    config, problems = load_config()
    assert [str(p) for p in problems] == [f"{path}:1: sesion_minutes: is not a known field"]
    path.write_text("session_minutes = \n")
    config, problems = load_config()
    assert config == Config() and "TOML syntax error" in str(problems[0])


def test_save_setting_keeps_other_values_and_refuses_to_clobber_a_broken_file(herenow_home: Path) -> None:
    assert save_setting("theme", "herenow-ember") is None
    path = herenow_home / "config.toml"
    path.write_text(path.read_text() + "session_minutes = 45\n")
    assert save_setting("theme", "herenow-paper") is None
    config, problems = load_config()
    assert problems == [] and config.theme == "herenow-paper" and config.session_minutes == 45
    path.write_text("broken =")
    problem = save_setting("theme", "herenow-dusk")
    assert problem is not None and "TOML syntax error" in str(problem)
    assert path.read_text() == "broken ="


def test_a_key_used_twice_is_reported_and_the_changed_action_keeps_its_default(herenow_home: Path) -> None:
    herenow_home.mkdir()
    path = herenow_home / "config.toml"
    path.write_text('[keys]\nend = "q"\nblank = "b,space"\npause = "z"\n')
    config, problems = load_config()
    assert [str(p) for p in problems] == [
        f"{path}:3: keys.blank: 'space' is already the key for next_cue; blank keeps its default ('b')",
        f"{path}:2: keys.end: 'q' is already the key for quit; end keeps its default ('e')",
    ]
    keys = config.keys
    assert (keys.quit, keys.end, keys.blank, keys.next_cue, keys.pause) == ("q", "e", "b", "space", "z")


COMMENTED = """\
# My settings. Written by hand; herenow must keep this comment.
session_minutes = 45   # my usual length

theme = "herenow-dusk"  # calm at night
# bell stays off: the room is quiet
bell = false

[keys]
# b for blank is muscle memory
blank = "b"
"""


def test_a_commented_config_survives_a_theme_change_with_only_that_line_different(herenow_home: Path) -> None:
    from tests.conftest import mode

    herenow_home.mkdir()
    path = herenow_home / "config.toml"
    path.write_text(COMMENTED)
    assert save_setting("theme", "herenow-ember") is None
    before, after = COMMENTED.splitlines(), path.read_text().splitlines()
    assert len(before) == len(after)
    assert [(a, b) for a, b in zip(before, after) if a != b] == [
        ('theme = "herenow-dusk"  # calm at night', 'theme = "herenow-ember"  # calm at night')]
    assert mode(path) == 0o600
    # A key inside [keys] goes into that table, and a new top-level key stays above it.
    assert save_setting("keys.pause", "z") is None and save_setting("client_code", True) is None
    config, problems = load_config()
    assert problems == [] and config.keys.pause == "z" and config.client_code and config.theme == "herenow-ember"
    assert "# b for blank is muscle memory" in path.read_text()


def test_a_setting_inside_a_key_that_is_not_a_table_is_refused_and_the_file_kept(herenow_home: Path) -> None:
    herenow_home.mkdir()
    path = herenow_home / "config.toml"
    path.write_text('keys = "x"  # oops\n')
    problem = save_setting("keys.blank", "z")
    assert problem is not None and str(problem).endswith("keys: keys is not a table, so keys.blank cannot be set in it")
    assert path.read_text() == 'keys = "x"  # oops\n'
