"""A server's settings, chosen by its staff: the one model that checks them at the
command, at the write and at the read, and how a stored row that fails it is read."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storage.problems import first_problem

log = logging.getLogger(__name__)

# What staff may choose, in one place: the model below checks it at the command, at the
# write and at the read, and the slash command offers the same ranges.
EXPIRY_DAYS_RANGE = (1, 90)
CHECK_COOLDOWN_SECONDS_RANGE = (0, 3600)


class GuildSettings(BaseModel):
    """A server's choices, set by its staff with /advisor-staff settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    guild_id: str
    results_channel_id: int | None = Field(default=None, gt=0)
    interviews_in_channels: bool = True
    session_expiry_days: float | None = Field(
        default=None, ge=EXPIRY_DAYS_RANGE[0], le=EXPIRY_DAYS_RANGE[1], allow_inf_nan=False
    )
    check_cooldown_seconds: float | None = Field(
        default=None,
        ge=CHECK_COOLDOWN_SECONDS_RANGE[0],
        le=CHECK_COOLDOWN_SECONDS_RANGE[1],
        allow_inf_nan=False,
    )
    digest_enabled: bool = False
    # When the next weekly digest is due; stored so a restart neither skips nor repeats it.
    digest_next_at: datetime | None = None
    # Whether members here may ask for roadmap check-ins by direct message.
    check_ins_enabled: bool = True

    def with_changes(self, **changes: Any) -> GuildSettings:
        """These settings with ``changes`` applied, validated (``model_copy`` is not), so an
        out-of-range value raises ValidationError instead of reaching the database."""
        return GuildSettings.model_validate({**self.model_dump(), **changes})

    def validated(self) -> GuildSettings:
        """The same settings, checked again: a store calls this before it writes."""
        return GuildSettings.model_validate(self.model_dump())


# (server, problem) pairs already logged, so a bad row is reported once per process, not
# at every read (the digest check reads every server's settings each minute).
_reported: set[tuple[str, str]] = set()


def read_settings(guild_id: str, build: Callable[[], GuildSettings]) -> GuildSettings:
    """A server's stored settings as ``build`` maps them from its row; a row that does not
    validate (written by hand, or by an older release that checked less) is logged once,
    and that server gets the defaults: one server's data never stops the bot."""
    try:
        return build()
    except (ValueError, TypeError) as error:
        problem = first_problem(error) if isinstance(error, ValidationError) else str(error)
        if (guild_id, problem) not in _reported:
            _reported.add((guild_id, problem))
            log.warning(
                "server %s: its stored settings are invalid (%s); using the defaults until its "
                "staff save new ones",
                guild_id,
                problem,
            )
        return GuildSettings(guild_id=guild_id)


def next_run_after(due: datetime, every: timedelta, now: datetime) -> datetime:
    """The first run of the schedule (``due`` plus whole periods) that is after ``now``."""
    following = due + every
    while following <= now:
        following += every
    return following
