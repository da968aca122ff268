"""What routes are given: the engine for reads, a unit of work for writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork
from servicekit.provisions import provided

Engine = Annotated[AsyncEngine, Depends(provided(AsyncEngine))]


async def _unit_of_work(engine: Engine) -> UnitOfWork:
    return SqlUnitOfWork(engine)


Uow = Annotated[UnitOfWork, Depends(_unit_of_work)]
