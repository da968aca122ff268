"""What every schema's Alembic `env.py` runs: migrations online, in the service's own schema,
with the version table kept there too, one runner at a time; then the service's own role is
given that schema's tables and nothing else."""

from __future__ import annotations

import asyncio
import re

from alembic import context
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.settings import PostgresSettings

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_schema(connection: Connection, schema: str, role: str, password: str = "") -> None:
    """Create `role` if missing and let it read and write `schema`'s tables, nothing more.

    On RDS the role signs in with IAM authentication (`rds_iam`); elsewhere with `password`,
    when one is given. It owns nothing, so it cannot change the schema, and it has no grant on
    any other service's schema.
    """
    if not _ROLE.match(role) or not _ROLE.match(schema):
        raise ValueError(f"not a plain role or schema name: {role!r}, {schema!r}")

    def exists(name: str) -> bool:
        found = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}
        )
        return found.first() is not None

    if not exists(role):
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    if exists("rds_iam"):
        connection.execute(text(f'GRANT rds_iam TO "{role}"'))
    if password:
        # The server quotes the password (a statement like this one takes no parameters).
        statement = connection.execute(
            text("SELECT format('ALTER ROLE %I PASSWORD %L', :role ::text, :password ::text)"),
            {"role": role, "password": password},
        ).scalar_one()
        connection.exec_driver_sql(statement)
    for statement in (
        f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}"'
        f' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}"'
        f' GRANT USAGE, SELECT ON SEQUENCES TO "{role}"',
    ):
        connection.execute(text(statement))


def run_migrations(metadata: MetaData, settings: PostgresSettings) -> None:
    """Bring the service's schema to the revision Alembic was asked for, signed in as the
    settings say, and grant it to `DB_GRANT_TO` (with `DB_GRANT_PASSWORD` where one is given)."""
    schema, grant_to = settings.db_schema, settings.db_grant_to
    if context.is_offline_mode():
        raise SystemExit("Offline migrations are not supported; run against a database.")

    def migrate(connection: Connection) -> None:
        # Every task of a service migrates before it starts: the first takes this lock and
        # migrates, the others wait for it and then find nothing to do. Released at commit.
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"migrate:{schema}"}
        )
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection, target_metadata=metadata, version_table_schema=schema
        )
        with context.begin_transaction():
            context.run_migrations()
        if grant_to:
            grant_schema(
                connection, schema, grant_to, settings.db_grant_password.get_secret_value()
            )

    async def run() -> None:
        # Errors never quote a statement's parameters (a password among them).
        engine = create_async_engine(settings.database_url(), hide_parameters=True)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(migrate)
        finally:
            await engine.dispose()

    asyncio.run(run())
