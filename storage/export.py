"""What ``export_user`` hands a member: everything stored about them, in one shape for
every backend (moments as ``storage.clock.stamp`` text)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from storage.clock import stamp
from storage.protocol import ResultRecord

# (scope, dialog, version, session JSON, started at, updated at)
SessionRow = tuple[str, str, int, str, str, str]
# (scope, started at, ended at or None, outcome or None, last step or None, "step,step,...")
ProgressRow = tuple[str, str, str | None, str | None, str | None, str | None]


def member_export(
    user_id: str,
    exported_at: str,
    sessions: Iterable[SessionRow],
    results_newest_first: Sequence[ResultRecord],
    progress: Iterable[ProgressRow],
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "exported_at": exported_at,
        "sessions_in_progress": [
            {
                "scope": scope,
                "dialog": dialog,
                "version": version,
                "started_at": started_at,
                "updated_at": updated_at,
                "session": json.loads(data),
            }
            for scope, dialog, version, data, started_at, updated_at in sessions
        ],
        "results": [
            {
                "id": record.id,
                "scope": record.key.scope,
                "dialog": record.key.dialog,
                "created_at": stamp(record.created_at),
                "shared": record.shared,
                "result": record.result.model_dump(mode="json"),
            }
            for record in reversed(results_newest_first)
        ],
        "interview_progress": [
            {
                "scope": scope,
                "started_at": started_at,
                "ended_at": ended_at,
                "outcome": outcome,
                "last_step": last_step,
                "steps_reached": steps.split(",") if steps else [],
            }
            for scope, started_at, ended_at, outcome, last_step, steps in progress
        ],
    }
