"""The cue deck as a session uses it: plain dataclasses, gentle hints, TOML out.

The file's rules (and the JSON Schema) are pydantic models in ``herenow.decks.schema``; a deck is checked there
once and kept as plain data in the checked cache, so a session starts without pydantic (issue 12).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from herenow.problems import Problem, toml_ready
from herenow.stages import STAGE_LABELS, STAGES, Stage  # noqa: F401 - the deck format's stages, for its users

SCHEMA_VERSION = 2
Phase = Literal["opening", "middle", "closing", "any"]
PHASES: tuple[str, ...] = ("opening", "middle", "closing", "any")
GLANCE_WORDS = 12
_ORDER_STARTS = re.compile(
    r"^\s*(you (must|should|need to|have to)|tell (the|your) client|make (the|them|sure)|don'?t|do not|stop|"
    r"always|never|ask (the|them)|get (the|them)|push)\b",
    re.IGNORECASE,
)


@dataclass(kw_only=True)
class Cue:
    """One card. ``id`` stays the same when the text is edited: records of shown and acted-on cues use it."""

    id: str | None = None
    text: str = ""
    detail: str = ""
    phase: str = "any"
    weight: float = 1.0
    tags: list[str] = field(default_factory=list)
    first_session: bool = False  # shown only in a session marked as a first session
    # False when the app derived the id (the file has none yet): saving writes it out.
    id_in_file: bool = field(default=True, compare=False, repr=False)


@dataclass(kw_only=True)
class Prompt:
    """One reflection prompt, at one stage of what / so what / now what."""

    id: str = ""
    stage: str = "what"
    follows: str | None = None
    text: str = ""


@dataclass(kw_only=True)
class Deck:
    schema_version: int = SCHEMA_VERSION
    name: str = ""
    title: str = ""
    description: str = ""
    version: str = "1.0"
    language: str = "en"
    author: str | None = None
    sources: list[str] = field(default_factory=list)
    prompts: list[Prompt] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)

    def prompts_at(self, stage: str) -> list[Prompt]:
        return [p for p in self.prompts if p.stage == stage]

    def ids_missing_in_file(self) -> bool:
        return not all(cue.id_in_file for cue in self.cues)

    def data(self) -> dict[str, Any]:
        """Plain data, for the checked cache."""
        return asdict(self)

    def file_data(self) -> dict[str, Any]:
        """The deck as its file's table would hold it, every cue id written out (for copies and saving)."""
        data = self.data()
        for cue in data["cues"]:
            del cue["id_in_file"]
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Deck:
        """The inverse of ``data``, for data that was checked when it was made (the cache)."""
        data = dict(data)
        return cls(**data | {"prompts": [Prompt(**p) for p in data["prompts"]],
                             "cues": [Cue(**c) for c in data["cues"]]})


def legacy_stage(position: int) -> str:
    """The stage a schema 1 prompt gets: in order, what, so-what, now-what, then round again.

    Version 1 decks (and the old default prompts) listed their prompts in that order, so a legacy deck still
    offers all three stages when it has three prompts or more.
    """
    return STAGES[position % len(STAGES)]


def derived_id(deck_name: str, text: str, taken: set[str]) -> str:
    digest = hashlib.sha1(f"{deck_name}\n{text}".encode()).hexdigest()
    candidate = f"c{digest[:8]}"
    n = 2
    while candidate in taken:
        candidate = f"c{digest[:8]}-{n}"
        n += 1
    return candidate


_PUNCTUATION = re.compile(r"[^\w\s]")


def normalised(text: str) -> str:
    """A cue's text for comparing: lowercase, punctuation gone, spaces collapsed (so near-copies match)."""
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


def reads_like_order(text: str) -> bool:
    return bool(_ORDER_STARTS.match(text))


def hints(deck: Deck, file: str = "") -> list[Problem]:
    """Gentle advice that does not make a deck invalid: long cues, cues that read like orders, missing stages."""
    out = []
    for number, cue in enumerate(deck.cues, start=1):
        words = len(cue.text.split())
        if words > GLANCE_WORDS:
            out.append(Problem(file, f"{words} words; a glance takes about {GLANCE_WORDS}", field=f"cues[{number}].text"))
        if _ORDER_STARTS.match(cue.text):
            out.append(Problem(file, "reads like an order; perhaps phrase it as a question or invitation",
                               field=f"cues[{number}].text"))
    seen: dict[str, int] = {}
    for number, cue in enumerate(deck.cues, start=1):
        key = normalised(cue.text)
        if key in seen:
            out.append(Problem(file, f"the same text as cues[{seen[key]}]; a session shows it only once",
                               field=f"cues[{number}].text"))
        else:
            seen[key] = number
    if not deck.prompts:
        out.append(Problem(file, "no reflection prompts; the defaults will be used", field="prompts"))
    else:
        missing = [s for s in STAGES if not deck.prompts_at(s)]
        if missing:
            out.append(Problem(file, f"no {' or '.join(repr(s) for s in missing)} prompt; the defaults fill in",
                               field="prompts"))
    if deck.schema_version == 1:
        out.append(Problem(file, "version 1 format: its prompts were given stages in order (what, so-what, "
                                 "now-what, again); saving writes version 2", field="schema_version"))
    return out


def deck_to_toml(deck: Deck) -> str:
    """The deck as TOML, every cue with its id written out."""
    import tomli_w

    data = toml_ready(deck.file_data())
    for cue in data["cues"]:
        if not cue.get("detail"):
            cue.pop("detail", None)
        if not cue.get("tags"):
            cue.pop("tags", None)
        if cue.get("weight") == 1.0:
            cue.pop("weight")
        if not cue.get("first_session"):
            cue.pop("first_session", None)
    data["schema_version"] = SCHEMA_VERSION
    if not data.get("sources"):
        data.pop("sources", None)
    ordered = {f.name: data[f.name] for f in fields(Deck) if f.name in data}
    return tomli_w.dumps(ordered, multiline_strings=False)
