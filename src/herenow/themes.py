"""Theme files: TOML mapped onto Textual's ``Theme``. Parsing and checks here; Textual only in ``to_textual``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from herenow.store import paths
from herenow.problems import Problem, load_model

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


def _hex(value: str) -> str:
    if not _HEX.match(value):
        raise ValueError(f"{value!r} is not a colour like '#1d2021'")
    return value.lower()


class ThemeColors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    primary: str
    foreground: str
    background: str
    secondary: str | None = None
    accent: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    surface: str | None = None
    panel: str | None = None

    @field_validator("*")
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        return None if value is None else _hex(value)


class ThemeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = ""
    dark: bool = True
    description: str = ""
    colors: ThemeColors
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator("variables")
    @classmethod
    def _variables(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if not _VARIABLE.match(key):
                raise ValueError(f"{key!r} is not a variable name (letters, digits and hyphens)")
            if key.endswith("text-style"):  # e.g. block-cursor-text-style = "bold"
                if not (text.split() and set(text.split()) <= _STYLES):
                    raise ValueError(f"{key} = {text!r} is not a text style (e.g. 'bold', 'not dim', 'none')")
            elif not is_colour(text):
                raise ValueError(f"{key} = {text!r} is not a colour (e.g. '#1d2021', 'rgb(29, 32, 33)', 'teal')")
        return value

    def variable(self, key: str) -> str:
        defaults = {
            "cue-text": self.colors.foreground,
            "timer-text": self.colors.foreground,
            "bar-fill": self.colors.accent or self.colors.primary,
            "bar-empty": self.colors.panel or self.colors.surface or self.colors.background,
            "blank-background": self.colors.background,
        }
        return self.variables.get(key, defaults.get(key, ""))

    def to_textual(self) -> Theme:
        from textual.theme import Theme

        colors = self.colors.model_dump(exclude_none=True)
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


def parse_theme(path: Path) -> tuple[ThemeFile | None, list[Problem]]:
    return load_model(path, ThemeFile)


def load_themes() -> ThemeLibrary:
    """Built-in and user themes. A theme with a problem (a bad colour included) is reported and not loaded, so
    the app starts with the default theme instead."""
    from herenow.store.files import scan_toml

    library = ThemeLibrary()
    for folder, origin in ((paths.builtin_themes_dir(), "built-in"), (paths.locations().themes_dir, "user")):
        loaded, problems = scan_toml(folder, parse_theme)
        library.problems += problems
        for path, theme in loaded:
            library.themes[theme.name] = LoadedTheme(theme, path, origin)
    return library


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
