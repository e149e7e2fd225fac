"""Build hook: shell completions (shtab) and the man page (argparse-manpage), made from herenow's own parser.

Generated into ``build/cli-data/`` at build time and installed as wheel data, where pipx and uv link them:
``share/bash-completion/completions/herenow``, ``share/zsh/site-functions/_herenow``, ``share/man/man1/herenow.1``.
There is no fish file: shtab does not write fish completions.

The parser comes from ``herenow.cli.build_parser`` in ``./src``; building it has no side effects (no files, no
config read, no Textual or pydantic import), so importing it here is safe.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

OUTPUTS = {
    "bash": "share/bash-completion/completions/herenow",
    "zsh": "share/zsh/site-functions/_herenow",
    "man": "share/man/man1/herenow.1",
}


def generate(root: Path, folder: Path) -> dict[str, Path]:
    """Write the three files into ``folder``: name -> path."""
    import shtab
    from argparse_manpage.manpage import Manpage

    sys.path.insert(0, str(root / "src"))
    try:
        from herenow import __version__
        from herenow.cli import build_parser

        texts = {shell: shtab.complete(build_parser(), shell=shell) for shell in ("bash", "zsh")}
        page = Manpage(build_parser(), _data={"project_name": "herenow", "version": __version__,
                                              "manual_title": "herenow manual",
                                              "description": "cue cards, a calm session timer and reflections"})
        texts["man"] = str(page)
    finally:
        sys.path.remove(str(root / "src"))
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, text in texts.items():
        path = folder / Path(OUTPUTS[name]).name
        path.write_text(text, encoding="utf-8")
        written[name] = path
    return written


class CliDataHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        for name, path in generate(root, root / "build" / "cli-data").items():
            build_data["shared_data"][str(path)] = OUTPUTS[name]
