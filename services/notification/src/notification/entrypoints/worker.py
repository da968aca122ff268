"""`python -m notification.entrypoints.worker`: writes customers' messages about their orders
and payments from `notification-events`."""

from __future__ import annotations

from collections.abc import Callable

from notification.contracts import consumed
from notification.service_layer import handlers
from notification.service_layer.unit_of_work import NotificationUnitOfWork, UnitOfWork
from notification.settings import NotificationSettings
from servicekit.messaging.batching import TableWrites
from servicekit.messaging.envelope import Envelope
from servicekit.messaging.router import MessageRouter, Outcome
from servicekit.worker import Worker, run_worker


def router(new_uow: Callable[[], UnitOfWork]) -> MessageRouter:
    """Every event on `notification-events` becomes a notification for its customer."""

    async def notify(event: consumed.CustomerEventRead, envelope: Envelope) -> Outcome:
        await handlers.notify_customer(event.to_command(envelope), new_uow())
        return None

    messages = MessageRouter()
    for model in consumed.CONSUMED:
        messages.on(model, notify)
    return messages


async def compose(worker: Worker[NotificationSettings]) -> None:
    """Consume `notification-events`."""
    settings, aws = worker.settings, worker.aws
    dynamodb = await aws.dynamodb()
    ttl_seconds = settings.notification_ttl_days * 86400
    table = settings.notifications_table
    # The puts of messages handled at the same time share their calls.
    puts = TableWrites(dynamodb, table)

    def new_uow() -> UnitOfWork:
        return NotificationUnitOfWork(dynamodb, table, ttl_seconds, puts=puts)

    queue_url = await aws.queue_url(
        settings.notification_events_queue, settings.notification_events_queue_url
    )
    await worker.consume(queue_url, router(new_uow))


def main() -> None:
    run_worker(NotificationSettings(), compose)


if __name__ == "__main__":
    main()
