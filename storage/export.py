"""What ``export_user`` hands a member: everything stored about them, as one typed
document for every backend. Its JSON form (``model_dump(mode="json")``) is the file the
member downloads, with moments written as ``storage.clock.stamp`` text."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

from dialogs.verdict import Classification
from storage.clock import stamp

Moment = Annotated[datetime, PlainSerializer(stamp, return_type=str, when_used="json")]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExportedSession(_Part):
    """An interview in progress."""

    scope: str
    dialog: str
    version: int
    started_at: Moment
    updated_at: Moment
    # The interview as stored, so the member sees exactly what is kept.
    session: dict[str, Any]


class ExportedResult(_Part):
    """A completed interview's result."""

    id: int
    scope: str
    dialog: str
    created_at: Moment
    shared: bool
    result: Classification
    # The roadmap as the member's checklist: step id -> doing, done or skipped (a step not
    # named is still to do).
    roadmap_progress: dict[str, str] = {}


class ExportedProgress(_Part):
    """What the summaries count of one interview: when, how it ended, the steps it reached."""

    scope: str
    started_at: Moment
    ended_at: Moment | None
    outcome: str | None
    last_step: str | None
    steps_reached: list[str]


class ExportedCheckIns(_Part):
    """The check-ins the member asked for: how often, in which language, when the next
    one is due (none once they stopped, and then why)."""

    every_days: int
    lang: str
    next_at: Moment | None
    stopped: str | None
    sent: int


class MemberExport(_Part):
    user_id: str
    exported_at: Moment
    sessions_in_progress: list[ExportedSession]
    # Oldest first.
    results: list[ExportedResult]
    interview_progress: list[ExportedProgress]
    check_ins: ExportedCheckIns | None = None
