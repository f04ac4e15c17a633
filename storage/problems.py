"""A pydantic ValidationError in words fit for a log line: where the data went wrong and
the rule it broke, never the value itself (stored records hold members' answers)."""

from __future__ import annotations

from pydantic import ValidationError


def first_problem(error: ValidationError) -> str:
    """``answers.stage.note: Extra inputs are not permitted (and 2 more)``."""
    problems = error.errors(include_url=False, include_input=False, include_context=False)
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"]) or "the record"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}: {first['msg']}{more}"
