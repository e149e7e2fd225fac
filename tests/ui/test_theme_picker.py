"""The theme picker (ctrl+p "change theme"), ``--theme`` and ``herenow themes list`` offer one and the same set."""

from __future__ import annotations

from pathlib import Path

from textual.theme import BUILTIN_THEMES, ThemeProvider

from herenow.cli import main
from herenow.context import AppContext
from herenow.ui.app import HerenowApp


def listed(capsys) -> tuple[dict[str, str], str]:
    """``themes list``: name -> its row, and what it said on stderr."""
    main(["themes", "list"])
    out, err = capsys.readouterr()
    return {line.lstrip("* ").split()[0]: line for line in out.splitlines()[1:]}, err


async def picker(app: HerenowApp) -> list[str]:
    async with app.run_test():
        return [name for name, _callback in ThemeProvider(app.screen).commands]


def accepted_by_theme_option(monkeypatch, capsys, name: str) -> bool:
    monkeypatch.setattr(HerenowApp, "run", lambda self, **kwargs: None)
    code = main(["--theme", name])
    err = capsys.readouterr().err
    assert code == 0 or err == f"herenow: no theme named {name!r} (see: herenow themes list)\n"
    return code == 0


async def test_picker_theme_option_and_themes_list_offer_the_same_set(monkeypatch, capsys, herenow_home: Path) -> None:
    folder = herenow_home / "themes"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(
        'name = "mine"\n[colors]\nprimary = "#6699cc"\nforeground = "#eeeeee"\nbackground = "#111111"\n')
    (folder / "faint.toml").write_text(  # grey on grey: outside the contrast promise
        'name = "faint"\n[colors]\nprimary = "#6699cc"\nforeground = "#777777"\nbackground = "#555555"\n')
    offered = await picker(HerenowApp(AppContext.load()))
    table, err = listed(capsys)
    assert err.endswith("faint.toml: foreground has a contrast of 1.7:1 on the background, below 4.5:1; "
                        "the theme is not offered\n")
    assert sorted(offered) == sorted(table)
    assert {"herenow-dusk", "herenow-paper", "mine"} <= set(offered) and "faint" not in offered
    # Textual's own themes come only when they pass, and say so.
    assert "textual-dark" in offered and "textual (passes contrast)" in table["textual-dark"]
    assert {"ansi-dark", "textual-light", "flexoki"}.isdisjoint(offered)
    for name in sorted(BUILTIN_THEMES) + ["mine", "faint", "herenow-ember"]:
        assert accepted_by_theme_option(monkeypatch, capsys, name) == (name in offered), name
