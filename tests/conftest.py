from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.service import AdvisorService
from storage.sqlite import SQLiteStore

pytest_plugins = ["tests.discord_double.fixtures"]


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
