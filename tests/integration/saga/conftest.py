"""Every service of the shop as real processes: the order saga from checkout to its end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.saga.shop import Shop
from tests.support.postgres import Database
from tests.support.services import (
    RunningService,
    RunningWorker,
    migrate,
    running_service,
    running_worker,
)


@pytest.fixture(scope="module")
def inventory_env(database: Database, service_env: dict[str, str]) -> dict[str, str]:
    migrate("inventory", database.env())
    return service_env | database.env()


@pytest.fixture(scope="module")
def saga_workers(
    inventory_env: dict[str, str],
    service_env: dict[str, str],
    basket_worker: RunningWorker,
    ordering_worker: RunningWorker,
    logs: Path,
) -> Iterator[None]:
    """The workers that run the saga's steps, besides ordering's and basket's."""
    with (
        running_worker("inventory.entrypoints.worker", inventory_env, logs / "saga-inv.log"),
        running_worker("payment.entrypoints.worker", service_env, logs / "saga-pay.log"),
        running_worker("notification.entrypoints.worker", service_env, logs / "saga-note.log"),
    ):
        yield


@pytest.fixture
def inventory_worker(
    inventory_env: dict[str, str], logs: Path, request: pytest.FixtureRequest
) -> Iterator[RunningWorker]:
    """Inventory's worker alone, for a test that runs the payment worker itself."""
    log = logs / f"inventory-{request.node.name}.log"
    with running_worker("inventory.entrypoints.worker", inventory_env, log) as worker:
        yield worker


@pytest.fixture(scope="module")
def inventory_service(inventory_env: dict[str, str], logs: Path) -> Iterator[RunningService]:
    with running_service(
        "inventory.entrypoints.api", inventory_env, logs / "saga-inv-api.log"
    ) as s:
        yield s


@pytest.fixture(scope="module")
def payment_service(service_env: dict[str, str], logs: Path) -> Iterator[RunningService]:
    with running_service("payment.entrypoints.api", service_env, logs / "saga-pay-api.log") as s:
        yield s


@pytest.fixture(scope="module")
def notification_service(service_env: dict[str, str], logs: Path) -> Iterator[RunningService]:
    log = logs / "saga-note-api.log"
    with running_service("notification.entrypoints.api", service_env, log) as s:
        yield s


def _client(service: RunningService) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=10) as http:
        yield http


@pytest.fixture
def inventory(inventory_service: RunningService) -> Iterator[httpx.Client]:
    yield from _client(inventory_service)


@pytest.fixture
def payments(payment_service: RunningService) -> Iterator[httpx.Client]:
    yield from _client(payment_service)


@pytest.fixture
def notifications(notification_service: RunningService) -> Iterator[httpx.Client]:
    yield from _client(notification_service)


@pytest.fixture
def shop(
    catalog: httpx.Client,
    basket: httpx.Client,
    orders: httpx.Client,
    inventory: httpx.Client,
    payments: httpx.Client,
    admin: dict[str, str],
    token_for: Callable[[str], str],
) -> Shop:
    return Shop(catalog, basket, orders, inventory, payments, admin, token_for)
