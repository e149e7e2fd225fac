"""``herenow protect`` (issue 10) and the one way every reading command unlocks. No Textual, no pydantic here at
import: build_parser() imports this module for every command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from herenow.errors import UserError

RECOVERY_WORDS = """\
Your recovery key (shown this once; write it down and keep it apart from this computer):

    {secret}

Without your passphrase or this recovery key, nothing herenow has sealed can be read: not by you, not by anyone.
"""


def add_passphrase_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--passphrase-file", type=Path, metavar="PATH",
                        help="read the passphrase from the first line of this file (for scripts); otherwise it is "
                             "asked for on the terminal")


def content_folders() -> list[Path]:
    from herenow.store.paths import locations

    where = locations()
    return [where.reflections_dir, where.drafts_dir, where.sessions_dir]


def unlock_for_reading(args: argparse.Namespace) -> None:
    """Protected: ask for the passphrase once for this run (a file, or the terminal with three tries). A wrong one
    is one calm line (exit 2) and nothing is touched. Not protected: nothing to do."""
    from herenow.store.protection import current
    from herenow.store.sealing import SealingError

    protection = current()
    if not protection.protected or protection.identity is not None:
        return
    try:
        protection.unlock_interactive(getattr(args, "passphrase_file", None))
    except SealingError as exc:
        raise UserError(str(exc)) from None
    except (EOFError, KeyboardInterrupt):
        raise UserError("no passphrase given; nothing was read") from None


def cmd_protect(args: argparse.Namespace) -> int:
    from herenow.store.protection import current

    protection = current()
    if args.status:
        return _status(protection)
    if args.change_passphrase:
        return _change(protection, args.passphrase_file)
    if protection.protected:
        unlock_for_reading(args)
        print("Protection is already on.")
        return _migrate(protection)
    return _set_up(protection, args.passphrase_file)


def _status(protection) -> int:
    from herenow.store.migrate import count_plain

    plain = count_plain(content_folders())
    if protection.protected:
        print("Protected: yes. Reflections, drafts and session records are sealed when written (no passphrase "
              "needed); reading asks for the passphrase once per run.")
        print(f"Keys: {protection.keys.identity_file} (wrapped with your passphrase), "
              f"{protection.keys.recipient_file} (public)")
        print("Locked: n/a (each command asks when it needs to read).")
        print(f"Files still plain: {plain}" + (" (run herenow protect to seal them)" if plain else ""))
    else:
        print("Protected: no. Files are plain TOML; keep them on an encrypted disk, or run: herenow protect")
        print(f"Files with content: {plain}")
    return 0


def _read_new_passphrase(passphrase_file: Path | None, prompt: str) -> str:
    from herenow.store.sealing import SealingError, read_passphrase

    try:
        return read_passphrase(passphrase_file, confirm=passphrase_file is None, prompt=prompt)
    except SealingError as exc:
        raise UserError(str(exc)) from None
    except (EOFError, KeyboardInterrupt):
        raise UserError("no passphrase given; nothing was changed") from None


def _set_up(protection, passphrase_file: Path | None) -> int:
    from herenow.store.sealing import Identity, SealingError

    print("herenow will seal every reflection, draft and session record with a key kept under your passphrase.",
          file=sys.stderr)
    phrase = _read_new_passphrase(passphrase_file, "New passphrase: ")
    try:
        secret = protection.keys.create(phrase)
    except SealingError as exc:
        raise UserError(str(exc)) from None
    protection.identity = Identity.from_secret(secret)  # made just now: no need to unwrap it again
    print(RECOVERY_WORDS.format(secret=secret))
    return _migrate(protection)


def _migrate(protection) -> int:
    from herenow.cli.output import printable
    from herenow.store.migrate import seal_tree
    from herenow.text import plural

    report = seal_tree(content_folders(), protection.recipient, protection.identity)
    done = len(report.sealed) + len(report.finished)
    print(f"Sealed {plural(done, 'file')} that were plain." if done else "No plain files were left to seal.")
    for side in report.conflicts:
        print(printable(f"{side}: kept beside a different sealed version of the same file (both sealed)."))
    for path, reason in report.failed:
        print(printable(f"herenow: {path}: not sealed ({reason}); it is left as it was"), file=sys.stderr)
    if report.failed:
        print("Run herenow protect again to finish.", file=sys.stderr)
        return 1
    return 0


def _change(protection, passphrase_file: Path | None) -> int:
    from herenow.store.sealing import SealingError, read_passphrase

    if not protection.protected:
        raise UserError("protection is not set up; run: herenow protect")
    try:
        old = read_passphrase(passphrase_file, prompt="Current passphrase: ")
        new = read_passphrase(None, confirm=True, prompt="New passphrase: ") if passphrase_file is None else \
            _second_line(passphrase_file)
        protection.keys.change_passphrase(old, new)
    except SealingError as exc:
        raise UserError(str(exc)) from None
    except (EOFError, KeyboardInterrupt):
        raise UserError("no passphrase given; nothing was changed") from None
    print("Passphrase changed. Your recovery key is the same as before.")
    return 0


def _second_line(path: Path) -> str:
    """With --passphrase-file, --change-passphrase reads the current passphrase from line 1 and the new from 2."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) < 2 or not lines[1]:
        raise UserError(f"{path}: the new passphrase goes on its second line")
    return lines[1]


def add_protect_command(subparsers) -> None:
    p = subparsers.add_parser(
        "protect", help="seal reflections with a passphrase (age format); see --status",
        description="Set up protection: every reflection, draft and session record is sealed when written (no "
                    "passphrase needed to write), and reading asks for the passphrase. Existing plain files are "
                    "sealed. Any file opens with the standard tool: age -d -i identity.age FILE.toml.age")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--status", action="store_true", help="protected or not, and how many files are still plain")
    what.add_argument("--change-passphrase", action="store_true",
                      help="wrap the key with a new passphrase (with --passphrase-file: current on line 1, new on 2)")
    add_passphrase_file(p)
    p.set_defaults(func=cmd_protect)
