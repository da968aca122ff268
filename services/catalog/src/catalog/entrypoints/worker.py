"""`python -m catalog.entrypoints.worker`: relays the catalog's outbox to `catalog-events`."""

from __future__ import annotations

from catalog.adapters.orm import outbox
from catalog.settings import CatalogSettings
from servicekit.worker import Worker, run_worker


async def compose(worker: Worker[CatalogSettings]) -> None:
    """Relay the outbox to the catalog's topic."""
    await worker.relay_outbox(worker.engine(), outbox)


def main() -> None:
    run_worker(CatalogSettings(), compose)


if __name__ == "__main__":
    main()
