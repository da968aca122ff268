"""`python -m ordering.entrypoints.worker`: places orders from `PlaceOrder` commands, runs the
saga's ordering steps (confirm, cancel), and relays the outbox to `ordering-events`.

The basket's `PlaceOrder` arrives on `ordering-checkouts`; the state machine's step commands on
`ordering-commands`, where nothing else may send (and a command whose task token the state
machine did not issue is refused).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from ordering.adapters.orm import outbox
from ordering.adapters.saga import SagaStarter, StepFunctionsSaga
from ordering.contracts import saga
from ordering.contracts.consumed import PlaceOrder
from ordering.domain import commands
from ordering.domain.errors import OrderNotConfirmableError
from ordering.domain.model import CancelReason, OrderLine, ShippingAddress
from ordering.service_layer import handlers
from ordering.service_layer.unit_of_work import SqlUnitOfWork
from ordering.settings import OrderingSettings
from servicekit.messaging.envelope import Envelope
from servicekit.messaging.outbox import OutboxRelay
from servicekit.messaging.publisher import SnsPublisher
from servicekit.messaging.router import MessageRouter
from servicekit.messaging.saga import SagaSteps
from servicekit.worker import Worker, run_worker

if TYPE_CHECKING:
    from types_aiobotocore_stepfunctions import SFNClient


def place_order_command(placed: PlaceOrder, envelope: Envelope) -> commands.PlaceOrder:
    """The basket's `PlaceOrder` as the ordering service's own command."""
    address = placed.shipping_address
    return commands.PlaceOrder(
        message_id=str(envelope.id),
        order_id=placed.order_id,
        user_id=placed.user_id,
        lines=tuple(
            OrderLine(line.product_id, line.sku, line.name, line.quantity, line.unit_price)
            for line in placed.lines
        ),
        currency=placed.currency,
        payment_token=placed.payment_token,
        shipping_address=ShippingAddress(**address.model_dump()) if address else None,
    )


# Ordering's failures, by the error name the state machine compensates by.
FAILURES: dict[type[Exception], str] = {OrderNotConfirmableError: "CancelledByCustomer"}


def saga_steps(sfn: SFNClient, engine: AsyncEngine) -> SagaSteps:
    """The saga steps this service runs."""

    async def confirm(command: saga.ConfirmOrder) -> None:
        await handlers.confirm_order(commands.ConfirmOrder(command.order_id), SqlUnitOfWork(engine))

    async def cancel(command: saga.CancelOrder) -> None:
        try:
            reason = CancelReason(command.reason or "FAILED")
        except ValueError:
            reason = CancelReason.FAILED
        await handlers.cancel_order(
            commands.CancelOrder(command.order_id, reason), SqlUnitOfWork(engine)
        )

    return (
        SagaSteps(sfn, FAILURES, correlate_by="order_id")
        .step("ConfirmOrder", saga.ConfirmOrder, confirm)
        .step("CancelOrder", saga.CancelOrder, cancel)
    )


def checkouts(engine: AsyncEngine, starter: SagaStarter) -> MessageRouter:
    """What `ordering-checkouts` carries: the basket's `PlaceOrder`."""

    async def place(placed: PlaceOrder, envelope: Envelope) -> None:
        command = place_order_command(placed, envelope)
        await handlers.place_order(command, SqlUnitOfWork(engine), starter)

    return MessageRouter().on(PlaceOrder, place)


async def compose(worker: Worker[OrderingSettings]) -> None:
    """Place orders from `ordering-checkouts`, run the saga's steps from `ordering-commands`
    (which only the state machine may send to), and relay the outbox to ordering's topic."""
    settings, aws = worker.settings, worker.aws
    engine = worker.engine(settings.db_schema)
    sfn = await aws.stepfunctions()
    machine_arn = await aws.state_machine_arn(
        settings.state_machine_name, settings.state_machine_arn
    )
    checkouts_url = await aws.queue_url(
        settings.ordering_checkouts_queue, settings.ordering_checkouts_queue_url
    )
    commands_url = await aws.queue_url(
        settings.ordering_commands_queue, settings.ordering_commands_queue_url
    )
    starter = StepFunctionsSaga(sfn, machine_arn)
    await worker.consume(checkouts_url, checkouts(engine, starter))
    await worker.consume(commands_url, MessageRouter().saga(saga_steps(sfn, engine)))
    topic_arn = await aws.topic_arn(settings.events_topic, settings.events_topic_arn)
    publisher = SnsPublisher(await aws.sns(), topic_arn)
    worker.run(OutboxRelay(engine, outbox, publisher).run)


def main() -> None:
    run_worker(OrderingSettings(), compose)


if __name__ == "__main__":
    main()
