"""What routes are given: the payment API's state, and a unit of work from it per request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from payment.service_layer.unit_of_work import UnitOfWork
from servicekit.state import ApiState


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentState(ApiState):
    """The payment API while it runs: units of work on the `payments` table."""

    new_unit_of_work: Callable[[], UnitOfWork]


async def _payments(state: Annotated[PaymentState, Depends(PaymentState.of)]) -> UnitOfWork:
    return state.new_unit_of_work()


Payments = Annotated[UnitOfWork, Depends(_payments)]
