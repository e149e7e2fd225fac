"""The built wheel carries the built-in decks and themes and finds them at run time, away from the source tree."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Both tests on one xdist worker (addopts: --dist loadgroup), so the wheel is built once per run.
pytestmark = pytest.mark.xdist_group("wheel")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    copy = work / "copy"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md", "hatch_build.py"):
        shutil.copy(ROOT / name, copy / name)
    for name in ("src", "cue_decks", "themes"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"),
                            str(copy)], capture_output=True, text=True)
    if build.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{build.stderr[-2000:]}")
    wheel = next((work / "dist").glob("herenow-*.whl"))
    target = work / "site"
    # --target, never --prefix: pip uninstalls the running environment's herenow before a --prefix install,
    # which would pull the package out from under every later test. --target keeps the wheel's data (share/...)
    # beside the package, as pipx and uv lay it out under their environments.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-warn-script-location",
                    "--target", str(target), str(wheel)], check=True, capture_output=True)
    shutil.rmtree(copy)  # nothing may come from the source copy
    return target


def test_wheel_installs_completions_and_a_man_page(installed: Path) -> None:
    share = installed / "share"
    bash = share / "bash-completion" / "completions" / "herenow"
    zsh = share / "zsh" / "site-functions" / "_herenow"
    man = share / "man" / "man1" / "herenow.1"
    assert "reflections" in bash.read_text() and "complete" in bash.read_text()
    assert zsh.read_text().startswith("#compdef herenow") and "reflections" in zsh.read_text()
    page = man.read_text()
    assert page.startswith(".TH HERENOW") and "herenow session" in page and "config set" in page
    # The bash completion is a working script: it completes the subcommands.
    if shutil.which("bash"):
        script = f"source {bash}; COMP_WORDS=(herenow ref); COMP_CWORD=1; _shtab_herenow; echo ${{COMPREPLY[@]}}"
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
        assert done.stdout.split() == ["reflections"], done.stderr


def test_installed_wheel_finds_its_decks_and_themes(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed), "HERENOW_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-c", "from herenow.cli import main; raise SystemExit(main(['paths']))"],
                            capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{installed}/herenow/_data/cue_decks" in result.stdout
    listing = subprocess.run([sys.executable, "-c", "from herenow.cli import main; raise SystemExit(main(['decks', 'list']))"],
                             capture_output=True, text=True, env=env, cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert len([line for line in listing.stdout.splitlines()[1:] if "built-in" in line]) >= 6
    themes = subprocess.run([sys.executable, "-c", "from herenow.cli import main; raise SystemExit(main(['themes', 'list']))"],
                            capture_output=True, text=True, env=env, cwd=tmp_path)
    assert themes.returncode == 0 and "herenow-ember" in themes.stdout
