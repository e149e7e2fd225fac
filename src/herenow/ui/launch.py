"""From parsed command-line arguments to a running app. Checks user input before any screen is drawn."""

from __future__ import annotations

import argparse
import sys

from herenow.errors import UserError


DUMB_TERMINAL = ("needs a terminal that can draw a full screen (TERM is {term!r} here); try a terminal window. "
                 "The reflections, decks and config commands work anywhere.")


def run_app(args: argparse.Namespace) -> int:
    import os

    term = os.environ.get("TERM", "")
    if term in ("dumb", "unknown"):
        # No cursor movement, no colour: a full-screen app would be a stream of escape codes. One line, exit 2.
        raise UserError(DUMB_TERMINAL.format(term=term))
    from herenow.clock import session_until
    from herenow.context import AppContext
    from herenow.themes import offered_themes

    # Problems with files are shown inside the app (home screen, session notes); here only the user's arguments
    # are checked, so a mistake on the command line gets its one line, alone.
    ctx = AppContext.load(seed=getattr(args, "seed", None))
    if args.screen == "review" or getattr(args, "passphrase_file", None) is not None:
        # Reading asks once per run, before the screen opens (issue 10); a session never asks.
        from herenow.cli.protect import unlock_for_reading

        unlock_for_reading(args)

    from herenow.ui.app import HerenowApp, SessionOptions

    theme = getattr(args, "theme", None)
    if theme and theme not in offered_themes(ctx.themes):
        raise UserError(f"no theme named {theme!r} (see: herenow themes list)")

    options = SessionOptions(compact=getattr(args, "compact", False), first_session=getattr(args, "first", False))
    if args.screen == "session" and (getattr(args, "resume", None) or getattr(args, "served", None)):
        options.served = getattr(args, "served", None)
        if args.resume and (args.deck or args.minutes is not None or args.until or options.first_session):
            raise UserError("--resume carries a session on as it was: it takes no --deck, --minutes, --until or "
                            "--first")
        if args.resume:  # resuming reads the session's record: sealed, it asks once, as every reading does
            from herenow.cli.protect import unlock_for_reading

            unlock_for_reading(args)
        options.resume = _to_resume(ctx, args.resume, served=options.served)
    if args.screen == "session" and options.resume is None:
        if args.deck:
            names = [n.strip() for n in args.deck.split(",") if n.strip()]
            _decks, missing = ctx.resolve_decks(names)
            if missing:
                raise UserError(_missing_deck(ctx, missing[0]))
            options.deck_names = names
        if args.minutes is not None:
            if not 1 <= args.minutes <= 600:
                raise UserError("--minutes takes a length from 1 to 600")
            options.planned_seconds = args.minutes * 60
        if args.until:
            try:
                options.planned_seconds = session_until(args.until, ctx.now())
            except ValueError as exc:
                raise UserError(str(exc)) from None
    if theme and theme != ctx.config.theme:
        from herenow.config import save_setting

        problem = save_setting("theme", theme)  # --theme is remembered
        if problem is not None:
            print(f"herenow: {problem}", file=sys.stderr)
        ctx.config.theme = theme
    deck_name = getattr(args, "deck_name", None)
    if args.screen == "workshop" and deck_name and ctx.decks.get(deck_name) is None:
        raise UserError(_missing_deck(ctx, deck_name))
    app = HerenowApp(ctx, start=args.screen, session=options, theme=theme, deck=deck_name)
    # --compact runs inline: a few lines under the prompt, for people without a second screen.
    try:
        app.run(inline=options.compact and args.screen == "session")
    finally:
        from herenow.ui.app import restore_window_title

        restore_window_title(app)
    return app.return_code or 0


def _to_resume(ctx, wanted: str | None, *, served: str | None):
    """The session record to carry on: ``wanted`` is an id or "latest" (--resume) or None. Served in a browser
    without --resume, the latest session closed less than a quarter of an hour ago is carried on if there is one,
    so a dropped connection that reconnects shows the running session; otherwise a new session starts."""
    from herenow.live import AWAY_LIMIT
    from herenow.reflecting import find_waiting
    from herenow.store.drafts import DraftStore

    waiting = find_waiting(ctx.records, DraftStore(), ctx.store)
    candidates = sorted((r for r in waiting.records if r.resumable),
                        key=lambda r: (r.saved or r.started), reverse=True)
    if wanted is None:
        recent = [r for r in candidates if r.saved is not None and 0 <= ctx.now() - r.saved.timestamp() < AWAY_LIMIT]
        return recent[0] if recent else None
    if wanted == "latest":
        if not candidates:
            running = " (one is running in another window)" if waiting.running else ""
            raise UserError(f"no session to resume{running}")
        return candidates[0]
    for record in candidates:
        if record.id == wanted:
            return record
    if any(r.id == wanted for r in waiting.running):
        raise UserError(f"the session {wanted} is running in another window")
    if any(r.id == wanted for r in waiting.records + [d.session for d in waiting.drafts]):
        raise UserError(f"the session {wanted} was ended; its reflection waits on the home screen")
    raise UserError(f"no session {wanted!r} to resume (see the home screen)")


def _missing_deck(ctx, name: str) -> str:
    """Why a deck cannot be used: not there at all, or there but with problems (the first one named)."""
    from pathlib import Path

    broken = [p for p in ctx.decks.problems if Path(p.file).stem == name]
    if broken:
        return f"the deck {name!r} has problems and is left out: {broken[0]}"
    return f"no deck named {name!r} (see: herenow decks list)"
