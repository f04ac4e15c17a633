"""pytest plugin: a real PostgreSQL server for the PostgreSQL store's tests.

Fixtures:
- `postgres_server_url` (session): the server's URL, `postgresql://advisor@127.0.0.1:PORT/postgres`.
  It is $OFFERING_ADVISOR_TEST_POSTGRES when set (what `.ci/run` does), else a throwaway server
  started by scripts/throwaway_postgres.py for this session and stopped at its end.
- `postgres_url` (function): the same server with `?search_path=t_<hex>`, a schema of the
  test's own that is dropped afterwards, so tests share one server without seeing each other.

Without a server the tests that use them skip with a one-line reason on a developer's
machine, but fail when CI=true: CI must never pass by quietly testing nothing.

Use from a conftest with `pytest_plugins = ["tests.postgres"]`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib.util
import os
import secrets
import shutil
import sys
import tempfile
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import NoReturn, TypeVar

import asyncpg
import pytest
import pytest_asyncio

URL_ENV = "OFFERING_ADVISOR_TEST_POSTGRES"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "throwaway_postgres.py"
CONNECT_TIMEOUT_SECONDS = 10
# A test that leaves a transaction open on its schema would make the DROP wait forever.
DROP_LOCK_TIMEOUT = "10s"

T = TypeVar("T")


def load_throwaway_postgres() -> ModuleType:
    """scripts/ is a folder of scripts, not a package, so the module is loaded by path."""
    name = "throwaway_postgres"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered before running it, as dataclasses look their module up while it loads.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def unavailable(reason: str) -> NoReturn:
    """Fail in CI, skip elsewhere; the reason stays on one line either way."""
    reason = " ".join(reason.split())
    if in_ci():
        pytest.fail(f"PostgreSQL is required when CI=true: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


def run_in_own_loop(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine from synchronous code, on a thread of its own so it cannot disturb
    the event loop pytest-asyncio keeps for the tests."""

    async def call() -> T:
        return await make()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, call()).result()


def with_query(url: str, **params: str) -> str:
    """url with params added to its query string (replacing any of the same name)."""
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


async def answers(url: str) -> str | None:
    """None if the server at url answers SELECT 1, else why not (one line)."""
    try:
        connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    # Whatever the cause (refused, timed out, bad URL, rejected login), the server is not usable.
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    try:
        await connection.fetchval("SELECT 1")
    finally:
        await connection.close()
    return None


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    given = os.environ.get(URL_ENV)
    if given:
        problem = run_in_own_loop(lambda: answers(given))
        if problem is not None:
            unavailable(f"{URL_ENV} does not answer: {problem}")
        yield given
        return

    throwaway = load_throwaway_postgres()
    # Not pytest's tmp_path_factory: its /tmp/pytest-of-root is 0700, and as root the
    # server runs as an unprivileged user who could not enter it.
    base = Path(tempfile.mkdtemp(prefix="offering-advisor-pg-"))
    problem = None
    try:
        server = throwaway.start(base)
    except throwaway.PostgresUnavailable as error:
        problem = str(error)
    if problem is not None:
        # Outside the except block, so the report shows the reason and not a chained traceback.
        shutil.rmtree(base, ignore_errors=True)
        unavailable(problem)
    try:
        yield str(server.url)
    finally:
        throwaway.stop(server.data_dir)
        # Not reached if stop fails: the folder is left for its server.log.
        shutil.rmtree(base, ignore_errors=True)


@contextlib.asynccontextmanager
async def schema_url(server_url: str) -> AsyncIterator[str]:
    """A URL on server_url whose connections work in a new, empty schema (dropped on exit)."""
    schema = f"t_{secrets.token_hex(6)}"
    connection = await asyncpg.connect(server_url, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await connection.execute(f"CREATE SCHEMA {schema}")
    finally:
        await connection.close()
    try:
        # asyncpg passes query parameters it does not know as server settings, so every
        # connection, pooled ones included, starts with this search_path.
        yield with_query(server_url, search_path=schema)
    finally:
        connection = await asyncpg.connect(server_url, timeout=CONNECT_TIMEOUT_SECONDS)
        try:
            await connection.execute(f"SET lock_timeout = '{DROP_LOCK_TIMEOUT}'")
            await connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        finally:
            await connection.close()


@pytest_asyncio.fixture
async def postgres_url(postgres_server_url: str) -> AsyncIterator[str]:
    async with schema_url(postgres_server_url) as url:
        yield url
