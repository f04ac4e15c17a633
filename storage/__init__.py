"""Sessions and results on disk, behind the small ``SessionStore`` protocol.

This package imports the advisor's models from dialogs/ and never imports discord.
"""

from storage.keys import SessionKey
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
]
