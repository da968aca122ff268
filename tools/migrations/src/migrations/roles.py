"""Make a schema's two roles, signed in as the database's master user: its owner, which runs the
schema's migrations, and the service's own role, which reads and writes its tables.

    python -m migrations.roles <schema> --owner <owner role> --service <service role>

The first step of a release's migration task in AWS, before `alembic upgrade head` runs as the
owner (with an IAM token: both roles get `rds_iam` where it exists). It creates what is missing
and changes nothing that is already right, so it runs on every release; the master user's
password, which ECS gives this step alone, does nothing else. The schema is created owned by the
owner; whatever in it is owned by another role (a schema migrated by the master user before the
owner existed) is handed to the owner, so that its migrations can change it. The service's role
is given its grants by the migrations that follow (`servicekit.migrations.grant_schema`).

Connection settings: DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys

import asyncpg

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# What a schema may hold, and the statement that gives each kind to another owner.
_OWNED = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "f": "FOREIGN TABLE",
}


def _quoted(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain role or schema name: {name!r}")
    return f'"{name}"'


async def _role(connection: asyncpg.Connection, name: str, iam: bool) -> None:
    role = _quoted(name)
    if not await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name):
        await connection.execute(f"CREATE ROLE {role} LOGIN")
    if iam and not await connection.fetchval("SELECT pg_has_role($1, 'rds_iam', 'MEMBER')", name):
        await connection.execute(f"GRANT rds_iam TO {role}")


async def prepare(connection: asyncpg.Connection, schema: str, owner: str, service: str) -> None:
    """Create the owner and service roles if missing, and make the owner the owner of `schema`
    and of everything in it."""
    if owner == service:
        raise ValueError("the schema's owner and the service's role must differ")
    quoted_schema, quoted_owner = _quoted(schema), _quoted(owner)
    _quoted(service)
    async with connection.transaction():
        # The master user makes and changes roles only one statement at a time, whoever else runs.
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext('migrations:roles'))")
        iam = bool(await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'"))
        await _role(connection, owner, iam)
        await _role(connection, service, iam)
        # On RDS the master user is no superuser: it may hand objects to a role only as a member.
        if not await connection.fetchval("SELECT pg_has_role(current_user, $1, 'MEMBER')", owner):
            await connection.execute(f"GRANT {quoted_owner} TO current_user")
        await connection.execute(
            f"CREATE SCHEMA IF NOT EXISTS {quoted_schema} AUTHORIZATION {quoted_owner}"
        )
        await connection.execute(f"ALTER SCHEMA {quoted_schema} OWNER TO {quoted_owner}")
        owned_elsewhere = await connection.fetch(
            """
            SELECT c.relname, c.relkind::text AS relkind FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind::text = ANY($2::text[])
              AND pg_get_userbyid(c.relowner) <> $3
            """,
            schema,
            list(_OWNED),
            owner,
        )
        for row in owned_elsewhere:
            kind = _OWNED[row["relkind"]]
            name = row["relname"].replace('"', '""')
            # A table's own sequences (serial, identity) go with it.
            await connection.execute(
                f'ALTER {kind} {quoted_schema}."{name}" OWNER TO {quoted_owner}'
            )
        sequences = await connection.fetch(
            """
            SELECT c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> $2
            """,
            schema,
            owner,
        )
        for row in sequences:
            name = row["relname"].replace('"', '""')
            await connection.execute(
                f'ALTER SEQUENCE {quoted_schema}."{name}" OWNER TO {quoted_owner}'
            )


async def _main(schema: str, owner: str, service: str) -> None:
    connection = await asyncpg.connect(
        host=os.environ.get("DB_HOST", "127.0.0.1"),
        port=int(os.environ.get("DB_PORT", "5432")),
        database=os.environ.get("DB_NAME", "shop"),
        user=os.environ.get("DB_USER", "shop"),
        password=os.environ.get("DB_PASSWORD") or None,
        timeout=30,
    )
    try:
        await prepare(connection, schema, owner, service)
    finally:
        await connection.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m migrations.roles", description=__doc__)
    parser.add_argument("schema")
    parser.add_argument("--owner", required=True, help="the role that owns the schema")
    parser.add_argument("--service", required=True, help="the service's own role")
    arguments = parser.parse_args(argv)
    asyncio.run(_main(arguments.schema, arguments.owner, arguments.service))
    print(
        f"{arguments.schema}: owned by {arguments.owner}; {arguments.service} exists",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
