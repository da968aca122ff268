"""`python -m catalog.entrypoints.worker`: relays the catalog's outbox to `catalog-events`."""

from __future__ import annotations

from catalog.adapters.orm import outbox
from catalog.settings import CatalogSettings
from servicekit.messaging.outbox import OutboxRelay
from servicekit.messaging.publisher import SnsPublisher
from servicekit.worker import Worker, run_worker


async def compose(worker: Worker[CatalogSettings]) -> None:
    """Relay the outbox to the catalog's topic."""
    settings = worker.settings
    topic_arn = await worker.aws.topic_arn(settings.events_topic, settings.events_topic_arn)
    publisher = SnsPublisher(await worker.aws.sns(), topic_arn)
    worker.run(OutboxRelay(worker.engine(settings.db_schema), outbox, publisher).run)


def main() -> None:
    run_worker(CatalogSettings(), compose)


if __name__ == "__main__":
    main()
