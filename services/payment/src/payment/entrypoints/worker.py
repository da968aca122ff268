"""`python -m payment.entrypoints.worker`: runs payment's saga steps from `payment-commands`
and relays its outbox to `payment-events`, until SIGTERM."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import structlog

from payment.adapters.provider import (
    AttemptLog,
    DynamoAttemptLog,
    PaymentProvider,
    SimulatedProvider,
)
from payment.contracts import consumed
from payment.domain import errors
from payment.service_layer import handlers
from payment.service_layer.unit_of_work import PaymentUnitOfWork, UnitOfWork
from payment.settings import PaymentSettings
from servicekit.messaging.consumer import Handler, ReceivedMessage
from servicekit.messaging.dynamo_outbox import DirectPublisher, DynamoOutboxRelay
from servicekit.messaging.router import MessageRouter
from servicekit.messaging.saga import TRANSIENT, SagaKey, SagaSteps
from servicekit.worker import Worker, run_worker

if TYPE_CHECKING:
    from types_aiobotocore_stepfunctions import SFNClient

log = structlog.get_logger(__name__)

NewUnitOfWork = Callable[[], UnitOfWork]

# A domain error's name as the state machine sees it: its Retry and Catch choose by it. An
# error not named here (the provider never answered) is no answer: see `acknowledge_unanswered`.
FAILURES: dict[type[Exception], str] = {
    errors.PaymentDeclinedError: "PaymentDeclined",
    errors.PaymentNotAuthorizedError: "PaymentNotAuthorized",
    errors.PaymentClosedError: "PaymentClosed",
    errors.ProviderUnavailableError: TRANSIENT,
    errors.ConcurrentUpdateError: TRANSIENT,
}


def _answer(result: handlers.StepResult) -> dict[str, Any]:
    log.info("payment_step_done", outcome=result.outcome, changed=result.changed)
    return {"order_id": str(result.order_id), "payment_status": result.outcome}


def saga_steps(
    sfn: SFNClient, key: SagaKey, new_uow: NewUnitOfWork, provider: PaymentProvider
) -> SagaSteps:
    """The saga steps payment answers, by the command name the state machine sends."""

    async def authorize(c: consumed.AuthorizePaymentRead) -> dict[str, Any]:
        return _answer(await handlers.authorize_payment(c.to_command(), new_uow(), provider))

    async def capture(c: consumed.PaymentStepRead) -> dict[str, Any]:
        return _answer(await handlers.capture_payment(c.to_capture(), new_uow(), provider))

    async def void(c: consumed.PaymentStepRead) -> dict[str, Any]:
        return _answer(await handlers.void_payment(c.to_void(), new_uow(), provider))

    async def refund(c: consumed.PaymentStepRead) -> dict[str, Any]:
        return _answer(await handlers.refund_payment(c.to_refund(), new_uow(), provider))

    return (
        SagaSteps(sfn, FAILURES, correlate_by="order_id", key=key)
        .step("AuthorizePayment", consumed.AuthorizePaymentRead, authorize)
        .step("CapturePayment", consumed.PaymentStepRead, capture)
        .step("VoidPayment", consumed.PaymentStepRead, void)
        .step("RefundPayment", consumed.PaymentStepRead, refund)
    )


def acknowledge_unanswered(handler: Handler) -> Handler:
    """Let a step whose provider never answered end without answering the state machine.

    Nobody knows whether the provider holds the money, so neither answer would be true; and
    leaving the message on the queue would only replay the same silence until it reached the
    dead-letter queue. So the message is deleted and the task left unanswered: the state
    machine's task timeout fires, its Catch on `States.Timeout` compensates with
    `VoidPayment`, and that closes the order, so a hold the provider reports late is given
    back rather than kept.
    """

    async def handle(message: ReceivedMessage) -> None:
        try:
            await handler(message)
        except errors.ProviderNoAnswerError as exc:
            log.warning(
                "payment_step_unanswered", order_id=str(exc.order_id), message_id=message.message_id
            )

    return handle


def step_handler(
    sfn: SFNClient, key: SagaKey, new_uow: NewUnitOfWork, provider: PaymentProvider
) -> Handler:
    """The queue handler for `payment-commands`."""
    return acknowledge_unanswered(MessageRouter().saga(saga_steps(sfn, key, new_uow, provider)))


async def compose(worker: Worker[PaymentSettings]) -> None:
    """Run the steps from `payment-commands`, publishing each step's events as it commits,
    and sweep the outbox for what that missed."""
    settings, aws = worker.settings, worker.aws
    key = SagaKey(settings.saga_key)
    dynamodb = await aws.dynamodb()
    publisher = await worker.events_publisher()
    direct = DirectPublisher(dynamodb, settings.payments_table, publisher)
    worker.before_close(direct.flush)

    def new_uow() -> UnitOfWork:
        return PaymentUnitOfWork(dynamodb, settings.payments_table, direct)

    provider = payment_provider(settings, DynamoAttemptLog(dynamodb, settings.payments_table))
    queue_url = await aws.queue_url(
        settings.payment_commands_queue, settings.payment_commands_queue_url
    )
    await worker.consume(queue_url, step_handler(await aws.stepfunctions(), key, new_uow, provider))
    worker.run(DynamoOutboxRelay(dynamodb, settings.payments_table, publisher).run)


def payment_provider(settings: PaymentSettings, attempts: AttemptLog) -> PaymentProvider:
    """The provider `PAYMENT_PROVIDER` names (the settings refuse any other name)."""
    match settings.payment_provider:
        case "simulator":
            return SimulatedProvider(attempts, settings.payment_limit)


def main() -> None:
    run_worker(PaymentSettings(), compose)


if __name__ == "__main__":
    main()
