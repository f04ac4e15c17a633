"""Which store a database URL names, opened: ``sqlite:///path`` or ``postgresql://…``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from storage.clock import Clock, utc_now
from storage.postgres import PostgresStore, redacted
from storage.protocol import StoreUnavailableError
from storage.sqlite import SQLiteStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite://"


@dataclass(frozen=True)
class DatabaseTarget:
    """A parsed DATABASE_URL: a SQLite file, or a PostgreSQL URL."""

    backend: Literal["sqlite", "postgresql"]
    path: Path | None = None
    url: str | None = None

    def __str__(self) -> str:
        return f"sqlite:///{self.path}" if self.path is not None else redacted(self.url or "")


def parse_database_url(url: str) -> DatabaseTarget:
    """``sqlite:///relative.db``, ``sqlite:////absolute.db`` (SQLAlchemy's spelling), a
    bare file path, or ``postgresql://user:password@host:port/database``."""
    text = url.strip()
    if text.startswith(POSTGRES_SCHEMES):
        return DatabaseTarget("postgresql", url=text)
    if text.startswith(SQLITE_SCHEME):
        rest = text[len(SQLITE_SCHEME) :]
        if not rest.startswith("/") or rest == "/":
            raise StoreUnavailableError(
                f"cannot use the database URL {text!r}: write sqlite:///relative/file.db or "
                "sqlite:////absolute/file.db"
            )
        return DatabaseTarget("sqlite", path=Path(rest[1:]).expanduser())
    if "://" in text or not text:
        raise StoreUnavailableError(
            f"cannot use the database URL {redacted(text)!r}: it must start with sqlite:/// or postgresql://"
        )
    return DatabaseTarget("sqlite", path=Path(text).expanduser())


async def open_store(target: DatabaseTarget | str, *, clock: Clock = utc_now) -> SQLiteStore | PostgresStore:
    """Open (creating and migrating as needed) the store a URL or path names."""
    if isinstance(target, str):
        target = parse_database_url(target)
    if target.path is not None:
        return await SQLiteStore.open(target.path, clock=clock)
    assert target.url is not None
    return await PostgresStore.open(target.url, clock=clock)
