"""`python -m inventory.entrypoints.worker`: runs the inventory's saga steps from
`inventory-commands`, handles the events on its `inventory-events` queue, relays its outbox
(the steps' outcomes) to the `inventory-events` topic, and gives back holds that expired, all
until SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from inventory.adapters.orm import inbox, outbox
from inventory.contracts import consumed
from inventory.contracts.events import OUT_OF_STOCK
from inventory.domain import commands
from inventory.domain.errors import OutOfStockError, ReservationReleasedError
from inventory.domain.model import Reservation, ReservationStatus
from inventory.service_layer import handlers
from inventory.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork
from inventory.settings import InventorySettings
from servicekit.messaging.envelope import Envelope
from servicekit.messaging.router import MessageRouter, Outcome
from servicekit.messaging.saga import SagaKey, SagaSteps
from servicekit.worker import Worker, run_worker

if TYPE_CHECKING:
    from types_aiobotocore_stepfunctions import SFNClient

log = structlog.get_logger(__name__)

NewUnitOfWork = Callable[[], UnitOfWork]

# The inventory's failures, by the error name the state machine compensates by.
FAILURES: dict[type[Exception], str] = {
    OutOfStockError: OUT_OF_STOCK,
    ReservationReleasedError: "ReservationReleased",
}


def saga_steps(sfn: SFNClient, key: SagaKey, new_uow: NewUnitOfWork) -> SagaSteps:
    """The saga steps the inventory runs, by command name."""

    async def reserve(command: consumed.ReserveStockRead) -> dict[str, Any]:
        reservation = await handlers.reserve_stock(command.to_command(), new_uow())
        return {"reservation": reservation.status.value}

    async def release(command: consumed.ReleaseStockRead) -> dict[str, Any]:
        reservation = await handlers.release_stock(command.to_command(), new_uow())
        return {"reservation": reservation.status.value}

    return (
        SagaSteps(sfn, FAILURES, correlate_by="order_id", key=key)
        .step("ReserveStock", consumed.ReserveStockRead, reserve)
        .step("ReleaseStock", consumed.ReleaseStockRead, release)
    )


def event_router(new_uow: NewUnitOfWork) -> MessageRouter:
    """The events on `inventory-events`, each turned into the inventory's own command."""

    async def product_created(event: consumed.ProductCreatedRead, envelope: Envelope) -> Outcome:
        created = await handlers.register_sku(event.to_command(envelope), new_uow())
        return {"sku": event.sku, "sku_created": created}

    async def order_confirmed(event: consumed.OrderConfirmedRead, envelope: Envelope) -> Outcome:
        command = event.to_command(envelope)
        reservation = await handlers.commit_reservation(command, new_uow())
        status = None if reservation is None else reservation.status
        if status is not None and status is not ReservationStatus.COMMITTED:
            # Released by the saga before the confirmation arrived (it compensated after
            # ConfirmOrder): nothing is taken from stock that is not held.
            log.warning("confirmed_order_not_held", order_id=command.order_id, status=status.value)
        if reservation is not None and reservation.shortfall:
            # Confirmed after its hold expired, and some of its units were sold again since:
            # more was sold than there is. A person settles it (restock, or refund the order).
            short = {line.sku: line.quantity for line in reservation.shortfall}
            log.error("confirmed_order_short", order_id=command.order_id, short=short)
        reservation_status = None if status is None else status.value
        return {"order_id": command.order_id, "reservation": reservation_status}

    return (
        MessageRouter()
        .on(consumed.ProductCreatedRead, product_created)
        .on(consumed.OrderConfirmedRead, order_confirmed)
    )


async def sweep_expired_holds(
    settings: InventorySettings, new_uow: NewUnitOfWork, stop: asyncio.Event
) -> None:
    """Every `sweep_interval_seconds`, release holds older than `reservation_ttl_seconds`."""
    ttl = timedelta(seconds=settings.reservation_ttl_seconds)
    while not stop.is_set():
        released: list[Reservation] = []
        try:
            command = commands.ReleaseExpiredHolds(
                held_before=datetime.now(UTC) - ttl, limit=settings.sweep_batch_size
            )
            released = await handlers.release_expired_holds(command, new_uow())
        except Exception as exc:  # the database is down: try again at the next sweep
            log.warning("sweep_failed", error=repr(exc))
        for reservation in released:
            log.info("expired_hold_released", order_id=reservation.order_id)
        if len(released) >= settings.sweep_batch_size:
            continue  # more may be waiting
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.sweep_interval_seconds)


async def compose(worker: Worker[InventorySettings]) -> None:
    """Consume both queues, relay the outbox and sweep expired holds."""
    settings, aws = worker.settings, worker.aws
    key = SagaKey(settings.saga_key)
    engine = worker.engine()

    def new_uow() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    commands_url = await aws.queue_url(
        settings.inventory_commands_queue, settings.inventory_commands_queue_url
    )
    steps = MessageRouter().saga(saga_steps(await aws.stepfunctions(), key, new_uow))
    await worker.consume(commands_url, steps)
    events_url = await aws.queue_url(
        settings.inventory_events_queue, settings.inventory_events_queue_url
    )
    await worker.consume(events_url, event_router(new_uow))
    worker.run(lambda stop: sweep_expired_holds(settings, new_uow, stop))
    await worker.relay_outbox(engine, outbox, inbox=inbox)


def main() -> None:
    run_worker(InventorySettings(), compose)


if __name__ == "__main__":
    main()
