"""The ordering service's settings: the only module that reads the environment."""

from __future__ import annotations

from servicekit.settings import PostgresSettings, PublisherSettings, SagaSettings


class OrderingSettings(PostgresSettings, PublisherSettings, SagaSettings):
    """Settings of the ordering API and worker."""

    service_name: str = "ordering"
    db_schema: str = "ordering"
    events_topic: str = "ordering-events"
    # The URLs are set in AWS by the deployment; on a local stack the queues are found by name.
    ordering_checkouts_queue: str = "ordering-checkouts"
    ordering_checkouts_queue_url: str = ""
    ordering_commands_queue: str = "ordering-commands"
    ordering_commands_queue_url: str = ""
    # The events inventory and payment publish as the saga's steps end: the orders' timelines.
    ordering_events_queue: str = "ordering-events"
    ordering_events_queue_url: str = ""
    # Started by the worker; the API never calls Step Functions.
    state_machine_name: str = "order-saga"
    state_machine_arn: str = ""
