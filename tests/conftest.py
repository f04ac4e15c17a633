from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from advisor.service import AdvisorService
from storage.clock import Clock, utc_now
from storage.factory import open_store
from storage.postgres import PostgresStore
from storage.sqlite import SQLiteStore

AnyStore = SQLiteStore | PostgresStore
StoreOpener = Callable[..., Awaitable[AnyStore]]

pytest_plugins = ["tests.discord_double.fixtures", "tests.postgres", "tests.transcript"]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "advisor.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SQLiteStore]:
    async with await SQLiteStore.open(db_path) as opened:
        yield opened


@pytest.fixture
def service(store: SQLiteStore) -> AdvisorService:
    return AdvisorService(store)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database on each backend in turn: what the contract suite runs against."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'advisor.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def open_at_url(store_url: str) -> AsyncIterator[StoreOpener]:
    """Opens the test's database (again, for a second "process"); closes each at the end."""
    opened: list[AnyStore] = []

    async def opener(clock: Clock = utc_now) -> AnyStore:
        store = await open_store(store_url, clock=clock)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        await store.close()


@pytest.fixture
async def any_store(open_at_url: StoreOpener) -> AnyStore:
    return await open_at_url()
