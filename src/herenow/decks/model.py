"""The cue deck format: pydantic models of a deck file, its validation, gentle hints, TOML and JSON Schema."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from herenow.names import ID_PATTERN, NAME_PATTERN
from herenow.problems import Problem
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
    first_session: bool = Field(default=False, description="Shown only in a session marked as a first session.")

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


class Prompt(BaseModel):
    """One reflection prompt, at one stage of what / so what / now what."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, description="Stable id, unique in the deck.")
    stage: Stage = Field(description='"what" happened, "so-what" it meant, "now-what" I will do with it.')
    follows: str | None = Field(default=None, description='Optional: id of the "what" prompt this one refers to.')
    text: str = Field(description="A first-person question for the therapist.")

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("is empty: a prompt needs some text")
        return value


def legacy_stage(position: int) -> str:
    """The stage a schema 1 prompt gets: in order, what, so-what, now-what, then round again.

    Version 1 decks (and the old default prompts) listed their prompts in that order, so a legacy deck still
    offers all three stages when it has three prompts or more.
    """
    return STAGES[position % len(STAGES)]


def _error(loc: tuple, message: str, value: object) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError("deck", message), loc=loc, input=value)


class Deck(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"title": "herenow cue deck"})

    schema_version: Literal[1, 2] = Field(
        default=SCHEMA_VERSION,
        description="Version of the deck file format. Version 1 files (reflection_prompts = [...]) still load.")
    name: str = Field(pattern=NAME_PATTERN, description="Short name: lowercase letters, digits and hyphens.")
    title: str = Field(min_length=1)
    description: str = ""
    version: str = "1.0"
    language: str = "en"
    author: str | None = None
    sources: list[str] = Field(default_factory=list, description="Where the deck's ideas come from.")
    prompts: list[Prompt] = Field(
        default_factory=list,
        description="Questions offered in the reflection after a session with this deck, as [[prompts]] tables.")
    cues: list[Cue] = Field(description="The cards, as [[cues]] tables.")

    @model_validator(mode="before")
    @classmethod
    def _upgrade_version_1(cls, data: object) -> object:
        """A version 1 deck: its ``reflection_prompts`` strings become prompts with stages (see ``legacy_stage``)."""
        if not isinstance(data, dict):
            return data
        legacy = data.get("reflection_prompts")
        version = data.get("schema_version", 1 if legacy is not None else SCHEMA_VERSION)
        if legacy is None:
            if version == 1 and "prompts" in data:
                raise ValidationError.from_exception_data(cls.__name__, [_error(
                    ("prompts",), "[[prompts]] tables need schema_version = 2", data["prompts"])])
            return data
        if version != 1:
            raise ValidationError.from_exception_data(cls.__name__, [_error(
                ("reflection_prompts",), "is the version 1 format; with schema_version = 2 use [[prompts]] tables",
                legacy)])
        if not isinstance(legacy, list) or not all(isinstance(p, str) for p in legacy):
            raise ValidationError.from_exception_data(cls.__name__, [_error(
                ("reflection_prompts",), "should be a list of strings", legacy)])
        data = dict(data)
        del data["reflection_prompts"]
        if "prompts" in data:
            raise ValidationError.from_exception_data(cls.__name__, [_error(
                ("prompts",), "[[prompts]] tables need schema_version = 2", data["prompts"])])
        texts = [p.strip() for p in legacy if p.strip()]
        data["prompts"] = [{"id": f"p{i + 1}", "stage": legacy_stage(i), "text": t} for i, t in enumerate(texts)]
        data["schema_version"] = 1
        return data

    @field_validator("prompts")
    @classmethod
    def _prompts_fit_together(cls, value: list[Prompt]) -> list[Prompt]:
        errors = []
        by_id: dict[str, Prompt] = {}
        for i, prompt in enumerate(value):
            if prompt.id in by_id:
                errors.append(_error((i, "id"), f"prompt id {prompt.id!r} is used twice", prompt.id))
            else:
                by_id[prompt.id] = prompt
        for i, prompt in enumerate(value):
            if prompt.follows is None:
                continue
            target = by_id.get(prompt.follows)
            if target is None:
                errors.append(_error((i, "follows"), f"no prompt in this deck has the id {prompt.follows!r}",
                                     prompt.follows))
            elif target.stage != "what":
                errors.append(_error((i, "follows"), f"{prompt.follows!r} is a {target.stage!r} prompt; "
                                     "follows names a \"what\" prompt", prompt.follows))
            elif prompt.stage == "what":
                errors.append(_error((i, "follows"), "a \"what\" prompt follows nothing; only so-what and "
                                     "now-what prompts can follow one", prompt.follows))
        if errors:
            raise ValidationError.from_exception_data("Deck", errors)
        return value

    @field_validator("cues")
    @classmethod
    def _not_empty(cls, value: list[Cue]) -> list[Cue]:
        if not value:
            raise ValueError("the deck has no cues")
        return value

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

    def prompts_at(self, stage: str) -> list[Prompt]:
        return [p for p in self.prompts if p.stage == stage]

    def ids_missing_in_file(self) -> bool:
        return any("id" not in cue.model_fields_set for cue in self.cues)


def _derived_id(deck_name: str, text: str, taken: set[str]) -> str:
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

    data = deck.model_dump(exclude_none=True)
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
    ordered = {key: data[key] for key in Deck.model_fields if key in data}
    return tomli_w.dumps(ordered, multiline_strings=False)


def json_schema() -> str:
    schema = Deck.model_json_schema()
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return json.dumps(schema, indent=2)
