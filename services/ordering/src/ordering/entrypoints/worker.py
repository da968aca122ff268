"""`python -m ordering.entrypoints.worker`: places orders from `PlaceOrder` commands, runs the
saga's ordering steps (confirm, cancel), records the other steps' outcomes in the orders'
timelines, and relays the outbox to `ordering-events`.

The basket's `PlaceOrder` arrives on `ordering-checkouts`; the state machine's step commands on
`ordering-commands`, where nothing else may send (and a command whose task token the state
machine did not issue is refused); the events inventory and payment publish as their steps end
on the `ordering-events` queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import structlog
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from ordering.adapters.orm import inbox, outbox
from ordering.adapters.repository import PgTimelines, Timelines
from ordering.adapters.saga import SagaStarter, StepFunctionsSaga
from ordering.contracts import saga
from ordering.contracts.consumed import (
    STEP_OUTCOMES,
    PlaceOrderHeadRead,
    PlaceOrderRead,
    StepOutcomeRead,
)
from ordering.domain.errors import (
    OrderNotCancellableError,
    OrderNotConfirmableError,
    TimelineFullError,
)
from ordering.service_layer import handlers
from ordering.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork
from ordering.settings import OrderingSettings
from servicekit.messaging.envelope import Envelope
from servicekit.messaging.router import MessageRouter, Outcome
from servicekit.messaging.saga import SagaKey, SagaSteps
from servicekit.worker import Worker, run_worker

if TYPE_CHECKING:
    from types_aiobotocore_stepfunctions import SFNClient

log = structlog.get_logger(__name__)


# Ordering's failures, by the error name the state machine compensates by. A cancellation the
# domain refuses ends the execution in `CompensationFailed`, which pages a person.
FAILURES: dict[type[Exception], str] = {
    OrderNotConfirmableError: "CancelledByCustomer",
    OrderNotCancellableError: "NotCancellable",
}


def saga_steps(sfn: SFNClient, key: SagaKey, engine: AsyncEngine) -> SagaSteps:
    """The saga steps this service runs."""

    async def confirm(command: saga.ConfirmOrderRead) -> None:
        await handlers.confirm_order(command.to_command(), SqlUnitOfWork(engine))

    async def cancel(command: saga.CancelOrderRead) -> None:
        await handlers.cancel_order(command.to_command(), SqlUnitOfWork(engine))

    return (
        SagaSteps(sfn, FAILURES, correlate_by="order_id", key=key)
        .step("ConfirmOrder", saga.ConfirmOrderRead, confirm)
        .step("CancelOrder", saga.CancelOrderRead, cancel)
    )


def checkouts(new_uow: Callable[[], UnitOfWork], starter: SagaStarter) -> MessageRouter:
    """What `ordering-checkouts` carries: the basket's `PlaceOrder`. One that ordering could
    never store is rejected, so that the basket reopens instead of waiting for an order that
    will never exist; one that does not even say whose order it is stays poison."""

    async def place(head: PlaceOrderHeadRead, envelope: Envelope) -> Outcome:
        try:
            placed = PlaceOrderRead.model_validate(envelope.data)
        except ValidationError as exc:
            rejection = head.to_rejection(envelope, exc)
            log.warning(
                "place_order_rejected", order_id=str(head.order_id), refused=rejection.refused
            )
            order = await handlers.reject_order(rejection, new_uow())
            return {"order_id": str(order.id), "status": order.status.value}
        order = await handlers.place_order(placed.to_command(envelope), new_uow(), starter)
        return {"order_id": str(order.id), "status": order.status.value}

    return MessageRouter().on(PlaceOrderHeadRead, place)


# Step outcomes this process dropped on a full timeline, for the running count in its log.
timeline_entries_dropped = 0


def step_outcomes(timelines: Timelines) -> MessageRouter:
    """What `ordering-events` carries: how the saga's steps in other services ended."""

    async def record(event: StepOutcomeRead, envelope: Envelope) -> Outcome:
        command = event.to_command(envelope)
        if command is None:
            log.warning("step_outcome_ignored", type=envelope.type, order_id=event.order_id)
            return None
        try:
            recorded = await handlers.record_step(command, timelines)
        except TimelineFullError:
            # Acknowledged, not retried: more of the same would only be dropped again.
            global timeline_entries_dropped
            timeline_entries_dropped += 1
            log.warning(
                "timeline_entry_dropped",
                type=envelope.type,
                order_id=event.order_id,
                dropped_total=timeline_entries_dropped,
            )
            recorded = False
        return {"order_id": event.order_id, "step": command.step, "recorded": recorded}

    router = MessageRouter()
    for model in STEP_OUTCOMES:
        router.on(model, record)
    return router


async def compose(worker: Worker[OrderingSettings]) -> None:
    """Place orders from `ordering-checkouts`, run the saga's steps from `ordering-commands`
    (which only the state machine may send to), record the other steps' outcomes from
    `ordering-events`, and relay the outbox to ordering's topic."""
    settings, aws = worker.settings, worker.aws
    key = SagaKey(settings.saga_key)
    engine = worker.engine()
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
    starter = StepFunctionsSaga(sfn, machine_arn, key)
    await worker.consume(checkouts_url, checkouts(lambda: SqlUnitOfWork(engine), starter))
    await worker.consume(commands_url, MessageRouter().saga(saga_steps(sfn, key, engine)))
    events_url = await aws.queue_url(
        settings.ordering_events_queue, settings.ordering_events_queue_url
    )
    await worker.consume(events_url, step_outcomes(PgTimelines(await worker.statements())))
    await worker.relay_outbox(engine, outbox, inbox=inbox)


def main() -> None:
    run_worker(OrderingSettings(), compose)


if __name__ == "__main__":
    main()
