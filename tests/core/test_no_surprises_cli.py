"""No surprises on the command line: a listing command alone lists; a deck named like a built-in one asks first."""

import io

import pytest


from conftest import run_cli as run


@pytest.mark.parametrize("command", ["decks", "themes", "reflections"])
def test_a_listing_command_alone_lists(capsys, command) -> None:
    alone = run(capsys, command)
    listed = run(capsys, command, "list")
    assert alone == listed and alone[0] == 0 and alone[1] != ""


def test_a_deck_named_like_a_built_in_one_needs_force_without_a_terminal(capsys, herenow_home, monkeypatch) -> None:
    monkeypatch.setattr("herenow.cli.reflections._interactive", lambda: False)
    code, out, err = run(capsys, "decks", "new", "power")
    assert code == 2 and out == ""
    assert err.strip() == ("herenow: 'power' is the name of the built-in deck 'Power': yours would be used in its "
                           "place in every session and in the workshop. Choose another name, or add --force to "
                           "create it anyway")
    assert not (herenow_home / "decks" / "power.toml").exists()

    code, out, err = run(capsys, "decks", "new", "power", "--force")
    assert code == 0 and (herenow_home / "decks" / "power.toml").exists()
    assert "Note: 'power' is the name of the built-in deck 'Power'" in err


@pytest.mark.parametrize(("answer", "created"), [("y\n", True), ("\n", False)])
def test_in_a_terminal_it_asks(capsys, herenow_home, monkeypatch, answer, created) -> None:
    monkeypatch.setattr("herenow.cli.reflections._interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO(answer))
    code, out, err = run(capsys, "decks", "new", "frame")
    assert "built-in deck 'The frame'" in err and "Create it anyway? [y/N]" in err
    assert (herenow_home / "decks" / "frame.toml").exists() is created
    assert code == (0 if created else 2)


def test_a_new_name_is_not_asked_about(capsys, herenow_home, monkeypatch) -> None:
    monkeypatch.setattr("herenow.cli.reflections._interactive", lambda: False)
    code, out, err = run(capsys, "decks", "new", "my-frame")
    assert code == 0 and err == "" and (herenow_home / "decks" / "my-frame.toml").exists()
