"""What routes are given: the read pool and engine for queries, a unit of work for writes."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends

from catalog.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork
from servicekit.lifespans import Engine
from servicekit.provisions import provided

Reads = Annotated[asyncpg.Pool, Depends(provided(asyncpg.Pool))]


async def _unit_of_work(engine: Engine) -> UnitOfWork:
    return SqlUnitOfWork(engine)


Uow = Annotated[UnitOfWork, Depends(_unit_of_work)]
