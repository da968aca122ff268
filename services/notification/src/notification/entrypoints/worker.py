"""`python -m notification.entrypoints.worker`: writes customers' messages about their orders
and payments from `notification-events`."""

from __future__ import annotations

import asyncio

import structlog
from pydantic import ValidationError

from notification.adapters.repository import (
    DynamoNotificationRepository,
    NotificationRepository,
)
from notification.contracts import consumed
from notification.domain.commands import NotifyCustomer, Topic
from notification.service_layer import handlers
from notification.settings import NotificationSettings
from servicekit.aws import AwsClients
from servicekit.messaging.consumer import (
    PoisonMessageError,
    QueueConsumer,
    envelope_handler,
    find_queue_url,
)
from servicekit.messaging.envelope import Envelope
from servicekit.worker import run_worker

log = structlog.get_logger(__name__)

ROUTES: dict[tuple[str, int], tuple[type[consumed.ConsumedEvent], Topic]] = {
    (model.TYPE, model.VERSION): (model, topic)
    for model, topic in (
        (consumed.OrderPlaced, Topic.ORDER_PLACED),
        (consumed.OrderConfirmed, Topic.ORDER_CONFIRMED),
        (consumed.OrderCancelled, Topic.ORDER_CANCELLED),
        (consumed.PaymentAuthorized, Topic.PAYMENT_AUTHORIZED),
        (consumed.PaymentDeclined, Topic.PAYMENT_DECLINED),
        (consumed.PaymentCaptured, Topic.PAYMENT_CAPTURED),
        (consumed.PaymentVoided, Topic.PAYMENT_VOIDED),
        (consumed.PaymentRefunded, Topic.PAYMENT_REFUNDED),
    )
}


def to_command(envelope: Envelope) -> NotifyCustomer | None:
    """The notification an event asks for; None for an event this service does not read."""
    route = ROUTES.get((envelope.type, envelope.version))
    if route is None:
        return None
    model, topic = route
    try:
        event = model.model_validate(envelope.data)
    except ValidationError as exc:
        raise PoisonMessageError(f"{envelope.type} does not match its contract: {exc}") from exc
    if isinstance(event, consumed.OrderEvent):
        amount = event.total
    else:
        assert isinstance(event, consumed.PaymentEvent)
        amount = event.amount
    return NotifyCustomer(
        event_id=envelope.id,
        occurred_at=envelope.occurred_at,
        topic=topic,
        user_id=event.user_id,
        order_id=event.order_id,
        amount=amount,
        currency=event.currency,
        reason=getattr(event, "reason", None),
    )


async def handle(envelope: Envelope, notifications: NotificationRepository) -> None:
    """Turn an event into a notification for its customer."""
    command = to_command(envelope)
    if command is None:
        # The subscriptions' filter policies let only the routed types through.
        log.warning("event_ignored", type=envelope.type, version=envelope.version)
        return
    recorded = await handlers.notify_customer(command, notifications)
    log.info("event_handled", recorded=recorded)


async def consume(settings: NotificationSettings, stop: asyncio.Event) -> None:
    """Consume `notification-events` until stopped."""
    aws = AwsClients(settings.aws_region)
    try:
        dynamodb, sqs = await aws.dynamodb(), await aws.sqs()
        notifications = DynamoNotificationRepository(
            dynamodb, settings.notifications_table, settings.notification_ttl_days * 86400
        )
        queue_url = settings.notification_events_queue_url or await find_queue_url(
            sqs, settings.notification_events_queue
        )
        consumer = QueueConsumer(
            sqs, queue_url, envelope_handler(lambda envelope: handle(envelope, notifications))
        )
        await consumer.run(stop)
    finally:
        await aws.close()


def main() -> None:
    settings = NotificationSettings()
    run_worker(settings, lambda stop: consume(settings, stop))


if __name__ == "__main__":
    main()
