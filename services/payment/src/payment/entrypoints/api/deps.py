"""What routes are given: the payment store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from payment.service_layer.unit_of_work import UnitOfWork
from servicekit.provisions import provided


@dataclass(frozen=True, slots=True)
class Resources:
    """What the app's lifespan opens for its routes."""

    new_uow: Callable[[], UnitOfWork]


Provided = Annotated[Resources, Depends(provided(Resources))]


async def _unit_of_work(resources: Provided) -> UnitOfWork:
    return resources.new_uow()


Payments = Annotated[UnitOfWork, Depends(_unit_of_work)]
