"""What routes are given: the engine for reads, a unit of work for writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from inventory.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork
from servicekit.lifespans import Engine


async def _unit_of_work(engine: Engine) -> UnitOfWork:
    return SqlUnitOfWork(engine)


Uow = Annotated[UnitOfWork, Depends(_unit_of_work)]
