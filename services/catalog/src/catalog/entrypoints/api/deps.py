"""What routes are given: the read pool and engine for queries, a unit of work for writes."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork


async def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


async def _reads(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.reads
    return pool


async def _unit_of_work(request: Request) -> UnitOfWork:
    return SqlUnitOfWork(request.app.state.engine)


Engine = Annotated[AsyncEngine, Depends(_engine)]
Reads = Annotated[asyncpg.Pool, Depends(_reads)]
Uow = Annotated[UnitOfWork, Depends(_unit_of_work)]
