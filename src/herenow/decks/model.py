"""The cue deck format: pydantic models of a deck file, its validation, gentle hints, TOML and JSON Schema."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from herenow.names import ID_PATTERN, NAME_PATTERN
from herenow.problems import Problem

SCHEMA_VERSION = 1
Phase = Literal["opening", "middle", "closing", "any"]
PHASES: tuple[str, ...] = ("opening", "middle", "closing", "any")
GLANCE_WORDS = 12
_ORDER_STARTS = re.compile(
    r"^\s*(you (must|should|need to|have to)|tell (the|your) client|make (the|them|sure)|don'?t|do not|stop|"
    r"always|never|ask (the|them)|get (the|them)|push)\b",
    re.IGNORECASE,
)


class Cue(BaseModel):
    """One card. ``id`` stays the same when the text is edited: records of shown and acted-on cues use it."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="Stable id; written once by the app if missing. Keep it when you edit the text.",
    )
    text: str = Field(description="What shows on the card: a question or invitation, 12 words or fewer.")
    detail: str = Field(default="", description="A sentence or two for trainees, shown on demand.")
    phase: Phase = Field(default="any", description="When in the session the cue fits.")
    weight: float = Field(default=1.0, gt=0, le=100, description="Relative frequency; 2.0 shows twice as often.")
    tags: list[str] = Field(default_factory=list)

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("is empty: a cue needs some text")
        return value

    @field_validator("detail")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class Deck(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"title": "herenow cue deck"})

    schema_version: Literal[1] = Field(default=SCHEMA_VERSION, description="Version of the deck file format.")
    name: str = Field(pattern=NAME_PATTERN, description="Short name: lowercase letters, digits and hyphens.")
    title: str = Field(min_length=1)
    description: str = ""
    version: str = "1.0"
    language: str = "en"
    author: str | None = None
    reflection_prompts: list[str] = Field(
        default_factory=list, description="Questions offered in the reflection after a session with this deck."
    )
    cues: list[Cue] = Field(description="The cards, as [[cues]] tables.")

    @field_validator("cues")
    @classmethod
    def _not_empty(cls, value: list[Cue]) -> list[Cue]:
        if not value:
            raise ValueError("the deck has no cues")
        return value

    @field_validator("reflection_prompts")
    @classmethod
    def _prompts_clean(cls, value: list[str]) -> list[str]:
        return [prompt.strip() for prompt in value if prompt.strip()]

    @model_validator(mode="after")
    def _unique_ids(self) -> Deck:
        seen: set[str] = set()
        for cue in self.cues:
            if cue.id is not None:
                if cue.id in seen:
                    raise ValueError(f"cue id {cue.id!r} is used twice")
                seen.add(cue.id)
        taken = set(seen)
        for cue in self.cues:
            if cue.id is None:
                cue.id = _derived_id(self.name, cue.text, taken)
                cue.__pydantic_fields_set__.discard("id")
                taken.add(cue.id)
        return self


def _derived_id(deck_name: str, text: str, taken: set[str]) -> str:
    digest = hashlib.sha1(f"{deck_name}\n{text}".encode()).hexdigest()
    candidate = f"c{digest[:8]}"
    n = 2
    while candidate in taken:
        candidate = f"c{digest[:8]}-{n}"
        n += 1
    return candidate


def hints(deck: Deck, file: str = "") -> list[Problem]:
    """Gentle advice that does not make a deck invalid: long cues, cues that read like orders."""
    out = []
    for number, cue in enumerate(deck.cues, start=1):
        words = len(cue.text.split())
        if words > GLANCE_WORDS:
            out.append(Problem(file, f"{words} words; a glance takes about {GLANCE_WORDS}", field=f"cues[{number}].text"))
        if _ORDER_STARTS.match(cue.text):
            out.append(Problem(file, "reads like an order; perhaps phrase it as a question or invitation",
                               field=f"cues[{number}].text"))
    if len(deck.reflection_prompts) < 1:
        out.append(Problem(file, "no reflection prompts; the defaults will be used", field="reflection_prompts"))
    return out


def deck_to_toml(deck: Deck) -> str:
    """The deck as TOML, every cue with its id written out."""
    import tomli_w

    data = deck.model_dump(exclude_none=True)
    for cue in data["cues"]:
        if not cue.get("detail"):
            cue.pop("detail", None)
        if not cue.get("tags"):
            cue.pop("tags", None)
        if cue.get("weight") == 1.0:
            cue.pop("weight")
    ordered = {key: data[key] for key in Deck.model_fields if key in data}
    return tomli_w.dumps(ordered, multiline_strings=False)


def json_schema() -> str:
    schema = Deck.model_json_schema()
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return json.dumps(schema, indent=2)
