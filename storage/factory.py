"""Which store a database URL names, opened: ``sqlite:///path`` or ``postgresql://…``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from storage.clock import Clock, utc_now
from storage.postgres import PostgresStore
from storage.sqlite import SQLiteStore
from storage.urls import DatabaseURLError, check_postgres_url, redact_url

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite://"


@dataclass(frozen=True)
class DatabaseTarget:
    """A parsed DATABASE_URL: a SQLite file, or a PostgreSQL URL."""

    backend: Literal["sqlite", "postgresql"]
    path: Path | None = None
    url: str | None = None

    def __str__(self) -> str:
        return redact_url(f"sqlite:///{self.path}" if self.path is not None else self.url or "")


def parse_database_url(url: str) -> DatabaseTarget:
    """``sqlite:///relative.db``, ``sqlite:////absolute.db`` (SQLAlchemy's spelling), a
    bare file path, or ``postgresql://user:password@host:port/database``.

    A URL that cannot work is refused here, naming what is wrong, before any connection
    is tried (DatabaseURLError)."""
    text = url.strip()
    if text.casefold().startswith(POSTGRES_SCHEMES):
        check_postgres_url(text)
        return DatabaseTarget("postgresql", url=text)
    if text.startswith(SQLITE_SCHEME):
        rest = text[len(SQLITE_SCHEME) :]
        if not rest.startswith("/") or rest == "/":
            raise DatabaseURLError(
                f"cannot use the database URL {redact_url(text)!r}: write sqlite:///relative/file.db or "
                "sqlite:////absolute/file.db"
            )
        return DatabaseTarget("sqlite", path=Path(rest[1:]).expanduser())
    if "://" in text or not text:
        raise DatabaseURLError(
            f"cannot use the database URL {redact_url(text)!r}: it must start with sqlite:/// or postgresql://"
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
