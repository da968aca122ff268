"""The inventory's settings: the only module that reads the environment."""

from __future__ import annotations

from pydantic import Field

from servicekit.settings import PostgresSettings, PublisherSettings, SagaSettings


class InventorySettings(PostgresSettings, PublisherSettings, SagaSettings):
    """Settings of the inventory API and worker."""

    service_name: str = "inventory"
    db_schema: str = "inventory"
    # Where the saga steps' outcomes are published.
    events_topic: str = "inventory-events"
    # Saga steps sent by the state machine, and the events the inventory consumes. The URLs
    # are set in AWS by the deployment; on a local stack the queues are found by name.
    inventory_commands_queue: str = "inventory-commands"
    inventory_commands_queue_url: str = ""
    inventory_events_queue: str = "inventory-events"
    inventory_events_queue_url: str = ""
    # A hold never committed nor released is given back after this long. It must outlast the
    # saga's steps from ReserveStock to ConfirmOrder, with their retries.
    reservation_ttl_seconds: int = Field(default=1800, ge=1)
    sweep_interval_seconds: float = Field(default=60.0, gt=0)
    sweep_batch_size: int = Field(default=100, ge=1)
