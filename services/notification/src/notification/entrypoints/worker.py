"""`python -m notification.entrypoints.worker`: writes customers' messages about their orders
and payments from `notification-events`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from notification.contracts import consumed
from notification.domain.commands import NotifyCustomer, Topic
from notification.service_layer import handlers
from notification.service_layer.unit_of_work import NotificationUnitOfWork, UnitOfWork
from notification.settings import NotificationSettings
from servicekit.aws import AwsClients
from servicekit.messaging.consumer import QueueConsumer, find_queue_url
from servicekit.messaging.envelope import Envelope
from servicekit.messaging.router import MessageRouter, Outcome
from servicekit.worker import run_worker

# What a customer is told about, by the event that tells it.
TOPICS: dict[type[consumed.OrderEvent | consumed.PaymentEvent], Topic] = {
    consumed.OrderPlaced: Topic.ORDER_PLACED,
    consumed.OrderConfirmed: Topic.ORDER_CONFIRMED,
    consumed.OrderCancelled: Topic.ORDER_CANCELLED,
    consumed.PaymentAuthorized: Topic.PAYMENT_AUTHORIZED,
    consumed.PaymentDeclined: Topic.PAYMENT_DECLINED,
    consumed.PaymentCaptured: Topic.PAYMENT_CAPTURED,
    consumed.PaymentVoided: Topic.PAYMENT_VOIDED,
    consumed.PaymentRefunded: Topic.PAYMENT_REFUNDED,
}


def to_command(
    event: consumed.OrderEvent | consumed.PaymentEvent, envelope: Envelope
) -> NotifyCustomer:
    """The notification an event asks for."""
    amount = event.total if isinstance(event, consumed.OrderEvent) else event.amount
    return NotifyCustomer(
        event_id=envelope.id,
        occurred_at=envelope.occurred_at,
        topic=TOPICS[type(event)],
        user_id=event.user_id,
        order_id=event.order_id,
        amount=amount,
        currency=event.currency,
        reason=getattr(event, "reason", None),
    )


def router(new_uow: Callable[[], UnitOfWork]) -> MessageRouter:
    """Every event on `notification-events` becomes a notification for its customer."""

    async def notify(
        event: consumed.OrderEvent | consumed.PaymentEvent, envelope: Envelope
    ) -> Outcome:
        recorded = await handlers.notify_customer(to_command(event, envelope), new_uow())
        return {"recorded": recorded}

    messages = MessageRouter()
    for model in TOPICS:
        messages.on(model, notify)
    return messages


async def consume(settings: NotificationSettings, stop: asyncio.Event) -> None:
    """Consume `notification-events` until stopped."""
    aws = AwsClients(settings.aws_region)
    try:
        dynamodb, sqs = await aws.dynamodb(), await aws.sqs()
        ttl_seconds = settings.notification_ttl_days * 86400

        def new_uow() -> UnitOfWork:
            return NotificationUnitOfWork(dynamodb, settings.notifications_table, ttl_seconds)

        queue_url = settings.notification_events_queue_url or await find_queue_url(
            sqs, settings.notification_events_queue
        )
        consumer = QueueConsumer(sqs, queue_url, router(new_uow))
        await consumer.run(stop)
    finally:
        await aws.close()


def main() -> None:
    settings = NotificationSettings()
    run_worker(settings, lambda stop: consume(settings, stop))


if __name__ == "__main__":
    main()
