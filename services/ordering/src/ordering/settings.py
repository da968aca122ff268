"""The ordering service's settings: the only module that reads the environment."""

from __future__ import annotations

from servicekit.settings import PostgresSettings


class OrderingSettings(PostgresSettings):
    """Settings of the ordering API and worker."""

    service_name: str = "ordering"
    db_schema: str = "ordering"
    events_topic: str = "ordering-events"
    # Set in AWS from the deployment; found by name on a local stack when empty.
    events_topic_arn: str = ""
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
