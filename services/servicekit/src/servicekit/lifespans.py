"""What an API opens when it starts and closes when it stops, for its state (see
`servicekit.state`): the token verifier, its store, and the readiness checks on that store.
A PostgreSQL API's state is the kit's own (`PostgresState`, `PostgresReadsState`); a
DynamoDB API builds its own from what `dynamodb_api` opens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import asyncpg
import httpx
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.auth import TokenVerifier
from servicekit.aws import AwsClients, report_requests_on_signal
from servicekit.db import check_database, create_engine, create_statement_pool
from servicekit.health import Readiness
from servicekit.identity import build_verifier, resolve_identity
from servicekit.settings import PostgresSettings, ServiceSettings
from servicekit.state import ApiState

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


@asynccontextmanager
async def authenticated(
    settings: ServiceSettings,
) -> AsyncIterator[tuple[AwsClients, TokenVerifier]]:
    """AWS clients, and the verifier of the tokens routes take their `CurrentUser` from."""
    aws = AwsClients(settings.aws_region, f"{settings.service_name}-api")
    report_requests_on_signal()
    http = httpx.AsyncClient()
    try:
        identity = await resolve_identity(settings, aws)
        yield aws, build_verifier(identity, http, settings.auth_admin_group)
    finally:
        await http.aclose()
        await aws.close()


@dataclass(frozen=True, slots=True, kw_only=True)
class PostgresState(ApiState):
    """An API on its PostgreSQL schema: the engine its units of work and queries use."""

    engine: AsyncEngine


@dataclass(frozen=True, slots=True, kw_only=True)
class PostgresReadsState(PostgresState):
    """An API on its PostgreSQL schema with hot reads: the engine, and the plain read pool
    (see `create_statement_pool`)."""

    reads: asyncpg.Pool


@asynccontextmanager
async def postgres_api(settings: PostgresSettings) -> AsyncIterator[PostgresState]:
    """The engine on the service's schema; ready while the database answers."""
    engine = create_engine(settings, settings.db_schema)
    try:
        async with authenticated(settings) as (_, verifier):
            readiness = Readiness({"database": lambda: check_database(engine)})
            yield PostgresState(verifier=verifier, readiness=readiness, engine=engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def postgres_reads_api(settings: PostgresSettings) -> AsyncIterator[PostgresReadsState]:
    """The engine on the service's schema and a read pool on it, for a service with hot
    reads; ready while the database answers."""
    reads = await create_statement_pool(settings, settings.db_schema)
    try:
        async with postgres_api(settings) as api:
            yield PostgresReadsState(
                verifier=api.verifier, readiness=api.readiness, engine=api.engine, reads=reads
            )
    finally:
        await reads.close()


async def _engine(state: Annotated[PostgresState, Depends(PostgresState.of)]) -> AsyncEngine:
    return state.engine


async def _reads(
    state: Annotated[PostgresReadsState, Depends(PostgresReadsState.of)],
) -> asyncpg.Pool:
    return state.reads


# A route's dependency on a PostgreSQL API's engine, and on its read pool.
Engine = Annotated[AsyncEngine, Depends(_engine)]
Reads = Annotated[asyncpg.Pool, Depends(_reads)]


@dataclass(frozen=True, slots=True, kw_only=True)
class DynamoApi:
    """What an API on a DynamoDB table opened, for the state it builds: its AWS clients
    (to open others from), its DynamoDB client, its token verifier and its readiness."""

    aws: AwsClients
    dynamodb: DynamoDBClient
    verifier: TokenVerifier
    readiness: Readiness


@asynccontextmanager
async def dynamodb_api(settings: ServiceSettings, table: str) -> AsyncIterator[DynamoApi]:
    """A DynamoDB client; ready while `table` answers a read."""
    async with authenticated(settings) as (aws, verifier):
        dynamodb = await aws.dynamodb()

        def table_answers() -> Awaitable[object]:
            # A read the task role may do (it has no DescribeTable): any key will answer.
            key = {"pk": {"S": "HEALTH"}, "sk": {"S": "HEALTH"}}
            return dynamodb.get_item(TableName=table, Key=key)

        readiness = Readiness({table: table_answers})
        yield DynamoApi(aws=aws, dynamodb=dynamodb, verifier=verifier, readiness=readiness)
