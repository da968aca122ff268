"""What every schema's Alembic `env.py` runs: migrations online, in the service's own schema,
with the version table kept there too."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import MetaData, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import create_async_engine


def run_migrations(schema: str, metadata: MetaData, url: URL) -> None:
    """Bring `schema` to the revision Alembic was asked for."""
    if context.is_offline_mode():
        raise SystemExit("Offline migrations are not supported; run against a database.")

    def migrate(connection: Connection) -> None:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection, target_metadata=metadata, version_table_schema=schema
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(migrate)
        finally:
            await engine.dispose()

    asyncio.run(run())
