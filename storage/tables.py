"""Every table the migrations create, described once: its columns, the kind of value each
holds, and its key. ``migrate-store`` copies by it (``storage.transfer``), both stores turn
rows into the shared canonical form by it, and tests/storage/test_store_tables.py checks it against
each backend's migrated schema, so a migration that adds or drops a column must add it here.

The canonical form of a row is what both backends agree on: moments as
``storage.clock.stamp`` text, JSON as the text that was stored, flags as booleans, ids as
integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# "snowflake": the id of a Discord object, an integer in the canonical form (SQLite keeps
# it as text).
Kind = Literal["text", "int", "float", "bool", "time", "json", "snowflake"]
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, Kind], ...]
    key: tuple[str, ...]
    # Leases belong to the running processes, not to the data: a copy leaves them behind.
    copied: bool = True

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def select(self, *, text_collation: str = "") -> str:
        """SELECT every column in key order. Text keys must sort by their bytes on both
        backends (SQLite's default; ``COLLATE "C"`` in PostgreSQL), or equal tables would
        checksum differently."""
        kinds = dict(self.columns)
        order = ", ".join(f"{name}{text_collation}" if kinds[name] == "text" else name for name in self.key)
        return f"SELECT {', '.join(self.column_names)} FROM {self.name} ORDER BY {order}"


# In an order that satisfies the foreign keys (interviews before the rows that name them).
TABLES = (
    Table(
        "interviews",
        (
            ("id", "int"),
            ("user_id", "text"),
            ("scope", "text"),
            ("dialog", "text"),
            ("started_at", "time"),
            ("ended_at", "time"),
            ("outcome", "text"),
            ("last_step", "text"),
            ("last_version", "int"),
        ),
        ("id",),
    ),
    Table(
        "interview_steps",
        (("interview_id", "int"), ("step_id", "text"), ("reached_at", "time")),
        ("interview_id", "step_id"),
    ),
    Table(
        "sessions",
        (
            ("user_id", "text"),
            ("scope", "text"),
            ("dialog", "text"),
            ("version", "int"),
            ("data", "json"),
            ("step", "text"),
            ("created_at", "time"),
            ("updated_at", "time"),
            ("interview_id", "int"),
            ("expired_at", "time"),
            ("expiry_noticed", "bool"),
        ),
        ("user_id", "scope", "dialog"),
    ),
    Table(
        "results",
        (
            ("id", "int"),
            ("user_id", "text"),
            ("scope", "text"),
            ("dialog", "text"),
            ("verdict", "text"),
            ("hybrid_shape", "text"),
            ("data", "json"),
            ("shared", "bool"),
            ("created_at", "time"),
            ("progress", "json"),
            ("progress_version", "int"),
        ),
        ("id",),
    ),
    Table(
        "guild_settings",
        (
            ("guild_id", "text"),
            ("results_channel_id", "snowflake"),
            ("interviews_in_channels", "bool"),
            ("session_expiry_days", "float"),
            ("check_cooldown_seconds", "float"),
            ("digest_enabled", "bool"),
            ("digest_next_at", "time"),
            ("updated_at", "time"),
            ("check_ins_enabled", "bool"),
        ),
        ("guild_id",),
    ),
    Table("quick_checks", (("id", "int"), ("scope", "text"), ("checked_at", "time")), ("id",)),
    Table(
        "check_ins",
        (
            ("user_id", "text"),
            ("every_days", "int"),
            ("lang", "text"),
            ("next_at", "time"),
            ("stopped", "text"),
            ("sent", "int"),
            ("updated_at", "time"),
        ),
        ("user_id",),
    ),
    Table(
        "task_leases",
        (("name", "text"), ("holder", "text"), ("lease_until", "time"), ("next_run_at", "time")),
        ("name",),
        copied=False,
    ),
)

COPIED_TABLES = tuple(table for table in TABLES if table.copied)
