"""The inventory's schema, API and worker, against the session's database and emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.settings import InventorySettings
from servicekit.db import create_engine
from tests.support.postgres import Database
from tests.support.services import RunningService, migrate, running_service


@pytest.fixture(scope="session")
def inventory_database(database: Database) -> Database:
    migrate("inventory", database.env())
    return database


@pytest.fixture(scope="session")
def inventory_settings(inventory_database: Database) -> InventorySettings:
    db = inventory_database
    # Room for the concurrency tests' connections at once.
    return InventorySettings(
        db_host=db.host,
        db_port=db.port,
        db_user=db.user,
        db_password=SecretStr(db.password),
        db_name=db.name,
        db_pool_size=20,
        db_max_overflow=30,
    )


@pytest.fixture
async def engine(inventory_settings: InventorySettings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(inventory_settings, inventory_settings.db_schema)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def inventory_service(
    inventory_database: Database, service_env: dict[str, str], logs: Path
) -> Iterator[RunningService]:
    env = service_env | inventory_database.env()
    with running_service("inventory.entrypoints.api", env, logs / "inventory.log") as service:
        yield service


@pytest.fixture
def inventory(inventory_service: RunningService) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=inventory_service.url, timeout=10) as http:
        yield http
