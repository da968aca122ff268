"""`python -m basket.entrypoints.worker`: keeps open baskets in step with the catalog and
with their orders, and sends the checkouts' `PlaceOrder` commands from the outbox."""

from __future__ import annotations

from collections.abc import Callable

from basket.contracts import consumed
from basket.service_layer import handlers
from basket.service_layer.unit_of_work import BasketUnitOfWork, UnitOfWork
from basket.settings import BasketSettings
from servicekit.messaging.dynamo_outbox import DynamoOutboxRelay
from servicekit.messaging.envelope import Envelope
from servicekit.messaging.publisher import SqsSender
from servicekit.messaging.router import MessageRouter, Outcome
from servicekit.worker import Worker, run_worker


def router(new_uow: Callable[[], UnitOfWork]) -> MessageRouter:
    """The events on `basket-events`, each turned into the basket's own command."""

    async def repriced(event: consumed.ProductPriceChangedRead, envelope: Envelope) -> Outcome:
        changed = await handlers.reprice_lines(event.to_command(envelope), new_uow())
        return {"baskets_changed": changed}

    async def withdrawn(event: consumed.ProductDeactivatedRead, envelope: Envelope) -> Outcome:
        changed = await handlers.withdraw_lines(event.to_command(envelope), new_uow())
        return {"baskets_changed": changed}

    async def confirmed(event: consumed.OrderConfirmedRead, _: Envelope) -> Outcome:
        finished = await handlers.finish_checkout(event.to_command(), new_uow())
        return {"baskets_changed": int(finished)}

    async def reopen(event: consumed.OrderUndoneRead, _: Envelope) -> Outcome:
        reopened = await handlers.reopen_basket(event.to_command(), new_uow())
        return {"baskets_changed": int(reopened)}

    return (
        MessageRouter()
        .on(consumed.ProductPriceChangedRead, repriced)
        .on(consumed.ProductDeactivatedRead, withdrawn)
        .on(consumed.OrderConfirmedRead, confirmed)
        .on(consumed.OrderCancelledRead, reopen)
        .on(consumed.OrderRejectedRead, reopen)
    )


async def compose(worker: Worker[BasketSettings]) -> None:
    """Consume `basket-events`, and sweep the outbox for the `PlaceOrder` commands the API
    could not send to `ordering-checkouts` itself."""
    settings, aws = worker.settings, worker.aws
    dynamodb = await aws.dynamodb()
    ttl_seconds = settings.basket_ttl_days * 86400

    def new_uow() -> UnitOfWork:
        return BasketUnitOfWork(dynamodb, settings.baskets_table, ttl_seconds)

    events_url = await aws.queue_url(settings.basket_events_queue, settings.basket_events_queue_url)
    await worker.consume(events_url, router(new_uow))
    checkouts_url = await aws.queue_url(
        settings.ordering_checkouts_queue, settings.ordering_checkouts_queue_url
    )
    sender = SqsSender(await aws.sqs(), checkouts_url)
    worker.run(DynamoOutboxRelay(dynamodb, settings.baskets_table, sender).run)


def main() -> None:
    run_worker(BasketSettings(), compose)


if __name__ == "__main__":
    main()
