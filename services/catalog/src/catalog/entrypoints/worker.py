"""`python -m catalog.entrypoints.worker`: relays the catalog's outbox to `catalog-events`."""

from __future__ import annotations

import asyncio

from catalog.adapters.orm import outbox
from catalog.settings import CatalogSettings
from servicekit.aws import AwsClients
from servicekit.db import create_engine
from servicekit.messaging.outbox import OutboxRelay
from servicekit.messaging.publisher import SnsPublisher, find_topic_arn
from servicekit.worker import run_worker


async def relay(settings: CatalogSettings, stop: asyncio.Event) -> None:
    """Publish outbox rows until stopped."""
    engine = create_engine(settings, settings.db_schema)
    aws = AwsClients(settings.aws_region)
    try:
        sns = await aws.sns()
        topic_arn = settings.events_topic_arn or await find_topic_arn(sns, settings.events_topic)
        await OutboxRelay(engine, outbox, SnsPublisher(sns, topic_arn)).run(stop)
    finally:
        await aws.close()
        await engine.dispose()


def main() -> None:
    settings = CatalogSettings()
    run_worker(settings, lambda stop: relay(settings, stop))


if __name__ == "__main__":
    main()
