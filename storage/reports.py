"""What server staff may see: counts over a period, never a member's answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field


class GuildSettings(BaseModel):
    """A server's choices, set by its staff with /advisor-staff settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    guild_id: str
    results_channel_id: int | None = None
    interviews_in_channels: bool = True
    session_expiry_days: float | None = Field(default=None, gt=0, le=365)
    check_cooldown_seconds: float | None = Field(default=None, ge=0, le=86400)
    digest_enabled: bool = False
    # When the next weekly digest is due; stored so a restart neither skips nor repeats it.
    digest_next_at: datetime | None = None


def next_digest_after(due: datetime, every: timedelta, now: datetime) -> datetime:
    """The first run of the schedule (``due`` plus whole periods) that is after ``now``."""
    following = due + every
    while following <= now:
        following += every
    return following


@dataclass(frozen=True)
class StepDropOff:
    step_id: str
    reached: int
    left_here: int


@dataclass(frozen=True)
class ScopeReport:
    scope: str
    since: datetime | None
    until: datetime
    started: int = 0
    completed: int = 0
    cancelled: int = 0
    expired: int = 0
    restarted: int = 0
    in_progress: int = 0
    # "digital_product", "digital_service", or "hybrid:<shape>" -> count
    verdicts: dict[str, int] = field(default_factory=dict)
    # The first roadmap step of each result, most common first: (step id, title, count)
    first_steps: list[tuple[str, str, int]] = field(default_factory=list)
    dropoff: list[StepDropOff] = field(default_factory=list)
    # (ISO week start date, verdict -> count), oldest first, for the verdict-mix chart
    weekly_verdicts: list[tuple[str, dict[str, int]]] = field(default_factory=list)

    @property
    def abandoned(self) -> int:
        return self.cancelled + self.expired
