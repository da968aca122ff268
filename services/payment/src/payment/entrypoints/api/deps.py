"""What routes are given: the payment store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from payment.service_layer.unit_of_work import UnitOfWork


async def _unit_of_work(request: Request) -> UnitOfWork:
    new_uow: Callable[[], UnitOfWork] = request.app.state.new_uow
    return new_uow()


Payments = Annotated[UnitOfWork, Depends(_unit_of_work)]
