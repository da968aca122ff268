"""What routes are given: the engine for reads, a unit of work for writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork


async def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


async def _unit_of_work(request: Request) -> UnitOfWork:
    return SqlUnitOfWork(request.app.state.engine)


Engine = Annotated[AsyncEngine, Depends(_engine)]
Uow = Annotated[UnitOfWork, Depends(_unit_of_work)]
