from pathlib import Path

import pytest

from herenow.themes import contrast, load_themes

BUILTIN = load_themes().themes


def test_four_builtin_themes_load_without_problems() -> None:
    library = load_themes()
    assert library.problems == []
    assert {"herenow-dusk", "herenow-paper", "herenow-contrast", "herenow-ember"} <= set(library.themes)
    assert not library.themes["herenow-paper"].theme.dark


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_wcag_contrast_of_every_builtin_theme(name: str) -> None:
    theme = BUILTIN[name].theme
    background = theme.colors.background
    required = 7.0 if name == "herenow-contrast" else 4.5
    for key in ("cue-text", "timer-text"):
        assert contrast(theme.variable(key), background) >= required, key
    assert contrast(theme.colors.foreground, background) >= required
    for colour in (theme.colors.warning, theme.colors.error, theme.colors.accent):
        assert contrast(colour, background) >= 3.0


def _hue(colour: str) -> float:
    import colorsys

    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hls(r, g, b)[0] * 360


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_warning_colours_are_orange_and_blue_not_red_and_green(name: str) -> None:
    colors = BUILTIN[name].theme.colors
    for colour in (colors.warning, colors.error):
        assert 15 <= _hue(colour) <= 45, colour  # orange / amber
    for colour in (colors.accent, colors.success):
        assert 190 <= _hue(colour) <= 230, colour  # blue


def test_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_bad_theme_files_are_reported_and_the_rest_load(herenow_home: Path) -> None:
    folder = herenow_home / "themes"
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text('name = "broken"\n[colors]\nprimary = "blue"\n')
    (folder / "mine.toml").write_text(
        'name = "mine"\n[colors]\nprimary = "#336699"\nforeground = "#eeeeee"\nbackground = "#111111"\n')
    library = load_themes()
    assert "mine" in library.themes and "herenow-dusk" in library.themes
    lines = sorted(str(p) for p in library.problems)
    assert lines == [
        f"{folder}/broken.toml:2: colors.background: is missing",
        f"{folder}/broken.toml:2: colors.foreground: is missing",
        f"{folder}/broken.toml:3: colors.primary: 'blue' is not a colour like '#1d2021'",
    ]


def test_theme_maps_onto_textual_with_custom_variables() -> None:
    theme = BUILTIN["herenow-dusk"].theme.to_textual()
    assert theme.name == "herenow-dusk" and theme.dark
    assert theme.variables["bar-fill"] == "#4f6684"
    assert theme.variables["blank-background"] == "#1b1e23"


@pytest.mark.parametrize("value, ok", [
    ("#1d2021", True), ("#abc", True), ("#1d2021cc", True), ("rgb(29, 32, 33)", True), ("hsl(120, 50%, 40%)", True),
    ("teal", True), ("#ffffff 40%", True), ("bold", False),
    ("notacolour", False), ("#12", False), ("red; } Screen { display: none", False), ("rgb(1,2)", False), ("", False),
])
def test_theme_variables_are_checked_when_the_theme_loads(herenow_home: Path, value: str, ok: bool) -> None:
    themes = herenow_home / "themes"
    themes.mkdir(parents=True)
    (themes / "mine.toml").write_text(
        'name = "mine"\n[colors]\nprimary = "#336699"\nforeground = "#eeeeee"\nbackground = "#111111"\n'
        f'[variables]\nfooter-background = "{value}"\nblock-cursor-text-style = "not dim"\n', "utf-8")
    library = load_themes()
    assert ("mine" in library.themes) == ok
    if ok:
        library.themes["mine"].theme.to_textual()  # and Textual takes it
    else:
        assert len(library.problems) == 1 and str(themes / "mine.toml") in str(library.problems[0])
        assert "herenow-dusk" in library.themes  # the rest still load; the app falls back to the default


def test_a_custom_variable_must_be_a_colour(herenow_home: Path) -> None:
    themes = herenow_home / "themes"
    themes.mkdir(parents=True)
    (themes / "mine.toml").write_text(
        'name = "mine"\n[colors]\nprimary = "#336699"\nforeground = "#eeeeee"\nbackground = "#111111"\n'
        '[variables]\ncue-text = "bold"\n', "utf-8")
    library = load_themes()
    assert "mine" not in library.themes and "cue-text = 'bold' is not a colour" in str(library.problems[0])
