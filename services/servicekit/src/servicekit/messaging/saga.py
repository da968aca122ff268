"""Saga steps: commands sent by the state machine with a task token, answered with
`SendTaskSuccess` or `SendTaskFailure`.

A worker does its step in one local transaction, idempotently (keyed by order id and step),
and only then answers. If it dies in between, SQS redelivers the command: the step finds its
own earlier result and answers again. Workers assume nothing about task tokens but to pass
them back.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import structlog
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from servicekit.logging import correlation_id_var
from servicekit.messaging.consumer import Handler, PoisonMessageError, ReceivedMessage

if TYPE_CHECKING:
    from types_aiobotocore_stepfunctions import SFNClient

log = structlog.get_logger(__name__)

# The state machine retries steps that fail with this error name, with backoff.
TRANSIENT = "Transient"


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    product_id: str
    sku: str
    quantity: int = Field(ge=1)
    unit_price: Decimal


class StepCommand(BaseModel):
    """What every saga step receives."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    command: str
    task_token: str = Field(min_length=1)
    order_id: str
    user_id: str
    lines: list[OrderLine]
    total: Decimal
    currency: str
    payment_token: str | None = None
    reason: str | None = None


class StepFailedError(Exception):
    """The step cannot succeed; the state machine compensates, choosing by `error`."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


Step = Callable[[StepCommand], Awaitable[Mapping[str, Any] | None]]


def saga_handler(sfn: SFNClient, steps: Mapping[str, Step]) -> Handler:
    """A queue handler that runs the step a command names and answers the state machine."""

    async def handle(message: ReceivedMessage) -> None:
        try:
            command = StepCommand.model_validate_json(message.body)
        except ValidationError as exc:
            raise PoisonMessageError(f"not a saga step command: {exc}") from exc
        step = steps.get(command.command)
        if step is None:
            raise PoisonMessageError(f"no step {command.command!r} here")
        token = correlation_id_var.set(command.order_id)
        try:
            with structlog.contextvars.bound_contextvars(
                order_id=command.order_id, step=command.command
            ):
                try:
                    output = await step(command)
                except StepFailedError as failure:
                    log.info("saga_step_failed", error=failure.error, cause=failure.cause)
                    await _answer(
                        sfn.send_task_failure(
                            taskToken=command.task_token,
                            error=failure.error,
                            cause=failure.cause[:32768],
                        )
                    )
                    return
                log.info("saga_step_done")
                await _answer(
                    sfn.send_task_success(
                        taskToken=command.task_token,
                        output=json.dumps(dict(output or {}), default=str),
                    )
                )
        finally:
            correlation_id_var.reset(token)

    return handle


async def _answer(call: Awaitable[object]) -> None:
    try:
        await call
    except ClientError as exc:
        # A token already answered (a redelivered command) or whose task timed out: the state
        # machine has moved on, and the step's effect is recorded either way.
        if exc.response["Error"]["Code"] in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
            log.info("saga_answer_ignored", reason=exc.response["Error"]["Code"])
            return
        raise
