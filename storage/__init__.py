"""Sessions and results behind the small ``SessionStore`` protocol: a SQLite file, or a
PostgreSQL database shared by several bot processes (``open_store`` picks by URL).

This package imports the advisor's models from dialogs/ and never imports discord.
"""

from storage.factory import DatabaseTarget, open_store, parse_database_url
from storage.keys import SessionKey
from storage.postgres import PostgresStore
from storage.protocol import (
    ResultRecord,
    SessionStore,
    StaleVersionError,
    StoredSession,
    StoreError,
    StoreSchemaError,
    StoreUnavailableError,
)
from storage.sqlite import SQLiteStore, open_sqlite_store

__all__ = [
    "DatabaseTarget",
    "PostgresStore",
    "ResultRecord",
    "SQLiteStore",
    "SessionKey",
    "SessionStore",
    "StaleVersionError",
    "StoreError",
    "StoreSchemaError",
    "StoreUnavailableError",
    "StoredSession",
    "open_sqlite_store",
    "open_store",
    "parse_database_url",
]
