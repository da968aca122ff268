"""The worker gives back holds that were never committed nor released, and stops cleanly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.service_layer import handlers, queries
from inventory.service_layer.unit_of_work import SqlUnitOfWork
from shopctl.aws import client
from tests.integration.inventory.support import reserve, stocked
from tests.support.postgres import Database
from tests.support.services import running_worker
from tests.support.waiting import eventually


@pytest.fixture
def own_queues(topology: object) -> Iterator[dict[str, str]]:
    """Queue URLs for this worker alone, given as the deployment gives them. A stopped
    worker's abandoned long poll can still take a message from its queue, which would then
    stay invisible to the next test's worker for the visibility timeout."""
    sqs, suffix = client("sqs"), uuid.uuid4().hex[:8]
    urls = {
        f"INVENTORY_{kind.upper()}_QUEUE_URL": sqs.create_queue(
            QueueName=f"inventory-{kind}-sweep-{suffix}"
        )["QueueUrl"]
        for kind in ("commands", "events")
    }
    yield urls
    for url in urls.values():
        sqs.delete_queue(QueueUrl=url)


async def test_a_stale_hold_is_released_by_the_worker(
    engine: AsyncEngine,
    inventory_database: Database,
    service_env: dict[str, str],
    own_queues: dict[str, str],
    logs: Path,
) -> None:
    sku, order_id = await stocked(engine, 10), str(uuid.uuid4())
    await handlers.reserve_stock(reserve(order_id, **{sku: 4}), SqlUnitOfWork(engine))
    env = (
        service_env
        | inventory_database.env()
        | {"RESERVATION_TTL_SECONDS": "2", "SWEEP_INTERVAL_SECONDS": "0.5"}
        | own_queues
    )
    log = logs / f"inventory-sweeper-{uuid.uuid4().hex[:8]}.log"
    with running_worker("inventory.entrypoints.worker", env, log) as worker:
        released = eventually(
            lambda: [
                line
                for line in worker.log_lines()
                if line.get("message") == "expired_hold_released"
                and line.get("order_id") == order_id
            ],
            what="the sweep",
        )
    assert len(released) == 1
    level = await queries.get_stock(engine, sku)
    assert level is not None
    assert (level.on_hand, level.reserved) == (10, 0)
    assert any(line.get("message") == "worker_stopped" for line in worker.log_lines())
