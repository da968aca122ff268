"""Starting the order saga: a Step Functions execution named by the order id."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

from ordering.contracts.saga import OrderSaga
from ordering.domain.model import Order, TimelineEntry
from servicekit.telemetry import current_traceparent

if TYPE_CHECKING:
    from types_aiobotocore_stepfunctions import SFNClient


class SagaStarter(Protocol):
    async def start(self, order: Order, payment_token: str) -> None:
        """Start the order's saga; starting it twice is harmless."""
        ...


def saga_input(order: Order, payment_token: str) -> str:
    """The execution's input: what every step's command is built from."""
    return OrderSaga.of(order, payment_token, current_traceparent()).model_dump_json()


def execution_arn(state_machine_arn: str, order_id: uuid.UUID) -> str:
    """The ARN of the order's execution: named by the order id, under the state machine."""
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{order_id}"


class StepFunctionsSaga:
    """Executions of the order-saga state machine."""

    def __init__(self, sfn: SFNClient, state_machine_arn: str) -> None:
        self._sfn = sfn
        self._arn = state_machine_arn

    async def start(self, order: Order, payment_token: str) -> None:
        try:
            await self._sfn.start_execution(
                stateMachineArn=self._arn,
                name=str(order.id),
                input=saga_input(order, payment_token),
            )
        except ClientError as exc:
            # The execution name is the order id: a second start finds the first.
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise

    async def history(self, order_id: uuid.UUID) -> list[TimelineEntry]:
        """Each step the order's saga finished, failed or gave up on, with its time."""
        steps: list[TimelineEntry] = []
        current = ""
        paginator = self._sfn.get_paginator("get_execution_history")
        try:
            async for page in paginator.paginate(executionArn=execution_arn(self._arn, order_id)):
                for event in page["events"]:
                    kind, at = event["type"], event["timestamp"]
                    if kind == "TaskStateEntered":
                        current = event["stateEnteredEventDetails"]["name"]
                    elif kind == "TaskSucceeded":
                        steps.append(TimelineEntry(current, at, "succeeded"))
                    elif kind == "TaskFailed":
                        error = event["taskFailedEventDetails"].get("error", "")
                        steps.append(TimelineEntry(current, at, f"failed: {error}"))
                    elif kind == "TaskTimedOut":
                        steps.append(TimelineEntry(current, at, "timed out"))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return []
            raise
        return steps
