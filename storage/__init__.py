"""Sessions, results, server settings, leases and reports behind ``Store``, one small
protocol per concern (``storage.protocol``): a SQLite file, or a PostgreSQL database
shared by several bot processes (``open_store`` picks by URL).

This package imports the advisor's models from dialogs/ and never imports discord.
"""

from storage.factory import DatabaseTarget, open_store, parse_database_url
from storage.keys import SessionKey
from storage.postgres import PostgresStore
from storage.protocol import (
    DigestSchedule,
    MemberData,
    Reports,
    ResultRecord,
    Results,
    ServerSettings,
    Sessions,
    SessionStore,
    StaleVersionError,
    Store,
    StoredSession,
    StoreError,
    StoreSchemaError,
    StoreUnavailableError,
    TaskLeases,
)
from storage.sqlite import SQLiteStore, open_sqlite_store

__all__ = [
    "DatabaseTarget",
    "DigestSchedule",
    "MemberData",
    "PostgresStore",
    "Reports",
    "ResultRecord",
    "Results",
    "SQLiteStore",
    "ServerSettings",
    "SessionKey",
    "SessionStore",
    "Sessions",
    "StaleVersionError",
    "Store",
    "StoreError",
    "StoreSchemaError",
    "StoreUnavailableError",
    "StoredSession",
    "TaskLeases",
    "open_sqlite_store",
    "open_store",
    "parse_database_url",
]
