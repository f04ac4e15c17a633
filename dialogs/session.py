"""A member's interview in progress: plain data, persisted as JSON by storage/."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

# Bump when the shape of Session changes, and teach ``upgrade_session_data`` the step.
SESSION_SCHEMA_VERSION: Literal[1] = 1


class SessionSchemaError(ValueError):
    """Stored session data is from a newer release or is not a session at all."""


class Status(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Answer(BaseModel):
    """One step's answer: chosen option ids, free text, or an explicit skip."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    options: tuple[str, ...] = ()
    text: str | None = None
    skipped: bool = False


class Session(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = SESSION_SCHEMA_VERSION
    dialog_id: str
    bank_version: int
    status: Status = Status.ACTIVE
    # The step being asked; None once the interview is completed or cancelled.
    current: str | None
    answers: dict[str, Answer] = {}
    # Steps in the order they were answered, so that "back" undoes the latest.
    trail: tuple[str, ...] = ()

    @field_validator("schema_version", mode="before")
    @classmethod
    def _json_schema_version_is_an_integer(cls, version: object, info: ValidationInfo) -> object:
        # ``upgrade_session_data`` refuses a version that is not an integer (1.0) before a
        # dict is validated; ``load_session_json`` validates JSON text without it, so JSON
        # gets the same refusal here (and then takes the upgrade path, which explains it).
        if info.mode == "json" and not isinstance(version, int):
            raise ValueError("the schema version is not an integer")
        return version

    @field_validator("trail")
    @classmethod
    def _trail_is_unique(cls, trail: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(trail)) != len(trail):
            raise ValueError("a step appears twice in the trail")
        return trail

    @property
    def is_active(self) -> bool:
        return self.status is Status.ACTIVE


def upgrade_session_data(data: object) -> dict[str, object]:
    """Bring stored session data up to the current schema, or refuse it clearly.

    Only schema 1 exists so far; an older shape would be converted here, step by step.
    """
    if not isinstance(data, dict):
        raise SessionSchemaError("stored session is not a JSON object")
    version = data.get("schema_version", SESSION_SCHEMA_VERSION)
    if not isinstance(version, int) or version > SESSION_SCHEMA_VERSION:
        raise SessionSchemaError(
            f"stored session has schema {version!r}; this release reads up to "
            f"{SESSION_SCHEMA_VERSION}. Upgrade offering-advisor to continue it."
        )
    return data


def load_session(data: object) -> Session:
    return Session.model_validate(upgrade_session_data(data))


def load_session_json(text: str | bytes) -> Session:
    """``load_session(json.loads(text))``, the same session or the same error, faster.

    Reading a stored session is on every member message's path. A session of the
    current schema (nearly every read) is validated by pydantic straight from the text,
    without building Python dicts first; whatever that refuses takes the long way
    through ``upgrade_session_data``, so an older schema is upgraded and bad data fails
    with exactly the error it always did.
    """
    try:
        return Session.model_validate_json(text)
    except ValidationError:
        return load_session(json.loads(text))
