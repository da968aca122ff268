"""Starting the order saga: a Step Functions execution named by the order id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

from ordering.contracts.saga import OrderSaga
from ordering.domain.model import Order
from servicekit.messaging.saga import SagaKey
from servicekit.telemetry import current_traceparent

if TYPE_CHECKING:
    from types_aiobotocore_stepfunctions import SFNClient


class SagaStarter(Protocol):
    async def start(self, order: Order, payment_token: str) -> None:
        """Start the order's saga; starting it twice is harmless."""
        ...


def saga_input(order: Order, payment_token: str, key: SagaKey) -> str:
    """The execution's input: what every step's command is built from."""
    secret = key.secret(str(order.id))
    return OrderSaga.of(order, payment_token, secret, current_traceparent()).model_dump_json()


class StepFunctionsSaga:
    """Executions of the order-saga state machine."""

    def __init__(self, sfn: SFNClient, state_machine_arn: str, key: SagaKey) -> None:
        self._sfn = sfn
        self._arn = state_machine_arn
        self._key = key

    async def start(self, order: Order, payment_token: str) -> None:
        try:
            await self._sfn.start_execution(
                stateMachineArn=self._arn,
                name=str(order.id),
                input=saga_input(order, payment_token, self._key),
            )
        except ClientError as exc:
            # The execution name is the order id: a second start finds the first.
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
