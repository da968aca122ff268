"""A relay killed after publishing and before marking the rows sent publishes them again;
the consumer's inbox absorbs the duplicate. No relay process runs in this module: the test
drives the relay itself."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx
import pytest
from sqlalchemy import select

from catalog.adapters.orm import outbox
from catalog.settings import CatalogSettings
from servicekit.aws import AwsClients
from servicekit.db import create_engine
from servicekit.messaging.outbox import OutboxRelay
from servicekit.messaging.publisher import PublishResult, SnsPublisher
from tests.integration.events import basket_item, handled, new_product, wait_for_line
from tests.support.postgres import Database
from tests.support.services import RunningWorker
from tests.support.waiting import eventually


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, not even an `except Exception`."""


class KilledAfterPublishing:
    def __init__(self, publisher: SnsPublisher) -> None:
        self.publisher = publisher

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        await self.publisher.publish(messages)
        raise Killed


async def _publish_killed_then_again(database: Database, product_id: str) -> str:
    """Relay the product's price change with a relay killed after publishing, then properly;
    return the event's id."""
    settings = CatalogSettings.model_validate({k.lower(): v for k, v in database.env().items()})
    engine = create_engine(settings, "catalog")
    aws = AwsClients("us-east-1")
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(outbox.c.id).where(
                    outbox.c.type == "catalog.ProductPriceChanged",
                    outbox.c.body.contains(product_id),
                )
            )
            event_id = rows.scalar_one()
        sns = await aws.sns()
        publisher = SnsPublisher(sns, await aws.topic_arn("catalog-events"))
        with pytest.raises(Killed):
            await OutboxRelay(engine, outbox, KilledAfterPublishing(publisher)).relay_once()
        async with engine.connect() as connection:
            unsent = await connection.execute(
                select(outbox.c.published_at).where(outbox.c.id == event_id)
            )
            assert unsent.scalar_one() is None

        relay = OutboxRelay(engine, outbox, publisher)
        while await relay.relay_once():
            pass
        async with engine.connect() as connection:
            sent = await connection.execute(
                select(outbox.c.published_at).where(outbox.c.id == event_id)
            )
            assert sent.scalar_one() is not None
    finally:
        await aws.close()
        await engine.dispose()
    return str(event_id)


def test_a_duplicate_from_a_killed_relay_changes_nothing(
    catalog: httpx.Client,
    basket: httpx.Client,
    admin: dict[str, str],
    bob: dict[str, str],
    database: Database,
    basket_worker: RunningWorker,
) -> None:
    product_id = new_product(catalog, admin, "40.00")
    basket.put(f"/basket/items/{product_id}", json={"quantity": 1}, headers=bob)
    added = int(basket_item(bob)["version"]["N"])
    response = catalog.put(
        f"/catalog/products/{product_id}/price",
        json={"price": "35.00", "currency": "EUR"},
        headers=admin,
    )
    assert response.status_code == 200

    event_id = asyncio.run(_publish_killed_then_again(database, product_id))

    eventually(lambda: len(handled(basket_worker, event_id)) == 2, what="both deliveries")
    outcomes = sorted(
        int(str(line["baskets_changed"])) for line in handled(basket_worker, event_id)
    )
    assert outcomes == [0, 1]
    assert wait_for_line(basket, bob, product_id, lambda line: True)["unit_price"] == "35.00"
    assert int(basket_item(bob)["version"]["N"]) == added + 1  # one price change, not two
