"""The async SQLAlchemy engine for a service's PostgreSQL schema."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from servicekit.settings import PostgresSettings


def create_engine(settings: PostgresSettings, schema: str) -> AsyncEngine:
    """An engine whose connections see only `schema` unless a query names another."""
    return create_async_engine(
        settings.database_url(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,  # asyncpg reports a dead connection on use; the pool then drops it
        pool_recycle=1800,
        connect_args={
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
