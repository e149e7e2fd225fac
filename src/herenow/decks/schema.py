"""The deck file's rules, as pydantic models: what ``herenow decks validate``, the workshop and the first reading
of a deck check, and the JSON Schema editors use. A checked deck becomes the plain ``herenow.decks.model.Deck``
(``to_deck``) that sessions use and the checked cache keeps, so a session never imports pydantic (issue 12).
A test keeps the two in step, field by field.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from herenow.decks.model import SCHEMA_VERSION, Cue, Deck, Phase, Prompt, derived_id, legacy_stage
from herenow.names import ID_PATTERN, NAME_PATTERN
from herenow.stages import Stage


class CueFile(BaseModel):
    """One card. ``id`` stays the same when the text is edited: records of shown and acted-on cues use it."""

    model_config = ConfigDict(extra="forbid", title="Cue")

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


class PromptFile(BaseModel):
    """One reflection prompt, at one stage of what / so what / now what."""

    model_config = ConfigDict(extra="forbid", title="Prompt")

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


def _error(loc: tuple, message: str, value: object) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError("deck", message), loc=loc, input=value)


class DeckFile(BaseModel):
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
    prompts: list[PromptFile] = Field(
        default_factory=list,
        description="Questions offered in the reflection after a session with this deck, as [[prompts]] tables.")
    cues: list[CueFile] = Field(description="The cards, as [[cues]] tables.")

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
    def _prompts_fit_together(cls, value: list[PromptFile]) -> list[PromptFile]:
        errors = []
        by_id: dict[str, PromptFile] = {}
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
    def _not_empty(cls, value: list[CueFile]) -> list[CueFile]:
        if not value:
            raise ValueError("the deck has no cues")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> DeckFile:
        seen: set[str] = set()
        for cue in self.cues:
            if cue.id is not None:
                if cue.id in seen:
                    raise ValueError(f"cue id {cue.id!r} is used twice")
                seen.add(cue.id)
        taken = set(seen)
        for cue in self.cues:
            if cue.id is None:
                cue.id = derived_id(self.name, cue.text, taken)
                cue.__pydantic_fields_set__.discard("id")
                taken.add(cue.id)
        return self


def to_deck(checked: DeckFile) -> Deck:
    """The checked file as the plain deck a session uses."""
    data = checked.model_dump()
    cues = [Cue(**cue, id_in_file="id" in model.model_fields_set) for cue, model in zip(data.pop("cues"), checked.cues)]
    prompts = [Prompt(**prompt) for prompt in data.pop("prompts")]
    return Deck(**data, prompts=prompts, cues=cues)


def validate_deck(data: Any) -> Deck:
    """``data`` (a deck file's table) checked by the rules above; raises pydantic's ValidationError."""
    return to_deck(DeckFile.model_validate(data))


def json_schema() -> str:
    """The JSON Schema of a deck file; its parts are named as the format names them (Cue, Prompt)."""
    schema = DeckFile.model_json_schema()
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    text = json.dumps(schema, indent=2)
    for model in (CueFile, PromptFile):
        text = text.replace(f'"{model.__name__}"', f'"{model.__name__[:-4]}"').replace(
            f"#/$defs/{model.__name__}", f"#/$defs/{model.__name__[:-4]}")
    return text
