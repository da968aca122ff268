"""Real parts: a fresh PostgreSQL database, the AWS emulator, services as real processes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import httpx
import pytest

from shopctl.aws import client
from shopctl.bootstrap import bootstrap
from shopctl.identity import local_token
from shopctl.topology import Topology, load_topology
from tests.support.emulator import running_emulator
from tests.support.postgres import Database, fresh_database
from tests.support.saga import SAGA_KEY
from tests.support.services import (
    RunningService,
    RunningWorker,
    migrate,
    running_service,
    running_worker,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def database() -> Iterator[Database]:
    with fresh_database() as db:
        yield db


@pytest.fixture(scope="session")
def aws_endpoint(logs: Path) -> Iterator[str]:
    with running_emulator(logs / "emulator.log") as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", url)
        patch.setenv("AWS_REGION", os.environ.get("AWS_REGION", "us-east-1"))
        patch.setenv("AWS_ACCESS_KEY_ID", os.environ.get("AWS_ACCESS_KEY_ID", "test"))
        patch.setenv("AWS_SECRET_ACCESS_KEY", os.environ.get("AWS_SECRET_ACCESS_KEY", "test"))
        yield url


@pytest.fixture(scope="session")
def topology(aws_endpoint: str) -> Topology:
    declared = load_topology()
    bootstrap(declared, report=lambda line: None)
    return declared


@pytest.fixture(scope="session")
def service_env(topology: Topology) -> dict[str, str]:
    return {
        "AUTH_USER_POOL_NAME": topology.identity.user_pool,
        "LOG_LEVEL": "INFO",
        "SAGA_KEY": SAGA_KEY,
    }


@pytest.fixture(scope="session")
def catalog_service(
    database: Database, service_env: dict[str, str], logs: Path
) -> Iterator[RunningService]:
    migrate("catalog", database.env())
    env = service_env | database.env()
    with running_service("catalog.entrypoints.api", env, logs / "catalog.log") as service:
        yield service


@pytest.fixture(scope="session")
def basket_service(
    catalog_service: RunningService, service_env: dict[str, str], logs: Path
) -> Iterator[RunningService]:
    env = service_env | {"CATALOG_URL": catalog_service.url}
    with running_service("basket.entrypoints.api", env, logs / "basket.log") as service:
        yield service


@pytest.fixture(scope="session")
def token_for(topology: Topology) -> Callable[[str], str]:
    cognito = client("cognito-idp")

    @cache
    def issue(username: str) -> str:
        return local_token(cognito, topology.identity, username)

    return issue


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def admin(token_for: Callable[[str], str]) -> dict[str, str]:
    return bearer(token_for("admin"))


@pytest.fixture(scope="session")
def alice(token_for: Callable[[str], str]) -> dict[str, str]:
    return bearer(token_for("alice"))


@pytest.fixture(scope="session")
def bob(token_for: Callable[[str], str]) -> dict[str, str]:
    return bearer(token_for("bob"))


@pytest.fixture
def catalog(catalog_service: RunningService) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=catalog_service.url, timeout=10) as http:
        yield http


@pytest.fixture
def basket(basket_service: RunningService) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=basket_service.url, timeout=10) as http:
        yield http


@pytest.fixture(scope="module")
def basket_worker(
    aws_endpoint: str, service_env: dict[str, str], logs: Path
) -> Iterator[RunningWorker]:
    with running_worker(
        "basket.entrypoints.worker", service_env, logs / f"basket-worker-{uuid.uuid4().hex}.log"
    ) as worker:
        yield worker


@pytest.fixture(scope="session")
def ordering_env(database: Database, service_env: dict[str, str]) -> dict[str, str]:
    migrate("ordering", database.env())
    return service_env | database.env()


@pytest.fixture(scope="session")
def ordering_service(ordering_env: dict[str, str], logs: Path) -> Iterator[RunningService]:
    with running_service("ordering.entrypoints.api", ordering_env, logs / "ordering.log") as svc:
        yield svc


@pytest.fixture(scope="session")
def ordering_worker(ordering_env: dict[str, str], logs: Path) -> Iterator[RunningWorker]:
    log = logs / "ordering-worker.log"
    with running_worker("ordering.entrypoints.worker", ordering_env, log) as worker:
        yield worker


@pytest.fixture
def orders(ordering_service: RunningService) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ordering_service.url, timeout=10) as http:
        yield http
