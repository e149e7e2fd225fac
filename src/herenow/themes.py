"""Theme files: TOML mapped onto Textual's ``Theme``. Parsing and checks here; Textual only in ``to_textual``."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from herenow.names import is_name
from herenow.store import paths
from herenow.problems import Check, Problem, load_model

if TYPE_CHECKING:
    from textual.theme import Theme

DEFAULT_THEME = "herenow-dusk"
_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")

# Custom CSS variables the app's stylesheets use; a theme may set them, otherwise these defaults derive from it.
CUSTOM_VARIABLES = ("cue-text", "timer-text", "bar-fill", "bar-empty", "blank-background")


_VARIABLE = re.compile(r"^[a-z][a-z0-9-]{0,60}$")
# Text-style variables ("bold", "not dim", "none") are the only values that are not colours.
_STYLES = {"none", "not", "bold", "dim", "italic", "underline", "underline2", "reverse", "strike", "blink",
           "overline", "b", "i", "u", "r", "s", "d"}
_COLOUR = re.compile(
    r"^(#[0-9a-fA-F]{3,4}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}"
    r"|(rgb|hsl)a?\(\s*[0-9.]+%?\s*(,\s*[0-9.]+%?\s*){2,3}\))"
    r"(\s+[0-9]{1,3}%)?$")  # an optional alpha, as in "#ffffff 40%"


def is_colour(text: str) -> bool:
    """A colour Textual can use. Forms checked here; a colour name is looked up in Textual only when needed."""
    text = text.strip()
    if _COLOUR.match(text):
        return True
    name, _, alpha = text.partition(" ")
    if not re.match(r"^[a-z_]+[0-9]*$", name) or (alpha and not re.match(r"^[0-9]{1,3}%$", alpha)):
        return False
    try:
        from textual.color import Color, ColorParseError
    except ImportError:  # pragma: no cover
        return True
    try:
        Color.parse(name)
    except ColorParseError:
        return False
    return True


def is_hex(value: str) -> bool:
    return bool(_HEX.match(value))


# Theme files are plain dataclasses (a session reads them from the checked cache without pydantic, issue 12);
# pydantic checks a file against them, with these rules. Unknown keys are problems.
_CLOSED = {"extra": "forbid"}
Hex = Annotated[str, Check(is_hex, lambda value: f"{value!r} is not a colour like '#1d2021'")]


@dataclass(kw_only=True)
class ThemeColors:
    __pydantic_config__ = _CLOSED

    primary: Hex
    foreground: Hex
    background: Hex
    secondary: Hex | None = None
    accent: Hex | None = None
    warning: Hex | None = None
    error: Hex | None = None
    success: Hex | None = None
    surface: Hex | None = None
    panel: Hex | None = None

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None:
                setattr(self, name, value.lower())

    def given(self) -> dict[str, str]:
        """The colours the file sets."""
        return {name: value for name, value in asdict(self).items() if value is not None}


def variable_defaults(*, foreground: str, background: str, primary: str, accent: str | None = None,
                      panel: str | None = None, surface: str | None = None) -> dict[str, str]:
    """The app's own CSS variables (CUSTOM_VARIABLES) derived from a theme's colours, for ours and Textual's."""
    return {
        "cue-text": foreground,
        "timer-text": foreground,
        "bar-fill": accent or primary,
        "bar-empty": panel or surface or background,
        "blank-background": background,
    }


def variable_problem(variables: dict[str, str]) -> str | None:
    """What is wrong with a theme's ``[variables]``, the first thing found, or None."""
    for key, text in variables.items():
        if not _VARIABLE.match(key):
            return f"{key!r} is not a variable name (letters, digits and hyphens)"
        if key.endswith("text-style"):  # e.g. block-cursor-text-style = "bold"
            if not (text.split() and set(text.split()) <= _STYLES):
                return f"{key} = {text!r} is not a text style (e.g. 'bold', 'not dim', 'none')"
        elif not is_colour(text):
            return f"{key} = {text!r} is not a colour (e.g. '#1d2021', 'rgb(29, 32, 33)', 'teal')"
    return None


def variables_ok(variables: dict[str, str]) -> bool:
    return variable_problem(variables) is None


@dataclass(kw_only=True)
class ThemeFile:
    __pydantic_config__ = _CLOSED

    schema_version: int = 1
    name: Annotated[str, Check(is_name, lambda value: f"{value!r} is not a theme name: use lowercase letters, "
                                                      "digits and hyphens")]
    title: str = ""
    dark: bool = True
    description: str = ""
    colors: ThemeColors
    variables: Annotated[dict[str, str], Check(variables_ok, variable_problem)] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ThemeFile:
        """The inverse of ``asdict``, for data checked when it was made (the cache)."""
        return cls(**data | {"colors": ThemeColors(**data["colors"])})

    def variable(self, key: str) -> str:
        c = self.colors
        defaults = variable_defaults(foreground=c.foreground, background=c.background, primary=c.primary,
                                     accent=c.accent, panel=c.panel, surface=c.surface)
        return self.variables.get(key, defaults.get(key, ""))

    def to_textual(self) -> Theme:
        from textual.theme import Theme

        colors = self.colors.given()
        variables = {key: self.variable(key) for key in CUSTOM_VARIABLES}
        variables.update(self.variables)
        return Theme(name=self.name, dark=self.dark, variables=variables, **colors)


@dataclass
class LoadedTheme:
    theme: ThemeFile
    path: Path
    origin: str


@dataclass
class ThemeLibrary:
    themes: dict[str, LoadedTheme] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def parse_theme(path: Path, raw: bytes | None = None) -> tuple[ThemeFile | None, list[Problem]]:
    if raw is None:
        return load_model(path, ThemeFile)
    from herenow.problems import model_from_bytes

    return model_from_bytes(str(path), raw, ThemeFile)


def load_themes() -> ThemeLibrary:
    """Built-in and user themes. A theme with a problem (a bad colour included) is reported and not loaded, so
    the app starts with the default theme instead."""
    from herenow.store.checked import CheckedCache, cached_reader
    from herenow.store.files import scan_toml

    library = ThemeLibrary()
    cache = CheckedCache()
    parse = cached_reader(cache, "theme", parse_theme, asdict, ThemeFile.from_data)
    for folder, origin in ((paths.builtin_themes_dir(), "built-in"), (paths.locations().themes_dir, "user")):
        loaded, problems = scan_toml(folder, parse)
        library.problems += problems
        for path, theme in loaded:
            failing = contrast_failures(theme_colours(theme))
            if failing:  # outside the contrast promise: reported, never offered
                library.problems.append(Problem(str(path), f"{failing[0]}; the theme is not offered"))
                continue
            library.themes[theme.name] = LoadedTheme(theme, path, origin)
    cache.save()
    return library


def theme_colours(theme: ThemeFile) -> dict[str, str]:
    """The colours the contrast promise is about, as the app resolves them."""
    colors = theme.colors
    return {
        "background": colors.background, "foreground": colors.foreground,
        "cue-text": theme.variable("cue-text"), "timer-text": theme.variable("timer-text"),
        "warning": colors.warning or colors.foreground, "error": colors.error or colors.foreground,
        "accent": colors.accent or colors.primary,
    }


# Text must reach WCAG AA for body text, the signal colours AA for large text and graphics.
TEXT_CONTRAST = 4.5
SIGNAL_CONTRAST = 3.0


def contrast_failures(colours: dict[str, str]) -> list[str]:
    """What falls short of the promise, one phrase each (empty: the theme passes)."""
    background = colours["background"]
    failures = []
    for key in ("foreground", "cue-text", "timer-text", "warning", "error", "accent"):
        required = TEXT_CONTRAST if key in ("foreground", "cue-text", "timer-text") else SIGNAL_CONTRAST
        if not _HEX.match(colours.get(key) or ""):
            failures.append(f"{key} is not a plain colour, so its contrast cannot be checked")
        elif (ratio := contrast(colours[key], background)) < required:
            failures.append(f"{key} has a contrast of {ratio:.1f}:1 on the background, below {required:g}:1")
    return failures


@lru_cache(maxsize=1)
def textual_themes() -> dict[str, dict[str, str]]:
    """Textual's own themes that keep the same contrast promise as ours: name -> the colours checked and "kind".

    Worked out once per Textual version (~35 ms) and kept in the checked cache. Imports ``textual.theme``
    (~0.15 s), so only ``themes list``, ``config set theme`` and the app call it.
    """
    import os

    import textual.design
    import textual.theme
    from textual.theme import BUILTIN_THEMES

    from herenow.store.checked import CheckedCache

    cache = CheckedCache()
    # Keyed on the two Textual files the answer comes from (textual.__version__ would import importlib.metadata:
    # ~20 ms and ~5 MB at every start).
    key = "textual-themes:" + ":".join(
        f"{module.__file__}:{os.stat(module.__file__).st_size}:{os.stat(module.__file__).st_mtime_ns}"
        for module in (textual.theme, textual.design))
    kept = cache.recall(key)
    if isinstance(kept, dict) and set(kept) <= set(BUILTIN_THEMES):
        return kept
    passing = {}
    for name, theme in BUILTIN_THEMES.items():
        try:
            system = theme.to_color_system().generate()
        except Exception:  # a theme Textual cannot resolve to colours (ansi-*) cannot be checked
            continue
        colours = {key: system.get(key, "")[:7].lower() for key in ("background", "foreground", "warning",
                                                                        "error", "accent")}
        colours["cue-text"] = colours["timer-text"] = colours["foreground"]
        if _HEX.match(colours["background"]) and not contrast_failures(colours):
            passing[name] = colours | {"kind": "dark" if theme.dark else "light"}
    cache.keep(key, passing)
    cache.save()
    return passing


def offered_themes(library: ThemeLibrary | None = None) -> dict[str, str]:
    """Every theme the picker, ``--theme``, ``config set theme`` and ``themes list`` offer: name -> origin.

    Ours and the user's (a user's theme replaces one of the same name), then Textual's that pass the same check.
    """
    library = library or load_themes()
    offered = {name: "textual (passes contrast)" for name in textual_themes()}
    offered.update({name: item.origin for name, item in library.themes.items()})
    return offered


# WCAG 2.x contrast, for the tests and for `herenow themes list`.
def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def summary(theme: ThemeFile) -> dict[str, Any]:
    return {
        "text": round(contrast(theme.colors.foreground, theme.colors.background), 1),
        "warning": round(contrast(theme.colors.warning or theme.colors.foreground, theme.colors.background), 1),
    }
