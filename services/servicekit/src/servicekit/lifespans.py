"""What an API opens when it starts and closes when it stops: its store and its token verifier."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated

import asyncpg
import httpx
from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.app import Lifespan
from servicekit.aws import AwsClients
from servicekit.db import check_database, create_engine, create_read_pool
from servicekit.health import Readiness
from servicekit.identity import build_verifier, resolve_identity
from servicekit.provisions import UnitsOfWork, provide, provided
from servicekit.settings import PostgresSettings, ServiceSettings

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


@asynccontextmanager
async def authenticated(app: FastAPI, settings: ServiceSettings) -> AsyncIterator[AwsClients]:
    """AWS clients, and the `TokenVerifier` for the routes' `CurrentUser`."""
    aws = AwsClients(settings.aws_region)
    http = httpx.AsyncClient()
    try:
        identity = await resolve_identity(settings, aws)
        provide(app, build_verifier(identity, http, settings.auth_admin_group))
        yield aws
    finally:
        await http.aclose()
        await aws.close()


# A route's dependency on the engine `postgres_lifespan` provides, and on its read pool.
Engine = Annotated[AsyncEngine, Depends(provided(AsyncEngine))]
Reads = Annotated[asyncpg.Pool, Depends(provided(asyncpg.Pool))]


def postgres_lifespan(settings: PostgresSettings, *, read_pool: bool = False) -> Lifespan:
    """The `AsyncEngine` on the service's schema, and with `read_pool` an `asyncpg.Pool`
    (see `create_read_pool`) for a service with hot reads; ready while the database answers."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings, settings.db_schema)
        reads = await create_read_pool(settings, settings.db_schema) if read_pool else None
        try:
            async with authenticated(app, settings):
                provide(app, engine, Readiness({"database": lambda: check_database(engine)}))
                if reads is not None:
                    provide(app, reads)
                yield
        finally:
            if reads is not None:
                await reads.close()
            await engine.dispose()

    return lifespan


def dynamodb_lifespan(
    settings: ServiceSettings,
    table: str,
    units_of_work: Callable[[DynamoDBClient, AwsClients], Awaitable[Callable[[], object]]],
) -> Lifespan:
    """A DynamoDB client handed to `units_of_work`, which makes the service's units of work
    on it (and may open other clients from the `AwsClients` it is given): each request gets a
    fresh one (`fresh_unit_of_work`). Ready while `table` answers a read."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with authenticated(app, settings) as aws:
            dynamodb = await aws.dynamodb()
            provide(app, UnitsOfWork(await units_of_work(dynamodb, aws)))

            def table_answers() -> Awaitable[object]:
                # A read the task role may do (it has no DescribeTable): any key will answer.
                key = {"pk": {"S": "HEALTH"}, "sk": {"S": "HEALTH"}}
                return dynamodb.get_item(TableName=table, Key=key)

            provide(app, Readiness({table: table_answers}))
            yield

    return lifespan
