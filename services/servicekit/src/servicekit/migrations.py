"""What every schema's Alembic `env.py` runs: migrations online, in the service's own schema,
with the version table kept there too, one runner at a time; then the service's own role is
given that schema's tables and nothing else.

A release migrates before its services roll, and a rollback runs the previous release's
services on the schema the newer one left (every migration keeps the release before it
working). So a schema at a revision these migrations do not know is taken to be ahead of them,
by a later release: it is left as it is, and the run succeeds.
"""

from __future__ import annotations

import asyncio
import re
import sys

from alembic import context
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.db import connection_credentials
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
    # In AWS the roles exist already (made by the master user, rds_iam granted): the schema's
    # owner, which runs the migrations there, may not grant rds_iam, and need not.
    if exists("rds_iam") and not _member_of(connection, role, "rds_iam"):
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


def _member_of(connection: Connection, role: str, group: str) -> bool:
    found = connection.execute(
        text("SELECT pg_has_role(:role, :group, 'MEMBER')"), {"role": role, "group": group}
    )
    return bool(found.scalar_one())


def _unknown_revisions(connection: Connection, schema: str) -> list[str]:
    """The schema's current revisions that these migrations do not have: a later release's."""
    current = MigrationContext.configure(
        connection, opts={"version_table_schema": schema}
    ).get_current_heads()
    known = {script.revision for script in context.script.walk_revisions()}
    return [revision for revision in current if revision not in known]


def run_migrations(metadata: MetaData, settings: PostgresSettings) -> None:
    """Bring the service's schema to the revision Alembic was asked for, signed in as the
    settings say, and grant it to `DB_GRANT_TO` (with `DB_GRANT_PASSWORD` where one is given)."""
    schema, grant_to = settings.db_schema, settings.db_grant_to
    if context.is_offline_mode():
        raise SystemExit("Offline migrations are not supported; run against a database.")

    def migrate(connection: Connection) -> None:
        # Two runs at once (a release step started twice, two compose jobs) take turns: the
        # first takes this lock and migrates, the other waits and finds nothing to do.
        # Released at commit.
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"migrate:{schema}"}
        )
        # Where the schema exists its owner may run this without the right to create schemas.
        found = connection.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}
        )
        if found.first() is None:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        if ahead := _unknown_revisions(connection, schema):
            print(
                f"{schema} is at {', '.join(ahead)}, which these migrations do not have: a later"
                " release migrated it; leaving it as it is.",
                file=sys.stderr,
            )
            return
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
        # Errors never quote a statement's parameters (a password among them). In AWS the
        # schema's owner signs in with an IAM token (DB_IAM_AUTH), as the services do.
        engine = create_async_engine(
            settings.database_url(),
            hide_parameters=True,
            connect_args=connection_credentials(settings),
        )
        try:
            async with engine.begin() as connection:
                await connection.run_sync(migrate)
        finally:
            await engine.dispose()

    asyncio.run(run())
