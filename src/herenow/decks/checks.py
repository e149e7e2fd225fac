"""Every problem of a deck file in one pass, each with its line, in words a trainee understands.

Pydantic stops at the field errors (a cue id used twice is only checked once every field is right) and speaks
in patterns ("String should match pattern '^[a-z0-9]...'"). Here the file is also checked as written, so a
deck with three mistakes shows three lines at once, and hints (advice, not errors) carry their line too.
A TOML syntax error is the one thing that stops the reading: nothing after it can be read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from herenow.problems import Problem, line_index, locate, read_toml, validation_problems

NAME_WORDS = "use lowercase letters, digits and hyphens, starting with a letter or digit (like my-deck)"
ID_WORDS = "use letters, digits, dots, underscores and hyphens, no spaces, starting with a letter or digit"
_PLAIN = [
    # (pattern of pydantic's message, words for a person); the first match wins
    (re.compile(r"^String should match pattern"), None),  # depends on the field: see _pattern_words
    (re.compile(r"^String should have at least 1 character"), "is empty"),
    (re.compile(r"^Input should be a valid string"), "should be text in quotes"),
    (re.compile(r"^Input should be a valid (number|integer|float).*"), "should be a number"),
    (re.compile(r"^Input should be a valid list"), 'should be a list in square brackets, like ["a", "b"]'),
    (re.compile(r"^Input should be a valid dictionary.*"), "should be a table of its own"),
    (re.compile(r"^Input should be greater than 0$"), "should be more than 0"),
    (re.compile(r"^Input should be less than or equal to (\S+)$"), r"should be \1 or less"),
    (re.compile(r"^Input should be (.*)$"), r"should be \1"),
]


def _pattern_words(field: str | None) -> str:
    if field and field.endswith(".id"):
        return ID_WORDS
    return NAME_WORDS


def plain(problem: Problem) -> Problem:
    """The same problem, worded for a person: no regular expressions, no "Input should be"."""
    message = problem.message
    for pattern, words in _PLAIN:
        if pattern.search(message):
            message = _pattern_words(problem.field) if words is None else pattern.sub(words, message)
            break
    message = message.replace("'", "") if message.startswith("should be ") and " or " in message else message
    if message == "is not a known field":
        from herenow.decks.model import Cue, Deck

        model = Cue if (problem.field or "").startswith("cues[") else Deck
        message = f"is not a known field (check the spelling; known: {', '.join(model.model_fields)})"
    return Problem(problem.file, message, problem.line, problem.field)


def _raw_cues(data: dict[str, Any]) -> list[dict[str, Any]]:
    cues = data.get("cues")
    return [c for c in cues if isinstance(c, dict)] if isinstance(cues, list) else []


def _duplicate_ids(file: str, data: dict[str, Any], index: dict) -> list[Problem]:
    seen: dict[str, int] = {}
    out = []
    for number, cue in enumerate(data.get("cues") if isinstance(data.get("cues"), list) else []):
        cue_id = cue.get("id") if isinstance(cue, dict) else None
        if not isinstance(cue_id, str):
            continue
        if cue_id in seen:
            out.append(Problem(file, f"{cue_id!r} is already the id of cue {seen[cue_id] + 1}; each cue needs its own",
                               line=locate(index, ("cues", number, "id")), field=f"cues[{number + 1}].id"))
        else:
            seen[cue_id] = number
    return out


def deck_hints(file: str, data: dict[str, Any], text: str) -> list[Problem]:
    """The gentle hints (long cues, cues that read like orders, no prompts), each with its line."""
    from herenow.decks.model import Cue, Deck, hints

    cues = [Cue.model_construct(text=c["text"].strip()) for c in _raw_cues(data) if isinstance(c.get("text"), str)]
    prompts = data.get("reflection_prompts")
    prompts = [p for p in prompts if isinstance(p, str) and p.strip()] if isinstance(prompts, list) else []
    positions = [i for i, c in enumerate(data.get("cues") or []) if isinstance(c, dict)
                 and isinstance(c.get("text"), str)] if isinstance(data.get("cues"), list) else []
    index = line_index(text)
    out = []
    for hint in hints(Deck.model_construct(cues=cues, reflection_prompts=prompts), file):
        line, field = None, hint.field
        match = re.match(r"cues\[(\d+)\]\.(\w+)", field or "")
        if match:
            number = positions[int(match.group(1)) - 1]
            line = locate(index, ("cues", number, match.group(2)))
            field = f"cues[{number + 1}].{match.group(2)}"
        out.append(Problem(file, hint.message, line=line, field=field))
    return out


def check_deck_file(path: Path):
    """(deck or None, problems, hints) for one file: every problem at once, in plain words, with lines."""
    from pydantic import ValidationError

    from herenow.decks.model import Deck

    file = str(path)
    data, text, problems = read_toml(path)
    if data is None:
        return None, problems, []
    index = line_index(text)
    duplicates = _duplicate_ids(file, data, index)
    try:
        deck = Deck.model_validate(data)
        found: list[Problem] = []
    except ValidationError as exc:
        deck = None
        found = [plain(p) for p in validation_problems(file, text, exc, index=index)
                 if "is used twice" not in p.message]  # said below, with its line
    problems = sorted(found + duplicates, key=lambda p: (p.line or 0))
    return (deck if not problems else None), problems, deck_hints(file, data, text)


def missing_config_decks(config, library, config_file: str) -> list[Problem]:
    """Deck names in config.toml that no deck has: said where the config is read, not only at session start."""
    missing = [name for name in config.decks if library.get(name) is None]
    if not missing:
        return []
    line = None
    try:
        line = locate(line_index(Path(config_file).read_text(encoding="utf-8")), ("decks",))
    except (OSError, UnicodeDecodeError):
        pass
    return [Problem(config_file, f"no deck named {name!r}; it is left out (see: herenow decks list)",
                    line=line, field="decks") for name in missing]
