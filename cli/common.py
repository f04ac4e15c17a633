"""What every command shares: one-line errors with their exit codes, and the settings."""

from __future__ import annotations

from pydantic import ValidationError

from advisor.settings import Settings

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A problem to report in one line, with the exit code to leave with."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def load_settings() -> Settings:
    """The settings from the environment and .env; a bad value is a usage error naming it."""
    try:
        return Settings()
    except ValidationError as error:
        problem = error.errors()[0]
        name = ".".join(str(part) for part in problem["loc"]).upper()
        raise CliError(f"setting {name} is invalid: {problem['msg']}", EXIT_USAGE) from None
