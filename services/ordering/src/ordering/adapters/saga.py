"""Starting the order saga: a Step Functions execution named by the order id."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

from ordering.domain.model import Order

if TYPE_CHECKING:
    from types_aiobotocore_stepfunctions import SFNClient


class SagaStarter(Protocol):
    async def start(self, order: Order, payment_token: str) -> None:
        """Start the order's saga; starting it twice is harmless."""
        ...


def saga_input(order: Order, payment_token: str) -> str:
    """The execution's input: what every step's command is built from."""
    return json.dumps(
        {
            "order_id": str(order.id),
            "user_id": order.user_id,
            "lines": [
                {
                    "product_id": str(line.product_id),
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price": f"{line.unit_price:.2f}",
                }
                for line in order.lines
            ],
            "total": f"{order.total:.2f}",
            "currency": order.currency,
            "payment_token": payment_token,
        }
    )


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


async def find_state_machine_arn(sfn: SFNClient, name: str) -> str:
    """The ARN of the state machine called `name`."""
    paginator = sfn.get_paginator("list_state_machines")
    async for page in paginator.paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return machine["stateMachineArn"]
    raise LookupError(f"No state machine named {name!r}")
