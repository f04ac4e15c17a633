"""Copying every record from one store to another (``offering-advisor migrate-store``).

Both backends read and write the same canonical rows of the tables ``storage.tables``
describes. The source is read once, inside one read transaction (a consistent snapshot),
and written into the target inside one write transaction, so a copy that fails halfway
leaves the target as it was. Afterwards the target is read back and its row counts and
content checksums (SHA-256 over the canonical rows, in key order) must equal the
source's, or the copy is reported as failed.

Copied: interviews in progress, results, server settings, and the interview history the
summaries count and the version numbering relies on (``interviews``,
``interview_steps``). Not copied: the leases of background tasks, which belong to
running processes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from storage.protocol import StoreError
from storage.tables import COPIED_TABLES, Row, Table

BATCH_ROWS = 1000

# What a copy carries, in the order it writes them.
TABLES = COPIED_TABLES

Batches = AsyncIterator[tuple[Table, list[Row]]]
# (member, place, dialog, interview id): $1-$4 of storage.sql.LINK_SESSION.
SessionLink = tuple[str, str, str, int]


class Transferable(Protocol):
    """What a store offers for a copy: its rows out, a whole set of rows in."""

    def dump(self, batch_rows: int = BATCH_ROWS) -> Batches:
        """Every table of ``TABLES`` in order, as canonical rows sorted by key, from one
        consistent snapshot."""
        ...

    async def replace_all(self, batches: Batches) -> None:
        """Delete every copied table's rows and write ``batches`` instead, in one
        transaction."""
        ...

    async def row_counts(self) -> dict[str, int]: ...


def unlink_sessions(table: Table, rows: list[Row]) -> tuple[list[Row], list[SessionLink]]:
    """A target writes sessions without their interview, and links them once every row is
    in: the link is what fires the progress triggers, and the copied interviews already
    hold what those would write. Returns ``rows`` so unlinked, and the links to set."""
    if table.name != "sessions":
        return rows, []
    names = table.column_names
    user, scope, dialog, at = (names.index(name) for name in ("user_id", "scope", "dialog", "interview_id"))
    links = [(row[user], row[scope], row[dialog], row[at]) for row in rows if row[at] is not None]
    return [(*row[:at], None, *row[at + 1 :]) for row in rows], links


class TransferError(StoreError):
    """The copy was refused or did not verify; the message says which and why."""


@dataclass
class TableTally:
    rows: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    def add(self, rows: list[Row]) -> None:
        self.rows += len(rows)
        for row in rows:
            # One JSON line per row: unambiguous, and equal for equal canonical values.
            self.digest.update(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode())
            self.digest.update(b"\n")

    @property
    def checksum(self) -> str:
        return str(self.digest.hexdigest())


@dataclass(frozen=True)
class TransferReport:
    """Per table: (rows, checksum) as read from the source, and as read back from the target."""

    source: dict[str, tuple[int, str]]
    target: dict[str, tuple[int, str]]

    @property
    def verified(self) -> bool:
        return self.source == self.target


async def tally(store: Transferable) -> dict[str, tuple[int, str]]:
    """Row counts and checksums of every copied table."""
    tallies = {table.name: TableTally() for table in TABLES}
    async for table, rows in store.dump():
        tallies[table.name].add(rows)
    return {name: (t.rows, t.checksum) for name, t in tallies.items()}


async def copy_store(source: Transferable, target: Transferable, *, force: bool = False) -> TransferReport:
    """Copy every record from ``source`` into ``target`` and verify the copy.

    A target that holds any record is refused unless ``force``; with ``force`` its
    records are replaced. Raises TransferError when refused or when the copy read back
    from the target differs from the source.
    """
    held = {name: count for name, count in (await target.row_counts()).items() if count}
    if held and not force:
        listed = ", ".join(f"{count} {name}" for name, count in held.items())
        raise TransferError(
            f"the target database is not empty ({listed}); nothing was copied. Use --force to "
            "replace what it holds"
        )
    tallies = {table.name: TableTally() for table in TABLES}
    dumped = source.dump()

    async def counted() -> AsyncGenerator[tuple[Table, list[Row]], None]:
        async for table, rows in dumped:
            tallies[table.name].add(rows)
            yield table, rows

    batches = counted()
    try:
        await target.replace_all(batches)
    finally:
        # A target that stops reading halfway (its write failed) would leave the source's
        # snapshot open: the SQLite store's lock held, or a pooled PostgreSQL connection
        # that closing the store then waits for forever. End the read here, either way.
        await batches.aclose()
        if isinstance(dumped, AsyncGenerator):
            await dumped.aclose()
    report = TransferReport(
        source={name: (t.rows, t.checksum) for name, t in tallies.items()},
        target=await tally(target),
    )
    if not report.verified:
        differing = [name for name in report.source if report.source[name] != report.target.get(name)]
        raise TransferError(
            f"the copy does not match the source in {', '.join(differing)}; the target holds "
            "a copy that must not be used"
        )
    return report
