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
        from herenow.decks.schema import CueFile, DeckFile, PromptFile

        field = problem.field or ""
        model = CueFile if field.startswith("cues[") else PromptFile if field.startswith("prompts[") else DeckFile
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


def _raw_prompts(data: dict[str, Any]) -> list[Any]:
    """The deck's prompts as written, with a stage each: [[prompts]] tables (version 2), or a version 1
    ``reflection_prompts`` list given stages in order."""
    from herenow.decks.model import Prompt, legacy_stage

    legacy = data.get("reflection_prompts")
    if isinstance(legacy, list):
        texts = [p for p in legacy if isinstance(p, str) and p.strip()]
        return [Prompt(id=f"p{i + 1}", stage=legacy_stage(i), text=t) for i, t in enumerate(texts)]
    prompts = data.get("prompts")
    if not isinstance(prompts, list):
        return []
    return [Prompt(id=str(p.get("id", "")), stage=p["stage"], text=str(p.get("text", "")))
            for p in prompts if isinstance(p, dict) and isinstance(p.get("stage"), str)]


def deck_hints(file: str, data: dict[str, Any], text: str) -> list[Problem]:
    """The gentle hints (long cues, cues that read like orders, the same text twice, a stage with no prompt,
    the version 1 format), each with its line."""
    from herenow.decks.model import SCHEMA_VERSION, Cue, Deck, hints

    cues = [Cue(text=c["text"].strip()) for c in _raw_cues(data) if isinstance(c.get("text"), str)]
    positions = [i for i, c in enumerate(data.get("cues") or []) if isinstance(c, dict)
                 and isinstance(c.get("text"), str)] if isinstance(data.get("cues"), list) else []
    version = data.get("schema_version", 1 if "reflection_prompts" in data else SCHEMA_VERSION)
    index = line_index(text)
    out = []
    deck = Deck(cues=cues, prompts=_raw_prompts(data), schema_version=version)
    for hint in hints(deck, file):
        line, field = None, hint.field
        match = re.match(r"cues\[(\d+)\]\.(\w+)", field or "")
        if match:
            number = positions[int(match.group(1)) - 1]
            line = locate(index, ("cues", number, match.group(2)))
            field = f"cues[{number + 1}].{match.group(2)}"
        elif field:
            line = locate(index, (field,))
        message = re.sub(r"cues\[(\d+)\]", lambda m: f"cues[{positions[int(m.group(1)) - 1] + 1}]", hint.message)
        out.append(Problem(file, message, line=line, field=field))
    return out


def check_deck_file(path: Path, raw: bytes | None = None):
    """(deck or None, problems, hints) for one file (``raw``: its bytes, if read already): every problem at once,
    in plain words, with lines."""
    from pydantic import ValidationError

    from herenow.decks.schema import validate_deck

    file = str(path)
    data, text, problems = read_toml(path, raw=raw)
    if data is None:
        return None, problems, []
    index = line_index(text)
    duplicates = _duplicate_ids(file, data, index)
    try:
        deck = validate_deck(data)
        found: list[Problem] = []
    except ValidationError as exc:
        deck = None
        found = [plain(p) for p in validation_problems(file, text, exc, index=index)
                 if not (p.message.startswith("cue id ") and "is used twice" in p.message)]  # said below

    problems = sorted(found + duplicates, key=lambda p: (p.line or 0))
    return (deck if not problems else None), problems, deck_hints(file, data, text)


def missing_config_decks(config, library, config_file: str) -> list[Problem]:
    """Deck names in config.toml that no deck has: said where the config is read, not only at session start."""
    missing = [name for name in config.decks if library.get(name) is None]
    if not missing:
        return []
    line = None
    from herenow.store.files import Unreadable, read_bytes_safely

    try:
        line = locate(line_index(read_bytes_safely(Path(config_file)).decode("utf-8")), ("decks",))
    except (Unreadable, UnicodeDecodeError):
        pass
    return [Problem(config_file, f"no deck named {name!r}; it is left out (see: herenow decks list)",
                    line=line, field="decks") for name in missing]
