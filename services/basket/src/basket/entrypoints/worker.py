"""`python -m basket.entrypoints.worker`: keeps open baskets in step with the catalog and
with their orders, and sends the checkouts' `PlaceOrder` commands from the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from pydantic import ValidationError

from basket.adapters.repository import BasketRepository, DynamoBasketRepository
from basket.contracts import consumed
from basket.domain.commands import FinishCheckout, ProductRepriced, ProductWithdrawn, ReopenBasket
from basket.service_layer import handlers
from basket.settings import BasketSettings
from servicekit.aws import AwsClients
from servicekit.messaging.consumer import (
    PoisonMessageError,
    QueueConsumer,
    envelope_handler,
    find_queue_url,
)
from servicekit.messaging.dynamo_outbox import DynamoOutboxRelay
from servicekit.messaging.envelope import Envelope
from servicekit.messaging.publisher import SqsSender
from servicekit.worker import run_worker

log = structlog.get_logger(__name__)


async def _repriced(envelope: Envelope, repository: BasketRepository) -> int:
    event = consumed.ProductPriceChanged.model_validate(envelope.data)
    command = ProductRepriced(
        event_id=envelope.id,
        product_id=event.product_id,
        price=event.price,
        currency=event.currency,
        product_version=event.product_version,
    )
    return await handlers.reprice_lines(command, repository)


async def _withdrawn(envelope: Envelope, repository: BasketRepository) -> int:
    event = consumed.ProductDeactivated.model_validate(envelope.data)
    command = ProductWithdrawn(envelope.id, event.product_id, event.product_version)
    return await handlers.withdraw_lines(command, repository)


async def _order_confirmed(envelope: Envelope, repository: BasketRepository) -> int:
    event = consumed.OrderConfirmed.model_validate(envelope.data)
    command = FinishCheckout(event.user_id, event.order_id)
    return int(await handlers.finish_checkout(command, repository))


async def _order_cancelled(envelope: Envelope, repository: BasketRepository) -> int:
    event = consumed.OrderCancelled.model_validate(envelope.data)
    return int(
        await handlers.reopen_basket(ReopenBasket(event.user_id, event.order_id), repository)
    )


ROUTES: dict[tuple[str, int], Callable[[Envelope, BasketRepository], Awaitable[int]]] = {
    (consumed.ProductPriceChanged.TYPE, consumed.ProductPriceChanged.VERSION): _repriced,
    (consumed.ProductDeactivated.TYPE, consumed.ProductDeactivated.VERSION): _withdrawn,
    (consumed.OrderConfirmed.TYPE, consumed.OrderConfirmed.VERSION): _order_confirmed,
    (consumed.OrderCancelled.TYPE, consumed.OrderCancelled.VERSION): _order_cancelled,
}


async def handle(envelope: Envelope, repository: BasketRepository) -> None:
    """Turn an event into the basket's own command and run its handler."""
    route = ROUTES.get((envelope.type, envelope.version))
    if route is None:
        # The subscription's filter policy lets only the routed types through.
        log.warning("event_ignored", type=envelope.type, version=envelope.version)
        return
    try:
        changed = await route(envelope, repository)
    except ValidationError as exc:
        raise PoisonMessageError(f"{envelope.type} does not match its contract: {exc}") from exc
    log.info("event_handled", baskets_changed=changed)


async def work(settings: BasketSettings, stop: asyncio.Event) -> None:
    """Consume `basket-events`, and send the outbox's commands, until stopped."""
    aws = AwsClients(settings.aws_region)
    try:
        dynamodb, sqs = await aws.dynamodb(), await aws.sqs()
        repository = DynamoBasketRepository(
            dynamodb, settings.baskets_table, settings.basket_ttl_days * 86400
        )
        queue_url = settings.basket_events_queue_url or await find_queue_url(
            sqs, settings.basket_events_queue
        )
        consumer = QueueConsumer(
            sqs, queue_url, envelope_handler(lambda envelope: handle(envelope, repository))
        )
        commands_url = settings.ordering_commands_queue_url or await find_queue_url(
            sqs, settings.ordering_commands_queue
        )
        relay = DynamoOutboxRelay(dynamodb, settings.baskets_table, SqsSender(sqs, commands_url))
        await asyncio.gather(consumer.run(stop), relay.run(stop))
    finally:
        await aws.close()


def main() -> None:
    settings = BasketSettings()
    run_worker(settings, lambda stop: work(settings, stop))


if __name__ == "__main__":
    main()
