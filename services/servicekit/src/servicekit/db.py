"""A service's PostgreSQL schema: the SQLAlchemy engine for its units of work, and a plain
asyncpg pool for the single statements on its hot paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, cast

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from servicekit.settings import PostgresSettings


class _AuthTokenSigner(Protocol):
    # botocore's argument names
    def generate_db_auth_token(
        self,
        DBHostname: str,  # noqa: N803
        Port: int,  # noqa: N803
        DBUsername: str,  # noqa: N803
        Region: str | None = None,  # noqa: N803
    ) -> str: ...


def connection_credentials(settings: PostgresSettings) -> dict[str, Any]:
    """How each new connection signs in: a fresh IAM token over TLS, or the configured password.

    An IAM token lives 15 minutes and is checked only when a connection opens, so asyncpg is
    given a function it calls per connection rather than a string.
    """
    if not settings.db_iam_auth:
        return {"password": settings.db_password.get_secret_value() or None}
    import botocore.session  # the SDK is loaded only when used

    session = botocore.session.get_session()
    rds = cast(_AuthTokenSigner, session.create_client("rds", region_name=settings.aws_region))

    def token() -> str:
        return rds.generate_db_auth_token(
            DBHostname=settings.db_host,
            Port=settings.db_port,
            DBUsername=settings.db_user,
            Region=settings.aws_region,
        )

    password: Callable[[], str] = token
    return {"password": password, "ssl": "require"}


def create_engine(settings: PostgresSettings, schema: str) -> AsyncEngine:
    """An engine whose connections see only `schema` unless a query names another."""
    return create_async_engine(
        settings.database_url(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,  # asyncpg reports a dead connection on use; the pool then drops it
        pool_recycle=1800,
        # An error's message would otherwise quote the statement's parameters (addresses,
        # payment tokens) into the log.
        hide_parameters=True,
        connect_args={
            **connection_credentials(settings),
            "timeout": settings.db_timeout_seconds,
            "command_timeout": settings.db_timeout_seconds,
            "server_settings": {
                "search_path": schema,
                "application_name": settings.service_name,
            },
        },
    )


async def check_database(engine: AsyncEngine) -> None:
    """Raise unless the database answers."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _leave_as_is(connection: asyncpg.Connection) -> None:
    return None


async def create_statement_pool(settings: PostgresSettings, schema: str) -> asyncpg.Pool:
    """An asyncpg pool for single statements on hot paths: an API's reads, and a worker's
    writes that are whole in one statement.

    A hot read through SQLAlchemy's async engine pays for a pool checkout, a greenlet hop and
    result processing: measured here, about a third of what the driver alone serves. A write
    in a transaction pays besides a round trip for its `BEGIN` and another for its `COMMIT`;
    one statement outside a transaction is a transaction of its own, all of it or none. Its
    connections only ever run such single statements (no LISTEN, locks held across
    statements, cursors or SET), so they leave no session state behind and are returned
    without asyncpg's reset query, which would cost a round trip per use. A connection whose
    query is interrupted is closed by asyncpg rather than returned.
    """
    pool = await asyncpg.create_pool(
        host=settings.db_host,
        port=settings.db_port,
        user=settings.db_user,
        database=settings.db_name,
        **connection_credentials(settings),
        min_size=1,
        max_size=settings.db_statement_pool_size,
        timeout=settings.db_timeout_seconds,
        command_timeout=settings.db_timeout_seconds,
        server_settings={"search_path": schema, "application_name": settings.service_name},
        reset=_leave_as_is,
    )
    if pool is None:  # asyncpg types the awaited pool as optional
        raise RuntimeError("the statement pool was not created")
    return pool
