"""Group commit: the writes that queue up while one transaction commits share the next.

A commit is the expensive part of a durable write. When many members answer at once,
their writes wait in a queue while the current transaction commits; the next
transaction takes every one of them and commits them together. A lone write is
committed at once, so a quiet bot pays no extra latency.

Each write is acknowledged (its awaiting caller resumes) only after the COMMIT that
holds it has returned, so an acknowledged answer survives a crash of the process.
Writes of one kind that are cheap to do together (a member's session save) can be
queued as *bulk* writes: one function then applies all of that kind waiting in the
transaction in a couple of statements, instead of one round trip to the database
thread each.

A write that fails on its own terms (a stale version, a constraint) is rolled back to
its savepoint and fails alone; a failure of the database itself (disk full, read-only,
corrupt, locked past the busy timeout) rolls the whole transaction back and every write
in it fails with the same explained error, so nothing is ever half-written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

T = TypeVar("T")
Operation = Callable[[aiosqlite.Connection], Awaitable[T]]
# What one write came to: (True, its value) or (False, the exception for its caller).
WriteOutcome = tuple[bool, Any]
# Applies many writes of one kind at once; one outcome per item, in order. Each item
# must change the database in one statement's worth of atomic work (or not at all).
BulkOperation = Callable[[aiosqlite.Connection, list[Any]], Awaitable[list[WriteOutcome]]]


@dataclass(eq=False)
class _Write:
    operation: Operation[Any] | None
    # A write of one statement (plus reads) cannot be half-done, so it needs no
    # savepoint of its own; that saves two round trips.
    single_statement: bool = False
    bulk: BulkOperation | None = None
    item: Any = None
    # How to run this write when it is alone: a single statement, committed by itself
    # (autocommit), which spares a lone member's click three round trips.
    alone: Operation[Any] | None = None
    done: asyncio.Future[Any] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    outcome: WriteOutcome | None = None


class GroupCommitter:
    """Runs queued writes on one connection, as many per transaction as are waiting."""

    def __init__(
        self,
        db: aiosqlite.Connection,
        lock: asyncio.Lock,
        explain: Callable[[sqlite3.Error], Exception],
    ) -> None:
        self._db = db
        self._lock = lock
        self._explain = explain
        self._queue: asyncio.Queue[_Write] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._closed = False
        # Transactions committed and the writes they kept, for tests and the benchmark.
        self.transactions = 0
        self.writes = 0

    async def write(self, operation: Operation[T], *, single_statement: bool = False) -> T:
        """Run ``operation`` in the next transaction; return its value once committed."""
        write = _Write(operation, single_statement, alone=operation if single_statement else None)
        result: T = await self._enqueue(write)
        return result

    async def write_in_bulk(self, bulk: BulkOperation, item: Any, *, alone: Operation[T]) -> T:
        """Queue ``item`` for ``bulk``, which applies every such item of the transaction at
        once; ``alone`` is the single statement that does the same for this item by itself."""
        result: T = await self._enqueue(_Write(None, bulk=bulk, item=item, alone=alone))
        return result

    async def _enqueue(self, write: _Write) -> Any:
        if self._closed:
            raise RuntimeError("the store is closed")
        self._queue.put_nowait(write)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="sqlite-group-commit")
        # The caller may be cancelled while waiting; the write still commits or fails
        # as a whole with its transaction, it just goes unacknowledged.
        return await asyncio.shield(write.done)

    async def close(self) -> None:
        """Commit what is queued, then stop taking writes."""
        self._closed = True
        if self._worker is not None and not self._worker.done():
            await self._worker
        self._worker = None

    async def _run(self) -> None:
        # Runs while writes are waiting and then ends, so no idle task outlives the work
        # (and keeps the connection, and its thread, alive after a caller forgot close()).
        while not self._queue.empty():
            batch = [self._queue.get_nowait() for _ in range(self._queue.qsize())]
            try:
                await self._commit(batch)
            except BaseException as error:  # the worker itself failed: fail the waiters, not hang them
                for write in batch:
                    if not write.done.done():
                        write.done.set_exception(
                            error if isinstance(error, Exception) else RuntimeError("store stopped")
                        )
                if not isinstance(error, Exception):
                    raise

    async def _commit(self, batch: list[_Write]) -> None:
        if len(batch) == 1 and batch[0].alone is not None:
            await self._commit_alone(batch[0], batch[0].alone)
            return
        async with self._lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                await self._apply_bulk([write for write in batch if write.bulk is not None])
                for write in batch:
                    if write.operation is not None:
                        write.outcome = await self._apply(write)
                await self._db.execute("COMMIT")
            except sqlite3.Error as error:
                await self._roll_back()
                # A warning: whoever asked for each write reports the failure to its person.
                log.warning("a transaction of %d write(s) failed and was rolled back: %s", len(batch), error)
                failure = self._explain(error)
                for write in batch:
                    write.done.set_exception(failure)
                return
            except BaseException:
                await self._roll_back()
                raise
        self.transactions += 1
        self.writes += sum(1 for write in batch if write.outcome is not None and write.outcome[0])
        for write in batch:
            assert write.outcome is not None
            succeeded, value = write.outcome
            if succeeded:
                write.done.set_result(value)
            else:
                write.done.set_exception(value)

    async def _commit_alone(self, write: _Write, statement: Operation[Any]) -> None:
        """One statement outside any transaction: SQLite commits it, or none of it, by itself."""
        async with self._lock:
            try:
                value = await statement(self._db)
            except sqlite3.IntegrityError as error:
                write.done.set_exception(self._explain(error))
                return
            except sqlite3.Error as error:
                log.warning("a write failed: %s", error)
                write.done.set_exception(self._explain(error))
                return
            except Exception as error:
                write.done.set_exception(error)
                return
        self.transactions += 1
        self.writes += 1
        write.done.set_result(value)

    async def _apply_bulk(self, writes: list[_Write]) -> None:
        groups: dict[BulkOperation, list[_Write]] = {}
        for write in writes:
            assert write.bulk is not None
            groups.setdefault(write.bulk, []).append(write)
        for bulk, group in groups.items():
            outcomes = await bulk(self._db, [write.item for write in group])
            if len(outcomes) != len(group):
                raise RuntimeError(f"a bulk write answered {len(outcomes)} of {len(group)} items")
            for write, outcome in zip(group, outcomes, strict=True):
                write.outcome = outcome

    async def _apply(self, write: _Write) -> WriteOutcome:
        """Run one write inside the open transaction; its own failure is kept for its caller."""
        assert write.operation is not None
        guarded = not write.single_statement
        if guarded:
            await self._db.execute("SAVEPOINT write")
        try:
            value = await write.operation(self._db)
        except sqlite3.IntegrityError as error:
            await self._undo(guarded)
            return False, self._explain(error)
        except sqlite3.Error:
            raise  # the database itself failed: the whole transaction goes
        except Exception as error:
            await self._undo(guarded)
            return False, error
        if guarded:
            await self._db.execute("RELEASE write")
        return True, value

    async def _undo(self, guarded: bool) -> None:
        if guarded:
            await self._db.execute("ROLLBACK TO write")
            await self._db.execute("RELEASE write")

    async def _roll_back(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self._db.in_transaction:
                await self._db.execute("ROLLBACK")
