"""Configuration from the environment and ``.env`` (see .env.example)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.factory import DatabaseTarget, parse_database_url


def default_database_path() -> Path:
    """Where the database lives unless DATABASE_PATH says otherwise (XDG data folder)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "offering-advisor" / "advisor.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = None
    # DATABASE_URL names the database (sqlite:///file.db or postgresql://...); without it,
    # DATABASE_PATH names a SQLite file (the embedded default).
    database_url: SecretStr | None = None
    database_path: Path = Field(default_factory=default_database_path)
    session_expiry_days: float = Field(default=7.0, gt=0, le=3650)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    def database(self) -> DatabaseTarget:
        """The database to use: DATABASE_URL when set, else the SQLite file at DATABASE_PATH."""
        if self.database_url is not None and self.database_url.get_secret_value().strip():
            return parse_database_url(self.database_url.get_secret_value())
        return DatabaseTarget("sqlite", path=self.database_path)
